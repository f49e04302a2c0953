/** The `takenAt` of a snapshot import: when the cluster was read at its source, as the importer says. */
import { formatTimestamp, parseTimestamp } from '../../../../common/timestamp';
import { invalidInput } from '../../errors';

/** How far ahead of the service's clock a stated `takenAt` may be: the importer's clock may run a little fast. */
export const TAKEN_AT_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The instant the snapshot was taken: the `takenAt` parameter (RFC 3339, normalised like every date-time of the API:
 * UTC, milliseconds), else `receivedAt`. A snapshot cannot have been taken after it arrived: a `takenAt` more than
 * {@link TAKEN_AT_CLOCK_SKEW_MS} after `receivedAt` is refused rather than stored as a snapshot from the future.
 * @throws ProblemError 400 naming the parameter.
 */
export function snapshotTakenAt(text: string | undefined, receivedAt: Date): Date {
  if (text === undefined) return receivedAt;
  const ms = parseTimestamp(text);
  if (ms === undefined) {
    const detail = 'is not an RFC 3339 date-time between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
    throw invalidInput(`takenAt ${detail}`, [{ parameter: 'takenAt', detail }], 'invalid-parameter');
  }
  if (ms > receivedAt.getTime() + TAKEN_AT_CLOCK_SKEW_MS) {
    const detail = `is ${formatTimestamp(ms)}, later than the service's clock (${formatTimestamp(receivedAt.getTime())}) by more than 5 minutes`;
    throw invalidInput(`takenAt ${detail}`, [{ parameter: 'takenAt', detail }], 'invalid-parameter');
  }
  return new Date(ms);
}
