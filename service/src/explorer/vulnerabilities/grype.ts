/**
 * Reads `grype -o json` output for an image.
 *
 * Shape followed: anchore/grype `grype/presenter/json/testdata/snapshot/TestJsonImgsPresenter.golden`
 * and `grype/presenter/json/document.go`: `matches[]` with `vulnerability` (`id`, `severity`,
 * `fix.versions`), `relatedVulnerabilities[]` (`id`), `artifact` (`name`, `version`); `source`
 * (`type: "image"`, `target.userInput`, `target.manifestDigest`, `target.repoDigests`); `descriptor`
 * (`name`, `version`, `timestamp`).
 */
import { readDigest } from './digest';
import { VulnerabilityDocumentError, type JsonLocation } from './documentError';
import type { Finding, ImageScan, IndexLink, ScanSource } from './finding';
import { asArray, asObject, asString, optionalObject, optionalString, optionalStrings, type JsonObject } from './read';
import { readSeverity } from './severityField';

function readMatch(value: unknown, at: JsonLocation): Finding {
  const match = asObject(value, at);
  const vulnerability = asObject(match['vulnerability'], [...at, 'vulnerability']);
  const artifact = asObject(match['artifact'], [...at, 'artifact']);
  const vulnerabilityId = asString(vulnerability['id'], [...at, 'vulnerability', 'id']);
  const related = match['relatedVulnerabilities'] ?? [];
  const aliases = asArray(related, [...at, 'relatedVulnerabilities'])
    .map((r, i) => asString(asObject(r, [...at, 'relatedVulnerabilities', i])['id'], [...at, 'relatedVulnerabilities', i, 'id']))
    .filter((id) => id !== vulnerabilityId);
  const fix = optionalObject(vulnerability, 'fix', [...at, 'vulnerability']);
  const fixVersions = fix ? optionalStrings(fix, 'versions', [...at, 'vulnerability', 'fix']) : [];
  return {
    vulnerabilityId,
    aliases: [...new Set(aliases)],
    advisories: [],
    severity: readSeverity(vulnerability['severity'], [...at, 'vulnerability', 'severity']),
    packageName: asString(artifact['name'], [...at, 'artifact', 'name']),
    installedVersion: optionalString(artifact, 'version', [...at, 'artifact']) ?? '',
    fixedVersion: fixVersions.length > 0 ? fixVersions.join(', ') : null,
  };
}

/**
 * The findings of one Grype image scan, one {@link ImageScan} per distinct digest among
 * `source.target.repoDigests` and `source.target.manifestDigest` (for a multi-platform image the
 * first names the index, the second the platform manifest Grype read; both are keys it runs under).
 * @throws VulnerabilityDocumentError when a field is wrongly typed, when the scan is not of an image
 *   (`source.type` is `directory`, `file`, …), or when the target names no digest.
 */
export function parseGrype(document: JsonObject): ImageScan[] {
  const sourceObject = asObject(document['source'], ['source']);
  const type = asString(sourceObject['type'], ['source', 'type']);
  if (type !== 'image') {
    throw new VulnerabilityDocumentError(['source', 'type'], `"${type}" is not an image scan (expected "image")`);
  }
  const target = asObject(sourceObject['target'], ['source', 'target']);
  const named: Array<[digest: string, reference: string]> = optionalStrings(target, 'repoDigests', ['source', 'target']).map(
    (reference, i) => [readDigest(reference, ['source', 'target', 'repoDigests', i]), reference],
  );
  const manifestDigest = optionalString(target, 'manifestDigest', ['source', 'target']);
  if (manifestDigest) named.push([readDigest(manifestDigest, ['source', 'target', 'manifestDigest']), manifestDigest]);
  if (named.length === 0) {
    throw new VulnerabilityDocumentError(
      ['source', 'target', 'repoDigests'],
      'no manifest digest: neither source.target.repoDigests nor source.target.manifestDigest names one',
    );
  }

  const descriptor = optionalObject(document, 'descriptor', []) ?? {};
  const source: ScanSource = {
    format: 'grype',
    scanner: optionalString(descriptor, 'name', ['descriptor']) || 'grype',
    scannerVersion: optionalString(descriptor, 'version', ['descriptor']) || null,
    scannedAt: optionalString(descriptor, 'timestamp', ['descriptor']) || null,
  };
  const findings = asArray(document['matches'], ['matches']).map((m, i) => readMatch(m, ['matches', i]));
  const userInput = optionalString(target, 'userInput', ['source', 'target']);

  const byDigest = new Map<string, Set<string>>();
  for (const [digest, reference] of named) {
    const references = byDigest.get(digest) ?? new Set(userInput ? [userInput] : []);
    if (reference.includes('@')) references.add(reference);
    byDigest.set(digest, references);
  }
  return [...byDigest].map(([digest, references]) => ({ digest, imageReferences: [...references], source, findings: [...findings] }));
}

/** Media types of a single-platform manifest: when Grype read one, the other digests it names are indexes. */
const PLATFORM_MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

/**
 * The index → platform manifest links a Grype document states: `source.target.manifestDigest` is the
 * manifest Grype read (its `mediaType` says it is a single-platform manifest, `os` and `architecture` its
 * platform), and each different digest in `source.target.repoDigests` is the digest the reference resolved
 * to in its registry: for a multi-platform image, the index. No link when the two agree (a single-platform
 * image) or when the media type is absent or not a single-platform manifest. Call after `parseGrype`
 * accepted the document.
 */
export function grypeIndexLinks(document: JsonObject): IndexLink[] {
  const target = asObject(asObject(document['source'], ['source'])['target'], ['source', 'target']);
  const manifestText = optionalString(target, 'manifestDigest', ['source', 'target']);
  const mediaType = optionalString(target, 'mediaType', ['source', 'target']);
  if (!manifestText || !mediaType || !PLATFORM_MANIFEST_TYPES.includes(mediaType)) return [];
  const platformDigest = readDigest(manifestText, ['source', 'target', 'manifestDigest']);
  const os = optionalString(target, 'os', ['source', 'target']);
  const architecture = optionalString(target, 'architecture', ['source', 'target']);
  const variant = optionalString(target, 'variant', ['source', 'target']);
  const platform = os && architecture ? { os, architecture, variant: variant || null } : null;
  const indexes = new Set(
    optionalStrings(target, 'repoDigests', ['source', 'target']).map((r, i) => readDigest(r, ['source', 'target', 'repoDigests', i])),
  );
  indexes.delete(platformDigest);
  return [...indexes].map((indexDigest) => ({ indexDigest, platformDigest, platform }));
}
