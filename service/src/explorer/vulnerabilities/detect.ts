/**
 * Tells a scanner document's format from its content alone (file names and extensions say
 * nothing reliable: every one of these is `*.json`).
 */
import { VulnerabilityDocumentError } from './documentError';
import type { ScannerFormat } from './finding';
import { isObject, type JsonObject } from './read';

/** What the import accepts, for the error that refuses anything else. */
export const EXPECTED_FORMATS =
  'expected Trivy JSON (`trivy image --format json`: SchemaVersion 2 with ArtifactName and Results), ' +
  'Grype JSON (`grype -o json`: matches, source and descriptor), or Trivy Operator VulnerabilityReports ' +
  '(`kubectl get vulnerabilityreports -A -o json`: a List of kind VulnerabilityReport, or one report)';

function isTrivy(document: JsonObject): boolean {
  return 'SchemaVersion' in document && 'ArtifactName' in document;
}

function isGrype(document: JsonObject): boolean {
  return 'matches' in document && 'source' in document && isObject(document['descriptor']);
}

function isReportList(document: JsonObject): boolean {
  if (document['kind'] !== 'List' && document['kind'] !== 'VulnerabilityReportList') return false;
  const items = document['items'];
  if (!Array.isArray(items)) return false;
  // An empty List is what kubectl prints when a cluster has no reports yet: nothing to import, not an error.
  return items.length === 0 || items.some((item) => isObject(item) && item['kind'] === 'VulnerabilityReport');
}

/**
 * The format of a parsed scanner document.
 * @throws VulnerabilityDocumentError (at `$`) naming the accepted formats when it is none of them,
 *   and when it is a Trivy report of a schema version other than 2.
 */
export function detectFormat(document: unknown): ScannerFormat {
  if (isObject(document)) {
    if (isTrivy(document)) {
      if (document['SchemaVersion'] !== 2) {
        throw new VulnerabilityDocumentError(
          ['SchemaVersion'],
          `Trivy report schema version ${JSON.stringify(document['SchemaVersion'])} is not supported (expected 2)`,
        );
      }
      return 'trivy';
    }
    if (isGrype(document)) return 'grype';
    if (isReportList(document) || document['kind'] === 'VulnerabilityReport') return 'trivy-operator';
  }
  throw new VulnerabilityDocumentError([], `not a vulnerability scan we read: ${EXPECTED_FORMATS}`);
}
