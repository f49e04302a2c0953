/** The relations a scanner document states (see `vulnerabilities/parse.ts`, `indexLinks`). */
import type { Platform, PlatformRelation } from './relation';

/** One index → platform manifest link as a scanner stated it (the shape of `vulnerabilities/finding.ts`'s `IndexLink`). */
export interface ScannerLink {
  readonly indexDigest: string;
  readonly platformDigest: string;
  readonly platform: Platform | null;
}

/** The links of one document as relations; `evidence` names the scanner (`grype 0.74.0`). */
export function relationsFromScan(links: readonly ScannerLink[], evidence: string): PlatformRelation[] {
  return links.map((l) => ({ ...l, source: 'scan', evidence }));
}
