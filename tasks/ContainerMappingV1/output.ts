/**
 * The step's log: one collapsible group with a few plain lines. Written straight to file
 * descriptor 1: the cheap paths need no task-lib, and not even `process.stdout` (whose
 * stream machinery costs milliseconds to set up on a pipe).
 */
import { writeSync } from 'node:fs';

function write(text: string): void {
  try {
    writeSync(1, text);
  } catch {
    // A non-blocking pipe that is full (EAGAIN): let the stream queue it.
    process.stdout.write(text);
  }
}

// Shared through Node's `global` (not `globalThis`, which Node 10 lacks): index.js and the
// lazily loaded collect.js each bundle a copy of this module, and there must still be exactly one group.
const state = ((global as { __containerMappingOutput?: { open: boolean } }).__containerMappingOutput ??= { open: false });

/** Opens the step's group (once). */
export function startGroup(title = 'Container mapping'): void {
  if (state.open) return;
  state.open = true;
  write(`##[group]${title}\n`);
}

/** Writes one plain line inside the group. Lines never start with `##` so they cannot be read as commands. */
export function info(line: string): void {
  startGroup();
  write(`${line.replace(/^#+/, '').replace(/\r?\n/g, ' ')}\n`);
}

/** Escapes a logging command's data the way the agent unescapes it. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%AZP25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Writes a warning (`task.logissue`: shown in the job's summary, never fails the job). */
export function warn(line: string): void {
  startGroup();
  write(`##vso[task.logissue type=warning]${escapeCommandData(line)}\n`);
}

/** Closes the group, when one is open. */
export function endGroup(): void {
  if (!state.open) return;
  state.open = false;
  write('##[endgroup]\n');
}
