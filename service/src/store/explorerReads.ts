/**
 * The explorer's questions, answered the same way on both databases: the SQL picks candidate rows
 * (`sql/explorer.ts`), the vulnerabilities core merges each image's findings across scanners, and
 * this file keeps the rows whose merged findings qualify. Both stores hand in a `SqlReader`.
 */
import type { ExposurePath } from '../explorer/kubernetes/model';
import { atOrAbove, countBySeverity } from '../explorer/vulnerabilities/count';
import type { ImageScan, ScannerFormat } from '../explorer/vulnerabilities/finding';
import { mergeFindings, type MergedFinding } from '../explorer/vulnerabilities/merge';
import { InvalidCursorError, type PageRequest } from './store';
import { TOP_FINDINGS, type ExposedFilter, type ExposedPage, type ExposedRow } from './explorer';
import { exposedCandidatesQuery, findingsQuery, toSeverity, type ExposedKey } from './sql/explorer';
import { canSee, EVERY_RUN, type ReadScope } from './readScope';
import { imagesPushesQuery } from './sql/queries';
import { toImagePush, type PushRow } from './rows';
import type { Query } from './sql/queries';
import type { ImagePush } from '../schemas/images';
import { relatedDigests, type RelatedDigest } from '../explorer/platforms/relation';
import { relationsQuery, toRelation } from './sql/platforms';

/** Runs one read-only query with `?` placeholders and returns its rows. */
export type SqlReader = (query: Query) => Promise<Array<Record<string, unknown>>>;

const strings = (json: unknown): string[] => JSON.parse(String(json)) as string[];

function encodeKey(key: ExposedKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** @throws InvalidCursorError for anything `encodeKey` did not make. */
function decodeKey(cursor: string): ExposedKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 5 && key.every((k) => typeof k === 'string')) return key as ExposedKey;
  } catch {
    // not JSON: refused below
  }
  throw new InvalidCursorError();
}

/** Stored findings back into one scan per (digest, tool, scanner run), the shape the merge takes. */
function toScans(rows: ReadonlyArray<Record<string, unknown>>): ImageScan[] {
  const scans = new Map<string, ImageScan>();
  for (const row of rows) {
    const key = JSON.stringify([row.digest, row.tool, row.scanner, row.scanner_version, row.scanned_at, row.image_references_json]);
    let scan = scans.get(key);
    if (!scan) {
      scan = {
        digest: String(row.digest),
        imageReferences: strings(row.image_references_json),
        source: {
          format: String(row.tool) as ScannerFormat,
          scanner: String(row.scanner),
          scannerVersion: row.scanner_version === null ? null : String(row.scanner_version),
          scannedAt: row.scanned_at === null ? null : String(row.scanned_at),
        },
        findings: [],
      };
      scans.set(key, scan);
    }
    scan.findings.push({
      vulnerabilityId: String(row.vulnerability_id),
      aliases: strings(row.aliases_json),
      advisories: strings(row.advisories_json),
      severity: toSeverity(row.severity),
      packageName: String(row.package_name),
      installedVersion: String(row.installed_version),
      fixedVersion: row.fixed_version === null ? null : String(row.fixed_version),
    });
  }
  return [...scans.values()];
}

/** The digests related to each of `digests` (its platform manifests, the indexes listing it). */
export async function relatedByDigest(read: SqlReader, digests: readonly string[]): Promise<Map<string, RelatedDigest[]>> {
  const relations = digests.length === 0 ? [] : (await read(relationsQuery(digests))).map(toRelation);
  return new Map(digests.map((d) => [d, relatedDigests(d, relations)]));
}

/** A digest and those related to it, the digest itself first. */
const groupOf = (digest: string, related: Map<string, RelatedDigest[]>): string[] => [
  digest,
  ...(related.get(digest) ?? []).map((r) => r.digest),
];

/**
 * Merged findings of each digest, counting the findings of the digests related to it as its own (a scan of a
 * platform manifest speaks for a workload running its index, and the reverse). One scanner run that named
 * both digests (Grype keys its findings under the index and the platform manifest) counts once, under the
 * digest the row runs when it named it. Each occurrence says which digest was scanned (`scannedDigest`).
 */
export async function mergedByDigest(
  read: SqlReader,
  digests: readonly string[],
  relatedGiven?: Map<string, RelatedDigest[]>,
): Promise<Map<string, MergedFinding[]>> {
  const merged = new Map<string, MergedFinding[]>(digests.map((d) => [d, []]));
  if (digests.length === 0) return merged;
  const related = relatedGiven ?? (await relatedByDigest(read, digests));
  const all = [...new Set(digests.flatMap((d) => groupOf(d, related)))];
  const scansOf = new Map<string, ImageScan[]>();
  for (const scan of toScans(await read(findingsQuery(all)))) scansOf.set(scan.digest, [...(scansOf.get(scan.digest) ?? []), scan]);
  for (const digest of digests) {
    const scannedDigest = new Map<object, string>();
    const seen = new Set<string>();
    const scans: ImageScan[] = [];
    for (const member of groupOf(digest, related)) {
      for (const scan of scansOf.get(member) ?? []) {
        const run = JSON.stringify([scan.source.format, scan.source.scanner, scan.source.scannerVersion, scan.source.scannedAt]);
        if (seen.has(run)) continue;
        seen.add(run);
        const source = { ...scan.source };
        scannedDigest.set(source, member);
        scans.push({ ...scan, digest, source });
      }
    }
    merged.set(
      digest,
      mergeFindings(scans).map((f) => ({
        ...f,
        occurrences: f.occurrences.map((o) => ({ ...o, source: { ...o.source }, scannedDigest: scannedDigest.get(o.source) ?? digest })),
      })),
    );
  }
  return merged;
}

/**
 * Every push of each digest and of the digests related to it by a run the reader may see, newest first; an
 * empty list for a digest no such run pushed.
 */
async function runsByDigest(
  read: SqlReader,
  digests: readonly string[],
  related: Map<string, RelatedDigest[]>,
  scope: ReadScope,
): Promise<Map<string, ImagePush[]>> {
  const runs = new Map<string, ImagePush[]>(digests.map((d) => [d, []]));
  if (digests.length === 0) return runs;
  const all = [...new Set(digests.flatMap((d) => groupOf(d, related)))];
  const pushes = new Map<string, ImagePush[]>();
  for (const row of await read(imagesPushesQuery(all))) {
    const push = toImagePush(row as unknown as PushRow);
    if (!canSee(scope, push)) continue;
    pushes.set(push.digest, [...(pushes.get(push.digest) ?? []), push]);
  }
  for (const digest of digests) {
    const own = groupOf(digest, related).flatMap((d) => pushes.get(d) ?? []);
    runs.set(
      digest,
      own.sort((a, b) => b.pushedAt.localeCompare(a.pushedAt)),
    );
  }
  return runs;
}

/**
 * One page of "exposed and vulnerable": reads candidates in key order, keeps those whose merged
 * findings qualify, until the page is full or the candidates run out. Rows list only the runs
 * `scope` lets the reader see: a row whose every run is out of scope shows as unmapped (the
 * workload and its findings are cluster data, no organisation's).
 */
export async function listExposed(
  read: SqlReader,
  filter: ExposedFilter,
  page: PageRequest,
  scope: ReadScope = EVERY_RUN,
): Promise<ExposedPage> {
  let after = page.cursor === undefined ? null : decodeKey(page.cursor);
  // Candidates read per round: a page and the row that tells whether another follows. Nearly every
  // candidate qualifies (see exposedCandidatesQuery), and each costs the reading and merging of all its
  // image's findings, so reading more than the page needs made the first page several times slower
  // (a fixed 200: `npm run bench:explorer`).
  const batch = page.limit + 1;
  const kept: Array<{ row: Record<string, unknown>; findings: MergedFinding[]; top: MergedFinding[] }> = [];
  for (;;) {
    const candidates = await read(exposedCandidatesQuery(filter, after, batch, scope));
    const digests = [...new Set(candidates.map((c) => String(c.digest)))];
    const merged = await mergedByDigest(read, digests, await relatedByDigest(read, digests));
    for (const row of candidates) {
      if (kept.length > page.limit) break;
      const findings = merged.get(String(row.digest)) ?? [];
      const top = atOrAbove(filter.fixableOnly === true ? findings.filter((f) => f.fixable) : findings, filter.minSeverity);
      if (top.length > 0) kept.push({ row, findings, top: top.slice(0, TOP_FINDINGS) });
    }
    const last = candidates[candidates.length - 1];
    if (kept.length > page.limit || candidates.length < batch || last === undefined) break;
    after = keyOf(last);
  }
  const items = kept.slice(0, page.limit);
  const itemDigests = [...new Set(items.map((k) => String(k.row.digest)))];
  const related = await relatedByDigest(read, itemDigests);
  const runs = await runsByDigest(read, itemDigests, related, scope);
  const rows = items.map(({ row, findings, top }): ExposedRow => ({
    cluster: String(row.cluster),
    snapshotTakenAt: String(row.taken_at),
    snapshotImportedAt: new Date(Number(row.imported_at_ms)).toISOString(),
    snapshotSource: String(row.source),
    snapshotImportedBy: row.imported_by === null ? null : String(row.imported_by),
    namespace: String(row.namespace),
    workloadKind: String(row.kind),
    workloadName: String(row.name),
    exposure: JSON.parse(String(row.paths_json)) as ExposurePath[],
    digest: String(row.digest),
    references: strings(row.references_json),
    counts: countBySeverity(findings),
    topFindings: top,
    runs: runs.get(String(row.digest)) ?? [],
    relatedDigests: related.get(String(row.digest)) ?? [],
  }));
  const lastItem = items[items.length - 1];
  return { items: rows, nextCursor: kept.length > page.limit && lastItem ? encodeKey(keyOf(lastItem.row)) : null };
}

function keyOf(row: Record<string, unknown>): ExposedKey {
  return [String(row.cluster), String(row.namespace), String(row.kind), String(row.name), String(row.digest)];
}
