/**
 * The by-source view, the image detail's explorer part and coverage with its unmapped list, the
 * same way on both databases: SQL from `sql/explorerSource.ts`, findings merged across scanners
 * by the vulnerabilities core. Both stores hand in a `SqlReader`; each answer shows only the runs
 * the `ReadScope` lets its reader see.
 */
import type { ExposurePath } from '../explorer/kubernetes/model';
import { countBySeverity } from '../explorer/vulnerabilities/count';
import type { ScanSource } from '../explorer/vulnerabilities/finding';
import type { MergedFinding } from '../explorer/vulnerabilities/merge';
import { mergedByDigest, relatedByDigest, type SqlReader } from './explorerReads';
import { TOP_FINDINGS, type CoverageRow } from './explorer';
import type { FindingsSummary, ImageUsage, RunningPlace, SourceFilter, SourceImagePage, UnmappedImage } from './explorerSource';
import type { ReadScope } from './readScope';
import { toImagePush } from './rows';
import {
  runningPlacesQuery,
  sourceDigestsQuery,
  sourcePushesQuery,
  unmappedQuery,
  visibleCoverageQuery,
  type SourceKey,
} from './sql/explorerSource';
import { InvalidCursorError, type PageRequest } from './store';
import type { ImagePush } from '../schemas/images';

const strings = (json: unknown): string[] => JSON.parse(String(json)) as string[];
const unique = (values: Iterable<string>): string[] => [...new Set(values)];

function encodeKey(key: SourceKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** @throws InvalidCursorError for anything `encodeKey` did not make. */
function decodeKey(cursor: string): SourceKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 2 && Number.isSafeInteger(key[0]) && typeof key[1] === 'string') return key as SourceKey;
  } catch {
    // not JSON: refused below
  }
  throw new InvalidCursorError();
}

/** The summary of merged findings: counts, the most severe few (the merge orders them so), and each scanner run behind them. */
export function summarizeFindings(findings: readonly MergedFinding[]): FindingsSummary {
  const scans = new Map<string, ScanSource>();
  for (const occurrence of findings.flatMap((f) => f.occurrences)) {
    const s = occurrence.source;
    scans.set(JSON.stringify([s.format, s.scanner, s.scannerVersion, s.scannedAt]), s);
  }
  return { counts: countBySeverity(findings), topFindings: findings.slice(0, TOP_FINDINGS), scans: [...scans.values()] };
}

/**
 * Where each digest runs: one place per (cluster, namespace, workload), however many of its containers run the
 * image. A workload running a digest related to it (its index, or one of its platform manifests) runs it too:
 * its references name the digest the pods run.
 */
async function placesByDigest(read: SqlReader, digests: readonly string[]): Promise<Map<string, RunningPlace[]>> {
  if (digests.length === 0) return new Map();
  const related = await relatedByDigest(read, digests);
  const groups = new Map(digests.map((d) => [d, unique([d, ...(related.get(d) ?? []).map((r) => r.digest)])]));
  const places = new Map<string, Map<string, RunningPlace>>(digests.map((d) => [d, new Map()]));
  for (const row of await read(runningPlacesQuery(unique([...groups.values()].flat())))) {
    const runs = String(row.digest);
    for (const [digest, group] of groups) {
      if (!group.includes(runs)) continue;
      const byWorkload = places.get(digest)!;
      const key = JSON.stringify([row.cluster, row.namespace, row.kind, row.name]);
      const seen = byWorkload.get(key);
      if (seen) {
        seen.references = unique([...seen.references, ...strings(row.references_json)]);
        continue;
      }
      byWorkload.set(key, {
        cluster: String(row.cluster),
        snapshotTakenAt: String(row.taken_at),
        namespace: String(row.namespace),
        workloadKind: String(row.kind),
        workloadName: String(row.name),
        internetExposed: Number(row.internet_exposed) === 1,
        exposure: JSON.parse(String(row.paths_json)) as ExposurePath[],
        references: strings(row.references_json),
      });
    }
  }
  return new Map([...places].map(([digest, byWorkload]) => [digest, [...byWorkload.values()]]));
}

/** Where one digest runs and what scanners found in it. */
export async function imageUsage(read: SqlReader, digest: string): Promise<ImageUsage> {
  const [places, merged] = await Promise.all([placesByDigest(read, [digest]), mergedByDigest(read, [digest])]);
  return { running: places.get(digest) ?? [], findings: summarizeFindings(merged.get(digest) ?? []) };
}

/** One page of the images a source built, most recently pushed first, each with where it runs and its findings. */
export async function listBySource(read: SqlReader, filter: SourceFilter, page: PageRequest, scope: ReadScope): Promise<SourceImagePage> {
  const after = page.cursor === undefined ? null : decodeKey(page.cursor);
  const rows = await read(sourceDigestsQuery(filter, scope, after, page.limit));
  const items = rows.slice(0, page.limit);
  const digests = items.map((row) => String(row.digest));
  if (digests.length === 0) return { items: [], nextCursor: null };
  const [pushRows, places, merged] = await Promise.all([
    read(sourcePushesQuery(filter, scope, digests)),
    placesByDigest(read, digests),
    mergedByDigest(read, digests),
  ]);
  const pushes = new Map<string, ImagePush[]>(digests.map((d) => [d, []]));
  for (const row of pushRows) pushes.get(String(row.digest))?.push(toImagePush(row));
  const last = items[items.length - 1];
  return {
    items: digests.map((digest) => {
      const ofDigest = pushes.get(digest) ?? [];
      return {
        digest,
        lastPushedAt: ofDigest[0]?.pushedAt ?? '',
        pushes: ofDigest,
        running: places.get(digest) ?? [],
        findings: summarizeFindings(merged.get(digest) ?? []),
      };
    }),
    nextCursor: rows.length > page.limit && last ? encodeKey([Number(last.last_ms), String(last.digest)]) : null,
  };
}

/**
 * Running images mapped to a run the reader may see vs not, per cluster and namespace; with
 * `unmapped`, each row also lists its unmapped digests and the workloads that run them.
 */
export async function visibleCoverage(
  read: SqlReader,
  filter: { cluster?: string; unmapped?: boolean },
  scope: ReadScope,
): Promise<CoverageRow[]> {
  const rows: CoverageRow[] = (await read(visibleCoverageQuery(filter.cluster, scope))).map((row) => {
    const images = Number(row.images);
    const mapped = Number(row.mapped);
    return {
      cluster: String(row.cluster),
      namespace: String(row.namespace),
      images,
      mapped,
      unmapped: images - mapped,
      unresolved: Number(row.unresolved),
    };
  });
  if (filter.unmapped !== true) return rows;
  const lists = new Map<string, Map<string, UnmappedImage>>();
  for (const row of await read(unmappedQuery(filter.cluster, scope))) {
    const where = JSON.stringify([row.cluster, row.namespace]);
    const byDigest = lists.get(where) ?? new Map<string, UnmappedImage>();
    lists.set(where, byDigest);
    const digest = String(row.digest);
    const image = byDigest.get(digest) ?? { digest, references: [], workloads: [] };
    byDigest.set(digest, image);
    image.references = unique([...image.references, ...strings(row.references_json)]);
    const kind = String(row.kind);
    const name = String(row.name);
    if (!image.workloads.some((w) => w.kind === kind && w.name === name)) image.workloads.push({ kind, name });
  }
  return rows.map((row) => ({
    ...row,
    unmappedImages: [...(lists.get(JSON.stringify([row.cluster, row.namespace]))?.values() ?? [])],
  }));
}
