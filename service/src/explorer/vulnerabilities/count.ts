/**
 * Counting findings by severity and choosing those at or above a severity: what the
 * `query exposed --min-severity` question asks of an image's merged findings.
 */
import { isAtOrAbove, normaliseSeverity, SEVERITIES, type Severity } from './severity';

/** How many findings there are at each severity. */
export type SeverityCounts = Record<Severity, number>;

/** Counts findings by severity; every severity is present, zero when none. Count merged findings so that each vulnerability counts once. */
export function countBySeverity(findings: readonly { severity: Severity }[]): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** The findings at or above `minimum`, in their order. */
export function atOrAbove<T extends { severity: Severity }>(findings: readonly T[], minimum: Severity): T[] {
  return findings.filter((finding) => isAtOrAbove(finding.severity, minimum));
}

/** Whether any finding is at or above `minimum`. */
export function hasFindingAtOrAbove(findings: readonly { severity: Severity }[], minimum: Severity): boolean {
  return findings.some((finding) => isAtOrAbove(finding.severity, minimum));
}

/** The severities a `--min-severity` option accepts. */
export const MINIMUM_SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/**
 * Reads a `--min-severity` value (`low`, `medium`, `high`, `critical`, any case).
 * @returns the severity, or `undefined` for anything else (`negligible` and `unknown` make no useful threshold).
 */
export function parseMinimumSeverity(text: string): Severity | undefined {
  const severity = normaliseSeverity(text);
  return severity !== undefined && MINIMUM_SEVERITIES.includes(severity) ? severity : undefined;
}
