/**
 * What one scanner said about one image: the plain data every parser returns and every
 * merge, replace and count works on.
 */
import type { Severity } from './severity';

/** The formats we read, each the output of one tool. */
export type ScannerFormat = 'trivy' | 'grype' | 'trivy-operator';

/** Who said it, and when: kept with every finding (a fact keeps its origin). */
export interface ScanSource {
  /** The tool whose output this is. A re-import from the same tool replaces its earlier findings for the image. */
  format: ScannerFormat;
  /** The scanner's own name, as the document gives it (`Trivy`, `grype`). */
  scanner: string;
  /** The scanner's version when the document gives it (recent Trivy versions print it as `Trivy.Version`; older ones do not), else `null`. */
  scannerVersion: string | null;
  /** When the scan ran, as the document gives it (RFC 3339), else `null`. */
  scannedAt: string | null;
}

/** One vulnerability in one package, as one scanner reported it. */
export interface Finding {
  /** The scanner's id for the vulnerability: `CVE-2024-1234`, `GHSA-xxxx-xxxx-xxxx`. */
  vulnerabilityId: string;
  /** Other ids of the same vulnerability (Grype's `relatedVulnerabilities`): used to recognise it across scanners. */
  aliases: string[];
  /**
   * Vendor advisories that fix it (Trivy's `VendorIDs`: `DSA-4539-1`, `ALAS-2023-1234`). Kept, but never
   * used to merge findings: one advisory often covers several CVEs.
   */
  advisories: string[];
  severity: Severity;
  packageName: string;
  installedVersion: string;
  /** The version(s) that fix it, as the scanner prints them; `null` when no fix is known. */
  fixedVersion: string | null;
}

/** One scanner's findings for one image, keyed by the image's manifest digest. */
export interface ImageScan {
  /** The manifest digest, `sha256:` and 64 lowercase hex digits. */
  digest: string;
  /** The image references the document names for that digest (`registry/repo@sha256:…`, `repo:tag`). */
  imageReferences: string[];
  source: ScanSource;
  findings: Finding[];
}

/**
 * A scanner document's statement that one digest is a platform manifest of an index (Grype names both:
 * the index it was asked for in `source.target.repoDigests`, the platform manifest it read in
 * `source.target.manifestDigest`).
 */
export interface IndexLink {
  indexDigest: string;
  platformDigest: string;
  /** The platform the scanner read, when it names one. */
  platform: { os: string; architecture: string; variant: string | null } | null;
}
