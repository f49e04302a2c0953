/**
 * `--since` / `--until` of the explorer's commands: the push-time range the routes take as
 * `since` / `until` (both inclusive), checked before anything is asked so that a bad date is a
 * usage error naming the flag, with or without `--database`.
 */
import { ProblemError } from '../errors';
import { pushTimeRange } from '../query/pushFilter';
import { UsageError } from './command';

/** @throws UsageError naming `--since` or `--until` when it names no storable instant, or the range is empty. */
export function pushTimeFlags(since: string | undefined, until: string | undefined): { sinceMs?: number; untilMs?: number } {
  try {
    return pushTimeRange(since, until);
  } catch (err) {
    if (err instanceof ProblemError) throw new UsageError(`--${err.message}`);
    throw err;
  }
}
