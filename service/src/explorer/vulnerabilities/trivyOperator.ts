/**
 * Reads Trivy Operator `VulnerabilityReport` resources (aquasecurity.github.io/v1alpha1), alone or
 * as the `kind: List` that `kubectl get vulnerabilityreports -A -o json` prints.
 *
 * Shape followed: aquasecurity/trivy-operator `pkg/apis/aquasecurity/v1alpha1/vulnerability_types.go`
 * (VulnerabilityReport, VulnerabilityReportData, Artifact, Vulnerability): `report.updateTimestamp`,
 * `report.scanner` (`name`, `vendor`, `version`), `report.registry.server`, `report.artifact`
 * (`repository`, `digest`, `tag`), `report.vulnerabilities[]` (`vulnerabilityID`, `resource`,
 * `installedVersion`, `fixedVersion`, `severity`).
 */
import { readDigest } from './digest';
import { VulnerabilityDocumentError, type JsonLocation } from './documentError';
import type { Finding, ImageScan } from './finding';
import { asObject, asString, optionalArray, optionalObject, optionalString, type JsonObject } from './read';
import { readSeverity } from './severityField';

/** The API group and version of the operator's reports. */
export const TRIVY_OPERATOR_API_VERSION = 'aquasecurity.github.io/v1alpha1';

function readVulnerability(value: unknown, at: JsonLocation): Finding {
  const v = asObject(value, at);
  return {
    vulnerabilityId: asString(v['vulnerabilityID'], [...at, 'vulnerabilityID']),
    aliases: [],
    advisories: [],
    severity: readSeverity(v['severity'], [...at, 'severity']),
    packageName: asString(v['resource'], [...at, 'resource']),
    installedVersion: optionalString(v, 'installedVersion', at) ?? '',
    fixedVersion: optionalString(v, 'fixedVersion', at) || null,
  };
}

/**
 * The findings of one VulnerabilityReport found at `at` in the document.
 * @throws VulnerabilityDocumentError when a field is wrongly typed or `report.artifact.digest` is
 *   absent (the operator leaves it out when the node's runtime did not give it the image's digest).
 */
export function parseVulnerabilityReport(value: unknown, at: JsonLocation): ImageScan {
  const resource = asObject(value, at);
  const report = asObject(resource['report'], [...at, 'report']);
  const artifact = asObject(report['artifact'], [...at, 'report', 'artifact']);
  const digestText = optionalString(artifact, 'digest', [...at, 'report', 'artifact']);
  const repository = optionalString(artifact, 'repository', [...at, 'report', 'artifact']) ?? '';
  if (!digestText) {
    throw new VulnerabilityDocumentError([...at, 'report', 'artifact', 'digest'], `no manifest digest for the image "${repository}"`);
  }
  const digest = readDigest(digestText, [...at, 'report', 'artifact', 'digest']);
  const scanner = asObject(report['scanner'], [...at, 'report', 'scanner']);
  const registry = optionalObject(report, 'registry', [...at, 'report']);
  const server = registry ? optionalString(registry, 'server', [...at, 'report', 'registry']) : undefined;
  return {
    digest,
    imageReferences: repository ? [`${server ? `${server}/` : ''}${repository}@${digest}`] : [],
    source: {
      format: 'trivy-operator',
      scanner: optionalString(scanner, 'name', [...at, 'report', 'scanner']) || 'Trivy',
      scannerVersion: optionalString(scanner, 'version', [...at, 'report', 'scanner']) || null,
      scannedAt: optionalString(report, 'updateTimestamp', [...at, 'report']) || null,
    },
    findings: optionalArray(report, 'vulnerabilities', [...at, 'report']).map((v, i) =>
      readVulnerability(v, [...at, 'report', 'vulnerabilities', i]),
    ),
  };
}

/** What a list of resources held besides VulnerabilityReports: skipped, counted by kind. */
export type SkippedKinds = Record<string, number>;

/**
 * The findings of every VulnerabilityReport in a `List` (or `VulnerabilityReportList`); items of
 * other kinds are skipped and counted, not fatal.
 * @throws VulnerabilityDocumentError when `items` or a report in it is malformed.
 */
export function parseVulnerabilityReportList(document: JsonObject): { scans: ImageScan[]; skipped: SkippedKinds } {
  const scans: ImageScan[] = [];
  const skipped: SkippedKinds = {};
  optionalArray(document, 'items', []).forEach((item, i) => {
    const kind = asObject(item, ['items', i])['kind'];
    if (kind === 'VulnerabilityReport') scans.push(parseVulnerabilityReport(item, ['items', i]));
    else {
      const name = typeof kind === 'string' ? kind : '(no kind)';
      skipped[name] = (skipped[name] ?? 0) + 1;
    }
  });
  return { scans, skipped };
}
