/**
 * Severity levels, normalised across scanners, and their order.
 *
 * Trivy and the Trivy Operator print CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN (upper case; the operator's
 * CRD enum, `pkg/apis/aquasecurity/v1alpha1/vulnerability_types.go` in aquasecurity/trivy-operator);
 * Grype prints Critical, High, Medium, Low, Negligible, Unknown (title case; its JSON presenter
 * snapshots in anchore/grype `grype/presenter/json/testdata/snapshot/`). Grype's `Negligible` is kept
 * as its own level, ranked under `low` and above `unknown`, so that no information is lost and no
 * "at or above low" question counts it.
 */

/** A normalised severity. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown';

/** Every severity, highest first: the order tables and counts are shown in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];

const RANK: Readonly<Record<Severity, number>> = { critical: 5, high: 4, medium: 3, low: 2, negligible: 1, unknown: 0 };

/**
 * Reads a scanner's severity word, in any case. An empty word is `unknown` (Grype omits the
 * severity of a vulnerability it has no metadata for).
 * @returns the severity, or `undefined` when the word is none a scanner prints.
 */
export function normaliseSeverity(word: string): Severity | undefined {
  const lower = word.trim().toLowerCase();
  if (lower === '') return 'unknown';
  return (SEVERITIES as readonly string[]).includes(lower) ? (lower as Severity) : undefined;
}

/** The severity's rank: higher is more severe; `unknown` is the lowest. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Whether `severity` is `minimum` or more severe. */
export function isAtOrAbove(severity: Severity, minimum: Severity): boolean {
  return RANK[severity] >= RANK[minimum];
}

/** The more severe of two severities: what counts when scanners disagree. */
export function higherSeverity(a: Severity, b: Severity): Severity {
  return RANK[b] > RANK[a] ? b : a;
}
