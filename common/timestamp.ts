/**
 * Turning the report's date-time strings into instants, by one rule on both sides.
 *
 * The schema checks date-times with ajv-formats' `date-time` (RFC 3339, section 5.6), which
 * also accepts what `Date.parse` does not: a leap second (`23:59:60Z`), a space or a
 * lowercase `t` between date and time, `+0200` and `+02` offsets. This parser accepts exactly
 * that grammar, so that everything the schema lets in has an instant.
 */

/** The earliest instant a timestamp may name: 0000-01-01T00:00:00.000Z. */
export const MIN_TIMESTAMP_MS = -62_167_219_200_000;
/** The latest instant a timestamp may name: 9999-12-31T23:59:59.999Z. */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt\s](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * The instant a date-time names, in milliseconds since the epoch, or `undefined` when the
 * text is not an RFC 3339 date-time or names an instant outside years 0000–9999 (UTC).
 *
 * Normalisation: fractions beyond milliseconds are truncated; a leap second (`:60`, which
 * the schema allows only at 23:59 UTC) is read as the last millisecond of its minute
 * (`23:59:59.999Z`), so that it sorts after every other instant of that minute and before
 * the next day.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const sign = m[9] === '-' ? -1 : 1;
  const offsetMs = m[8] ? 0 : sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  const leap = second === 60;
  if (leap) {
    // RFC 3339 allows a leap second only as the last second of a UTC day.
    const utcMinutes = (((hour * 60 + minute - offsetMs / 60_000) % 1440) + 1440) % 1440;
    if (utcMinutes !== 1439) return undefined;
  }
  const millis = leap ? 999 : Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, leap ? 59 : second, millis);
  const instant = date.getTime() - offsetMs;
  if (!(instant >= MIN_TIMESTAMP_MS && instant <= MAX_TIMESTAMP_MS)) return undefined;
  return instant;
}

/** Formats an instant as `parseTimestamp` normalises it: UTC, milliseconds, `Z`. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
