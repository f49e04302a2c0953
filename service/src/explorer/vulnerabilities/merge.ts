/**
 * Merges what several scanners said about images into one finding per (image, vulnerability):
 * the same CVE from two scanners, or in two packages, counts once; every report of it is kept
 * as an occurrence with its source; the highest severity any scanner gave counts.
 */
import type { ImageScan, ScanSource } from './finding';
import { identityKeys, isCveId } from './identity';
import { higherSeverity, severityRank, type Severity } from './severity';

/** One scanner's report of a vulnerability in one package: the evidence behind a merged finding. */
export interface Occurrence {
  source: ScanSource;
  /** The id this scanner used (`GHSA-…` where another scanner said `CVE-…`). */
  vulnerabilityId: string;
  severity: Severity;
  packageName: string;
  installedVersion: string;
  fixedVersion: string | null;
}

/** One vulnerability on one image, however many scanners and packages reported it. */
export interface MergedFinding {
  digest: string;
  /** The CVE id when any scanner gave one, else the id the first report used. */
  vulnerabilityId: string;
  /** Every other id the reports used or listed as aliases, sorted. */
  aliases: string[];
  /** Vendor advisories any report listed, sorted. */
  advisories: string[];
  /** The highest severity any report gave. */
  severity: Severity;
  /** Whether any report names a fixed version. */
  fixable: boolean;
  occurrences: Occurrence[];
}

/** Ids without repeats (compared case-insensitively, first spelling kept) and without `except`, sorted. */
function uniqueSorted(ids: Iterable<string>, except?: string): string[] {
  const byUpper = new Map<string, string>();
  for (const id of ids) {
    const upper = id.toUpperCase();
    if (upper !== except?.toUpperCase() && !byUpper.has(upper)) byUpper.set(upper, id);
  }
  return [...byUpper.values()].sort();
}

function mergeImage(digest: string, scans: readonly ImageScan[]): MergedFinding[] {
  const reports = scans.flatMap((scan) => scan.findings.map((finding) => ({ finding, source: scan.source })));
  const keys = identityKeys(reports.map((r) => r.finding));
  const byKey = new Map<string, { ids: string[]; advisories: string[]; occurrences: Occurrence[] }>();
  reports.forEach(({ finding, source }, i) => {
    const key = keys[i]!;
    const entry = byKey.get(key) ?? { ids: [], advisories: [], occurrences: [] };
    entry.ids.push(finding.vulnerabilityId, ...finding.aliases);
    entry.advisories.push(...finding.advisories);
    entry.occurrences.push({
      source,
      vulnerabilityId: finding.vulnerabilityId,
      severity: finding.severity,
      packageName: finding.packageName,
      installedVersion: finding.installedVersion,
      fixedVersion: finding.fixedVersion,
    });
    byKey.set(key, entry);
  });
  return [...byKey].map(([key, entry]) => {
    const vulnerabilityId = isCveId(key) ? key : entry.occurrences[0]!.vulnerabilityId;
    return {
      digest,
      vulnerabilityId,
      aliases: uniqueSorted(entry.ids, vulnerabilityId),
      advisories: uniqueSorted(entry.advisories),
      severity: entry.occurrences.map((o) => o.severity).reduce(higherSeverity),
      fixable: entry.occurrences.some((o) => o.fixedVersion !== null),
      occurrences: entry.occurrences,
    };
  });
}

/**
 * One finding per (image, vulnerability) from any number of scans, ordered by digest, then most
 * severe first, then id.
 */
export function mergeFindings(scans: readonly ImageScan[]): MergedFinding[] {
  const byDigest = new Map<string, ImageScan[]>();
  for (const scan of scans) byDigest.set(scan.digest, [...(byDigest.get(scan.digest) ?? []), scan]);
  return [...byDigest]
    .flatMap(([digest, imageScans]) => mergeImage(digest, imageScans))
    .sort(
      (a, b) =>
        a.digest.localeCompare(b.digest) ||
        severityRank(b.severity) - severityRank(a.severity) ||
        a.vulnerabilityId.localeCompare(b.vulnerabilityId),
    );
}
