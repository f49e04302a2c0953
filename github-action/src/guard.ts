/**
 * What every run of the action (pre, main, post) shares: it never fails the job and never hangs
 * it. A JavaScript action's step fails when its process exits with a code other than 0 (that is
 * all core.setFailed does: `process.exitCode = 1`, actions/toolkit packages/core/src/core.ts), so
 * every path here ends with exit code 0, whatever escaped, and a hard time limit ends the step.
 * Built-ins only: it runs before anything heavy is loaded.
 */
import { writeSync } from 'node:fs';

/** How a guarded run writes its one line. */
export type LineWriter = (line: string) => void;

/**
 * A plain line on stdout, as core.info writes one (actions/toolkit packages/core/src/core.ts:
 * the message and os.EOL), for the first look, which runs before @actions/core is loaded. Never a
 * workflow command: a line starting with `::` is indented. Written straight to file descriptor 1:
 * a cheap path needs not even `process.stdout`, whose stream costs milliseconds to set up.
 */
export const plainLine: LineWriter = (line) => {
  const text = `${line.startsWith('::') ? ` ${line}` : line}\n`;
  try {
    writeSync(1, text);
  } catch {
    // A non-blocking pipe that is full (EAGAIN): let the stream queue it.
    process.stdout.write(text);
  }
};

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Replaces the process's crash handlers: whatever escapes ends the step successfully, with one line. */
export function succeedOnCrash(write: LineWriter): void {
  const handler = (err: unknown) => {
    write(`Container mapping stopped early: ${describe(err)}`);
    process.exit(0);
  };
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.removeAllListeners(event);
    process.on(event, handler);
  }
}

/** Ends the step successfully at `timeLimitMs` from now, whatever is still running (unref'd: never keeps a finished step alive). */
export function hardTimeLimit(timeLimitMs: number, write: LineWriter): void {
  setTimeout(() => {
    write(`Stopped at the time limit (${Math.round(timeLimitMs / 1000)} s); the job is not affected.`);
    process.exit(0);
  }, timeLimitMs).unref();
}

/** Runs `body`; whatever it throws is one line, and the process's exit code is 0. */
export async function guarded(body: () => Promise<void>, write: LineWriter): Promise<void> {
  succeedOnCrash(write);
  try {
    await body();
  } catch (err) {
    write(`Container mapping stopped early: ${describe(err)}`);
  } finally {
    process.exitCode = 0;
  }
}
