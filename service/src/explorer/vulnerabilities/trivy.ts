/**
 * Reads `trivy image --format json` output (report schema version 2).
 *
 * Shape followed: aquasecurity/trivy `pkg/types/report.go` (Report, Metadata, Result) and the golden
 * files `integration/testdata/*.json.golden` (e.g. `alpine-310-registry.json.golden`): `SchemaVersion`,
 * `CreatedAt`, `ArtifactName`, `Metadata.RepoDigests` (`repo@sha256:…`), `Results[].Vulnerabilities[]`
 * with `VulnerabilityID`, `PkgName`, `InstalledVersion`, `FixedVersion`, `Severity`, `VendorIDs`.
 * Go's `omitempty` leaves out empty fields, so absent arrays read as empty.
 */
import { readDigest } from './digest';
import { VulnerabilityDocumentError, type JsonLocation } from './documentError';
import type { Finding, ImageScan, ScanSource } from './finding';
import { asObject, asString, optionalArray, optionalObject, optionalString, optionalStrings, type JsonObject } from './read';
import { readSeverity } from './severityField';

function readVulnerability(value: unknown, at: JsonLocation): Finding {
  const v = asObject(value, at);
  return {
    vulnerabilityId: asString(v['VulnerabilityID'], [...at, 'VulnerabilityID']),
    aliases: [],
    advisories: optionalStrings(v, 'VendorIDs', at),
    severity: readSeverity(v['Severity'], [...at, 'Severity']),
    packageName: asString(v['PkgName'], [...at, 'PkgName']),
    installedVersion: optionalString(v, 'InstalledVersion', at) ?? '',
    fixedVersion: optionalString(v, 'FixedVersion', at) || null,
  };
}

/**
 * The findings of one Trivy image report, one {@link ImageScan} per distinct digest in
 * `Metadata.RepoDigests` (an image pushed to two repositories is one manifest under two names).
 * @throws VulnerabilityDocumentError when a field is wrongly typed, or when `Metadata.RepoDigests`
 *   is absent or empty: Trivy scanned an image it had no registry digest for (built locally, never
 *   pushed or pulled), and findings without a digest cannot be matched to anything.
 */
export function parseTrivy(document: JsonObject): ImageScan[] {
  const artifactName = asString(document['ArtifactName'], ['ArtifactName']);
  const metadata = optionalObject(document, 'Metadata', []) ?? {};
  const repoDigests = optionalStrings(metadata, 'RepoDigests', ['Metadata']);
  if (repoDigests.length === 0) {
    throw new VulnerabilityDocumentError(
      ['Metadata', 'RepoDigests'],
      `no manifest digest for "${artifactName}": scan the image by its registry name or digest so that Trivy records it`,
    );
  }
  const trivy = optionalObject(document, 'Trivy', []);
  const source: ScanSource = {
    format: 'trivy',
    scanner: 'Trivy',
    scannerVersion: trivy ? (optionalString(trivy, 'Version', ['Trivy']) ?? null) : null,
    scannedAt: optionalString(document, 'CreatedAt', []) ?? null,
  };
  const findings: Finding[] = [];
  optionalArray(document, 'Results', []).forEach((resultValue, r) => {
    const result = asObject(resultValue, ['Results', r]);
    optionalArray(result, 'Vulnerabilities', ['Results', r]).forEach((v, i) => {
      findings.push(readVulnerability(v, ['Results', r, 'Vulnerabilities', i]));
    });
  });

  const byDigest = new Map<string, string[]>();
  repoDigests.forEach((reference, i) => {
    const digest = readDigest(reference, ['Metadata', 'RepoDigests', i]);
    byDigest.set(digest, [...(byDigest.get(digest) ?? []), reference]);
  });
  return [...byDigest].map(([digest, imageReferences]) => ({ digest, imageReferences, source, findings: [...findings] }));
}
