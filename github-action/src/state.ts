/**
 * What `pre` (or, when no `pre` ran, `main`) hands to `post`: saved with core.saveState, which
 * appends to the GITHUB_STATE file; the runner gives it back to the same action's later runs as
 * `STATE_<name>` variables (actions/runner src/Runner.Worker/FileCommandManager.cs, SaveState;
 * ActionRunner.cs sets `STATE_{key}`), read with core.getState. Pure.
 */

/** Epoch milliseconds at which the job's window starts. */
export const STATE_WINDOW_START = 'windowStart';
/** Which run started the window: `pre-step` or `main-step`. */
export const STATE_WINDOW_SOURCE = 'windowSource';

/** Where the window's start came from, as the report names it. */
export type WindowSource = 'pre-step' | 'main-step';

/** The window's start as saved. */
export interface WindowStart {
  sinceMs: number;
  source: WindowSource;
}

/** Reads the window's start from the saved state (`getState` as core.getState: '' when unset). */
export function readWindowStart(getState: (name: string) => string): WindowStart | undefined {
  const text = getState(STATE_WINDOW_START).trim();
  if (!/^[0-9]{1,16}$/.test(text)) return undefined;
  const sinceMs = Number(text);
  if (!Number.isSafeInteger(sinceMs) || sinceMs <= 0) return undefined;
  return { sinceMs, source: getState(STATE_WINDOW_SOURCE).trim() === 'main-step' ? 'main-step' : 'pre-step' };
}
