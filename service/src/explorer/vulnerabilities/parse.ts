/**
 * One entry point for a scanner document: detect its format, read its findings.
 */
import { detectFormat } from './detect';
import type { ImageScan, IndexLink, ScannerFormat } from './finding';
import { grypeIndexLinks, parseGrype } from './grype';
import type { JsonObject } from './read';
import { parseTrivy } from './trivy';
import { parseVulnerabilityReport, parseVulnerabilityReportList, type SkippedKinds } from './trivyOperator';

/** What one scanner document said. */
export interface ParsedScannerDocument {
  format: ScannerFormat;
  /** One entry per image (manifest digest) the document reports on. */
  scans: ImageScan[];
  /** Items of a `List` that were not VulnerabilityReports, counted by kind. */
  skipped: SkippedKinds;
  /**
   * Index → platform manifest links the document states. Only Grype states them; Trivy JSON names one
   * kind of digest (`Metadata.RepoDigests`: aquasecurity/trivy `pkg/types/report.go` has no manifest
   * digest) and a Trivy Operator report one (`report.artifact.digest`, the digest the pod runs).
   */
  indexLinks: IndexLink[];
}

/**
 * Reads a parsed JSON scanner document (Trivy, Grype or Trivy Operator).
 * @throws VulnerabilityDocumentError with the JSON path of the problem: an unknown format, a wrongly
 *   typed field, or an image without a manifest digest. Nothing is returned half-read.
 */
export function parseScannerDocument(document: unknown): ParsedScannerDocument {
  const format = detectFormat(document);
  const object = document as JsonObject; // detectFormat accepted it, so it is an object
  switch (format) {
    case 'trivy':
      return { format, scans: parseTrivy(object), skipped: {}, indexLinks: [] };
    case 'grype':
      return { format, scans: parseGrype(object), skipped: {}, indexLinks: grypeIndexLinks(object) };
    case 'trivy-operator':
      return object['kind'] === 'VulnerabilityReport'
        ? { format, scans: [parseVulnerabilityReport(object, [])], skipped: {}, indexLinks: [] }
        : { format, ...parseVulnerabilityReportList(object), indexLinks: [] };
  }
}
