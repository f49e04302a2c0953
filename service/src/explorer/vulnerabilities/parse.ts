/**
 * One entry point for a scanner document: detect its format, read its findings.
 */
import { detectFormat } from './detect';
import type { ImageScan, ScannerFormat } from './finding';
import { parseGrype } from './grype';
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
      return { format, scans: parseTrivy(object), skipped: {} };
    case 'grype':
      return { format, scans: parseGrype(object), skipped: {} };
    case 'trivy-operator':
      return object['kind'] === 'VulnerabilityReport'
        ? { format, scans: [parseVulnerabilityReport(object, [])], skipped: {} }
        : { format, ...parseVulnerabilityReportList(object) };
  }
}
