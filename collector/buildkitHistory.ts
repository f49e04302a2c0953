/**
 * Which images BuildKit pushed, from its build history. A `docker build --push` on Docker 28+
 * (buildx's `docker` driver on the containerd store) or a `docker-container` builder pushes
 * straight to the registry: the engine logs no `push` event. The build's history record still
 * says what was exported where: each exporter of type `image` with `push=true` names the
 * references it pushed (attribute `name`, comma-separated), and the record's result holds the
 * descriptor that exporter produced (`Result.Results[<exporter index>]`: the pushed manifest or
 * index), plus BuildKit's own SLSA provenance of the build (`Result.Attestations`, an in-toto
 * statement; moby/buildkit solver/llbsolver/history.go). Pure.
 */
import type { PlatformManifest, PushedImage, ReportWarning } from '../common/report';
import { normalizeDigest, parseImageReference } from '../common/imageReference';
import { HISTORY_COMPLETE, type HistoryDescriptor, type HistoryEvent, type HistoryRecord } from './buildkitProto';

/** Media types of what a registry serves by digest: a manifest or an index. */
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

/** Exporters that write an image (`moby` is dockerd's own name for it in older records). */
const IMAGE_EXPORTERS = new Set(['image', 'moby']);

const PROVENANCE_PREDICATE = /^https:\/\/slsa\.dev\/provenance\//;

/** Go's `strconv.ParseBool` true values, which BuildKit reads `push` with. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

function slsaProvenance(attestations: readonly HistoryDescriptor[]): string | undefined {
  const found = attestations.find(
    (a) => a.mediaType === 'application/vnd.in-toto+json' && PROVENANCE_PREDICATE.test(a.annotations['in-toto.io/predicate-type'] ?? ''),
  );
  return found ? normalizeDigest(found.digest) : undefined;
}

/**
 * The digest of BuildKit's SLSA provenance statement for the build, when it made one: the build's
 * own (`Result.Attestations`), or its only platform's. A multi-platform build has one per platform
 * (`Results[<platform>]`): those go on the index's platforms (`platformsOfIndex`).
 */
export function provenanceDigest(record: HistoryRecord): string | undefined {
  const own = slsaProvenance(record.result?.attestations ?? []);
  if (own) return own;
  const platforms = Object.values(record.results);
  return platforms.length === 1 && platforms[0] ? slsaProvenance(platforms[0].attestations) : undefined;
}

/** A pushed reference whose registry digest the record does not give. */
export interface UnresolvedBuildPush {
  /** `registry/repository:tag`, normalised (`common/imageReference.ts`). */
  name: string;
  /** What the record holds instead, e.g. the image config on the classic store. */
  reason: string;
}

/** What a build history says was pushed in a window. */
export interface BuildHistoryPushes {
  images: PushedImage[];
  /**
   * Pushes named without a registry digest. On the classic image store the record's descriptor is
   * the image config (the image ID), and buildx pushes through the engine, which logs a `push`
   * event (docker/buildx build/build.go, `pushWithMoby`): those are reported from the events.
   */
  unresolved: UnresolvedBuildPush[];
  warnings: ReportWarning[];
  /** The pushed digests that are indexes, with their build's record: their platforms are read next. */
  indexes: Map<string, HistoryRecord>;
}

function imagesOfExporter(record: HistoryRecord, index: number, provenance: string | undefined, out: BuildHistoryPushes): void {
  const exporter = record.exporters[index];
  if (!exporter || !IMAGE_EXPORTERS.has(exporter.type) || !isTrue(exporter.attrs.push)) return;
  const names = (exporter.attrs.name ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const descriptor: HistoryDescriptor | undefined = record.result?.results[index];
  const digest = descriptor && MANIFEST_TYPES.has(descriptor.mediaType) ? normalizeDigest(descriptor.digest) : undefined;
  for (const name of names) {
    let ref;
    try {
      ref = parseImageReference(name);
    } catch {
      out.warnings.push({
        code: 'buildkit-history-invalid',
        message: `BuildKit build ${record.ref}: "${name.slice(0, 300)}" is not an image reference; skipped.`,
      });
      continue;
    }
    if (!digest) {
      out.unresolved.push({
        name: `${ref.registry}/${ref.repository}:${ref.tag ?? ''}`,
        reason: descriptor ? `the build's result is ${descriptor.mediaType || 'of no media type'}` : "the build's result has no descriptor",
      });
      continue;
    }
    const image: PushedImage = {
      digest,
      registry: ref.registry,
      repository: ref.repository,
      pushedAt: new Date(record.completedAtMs ?? 0).toISOString(),
      origin: 'buildkit-history',
    };
    if (ref.tag !== undefined) image.tag = ref.tag;
    if (provenance) image.provenanceDigest = provenance;
    if (descriptor && INDEX_TYPES.has(descriptor.mediaType)) out.indexes.set(digest, record);
    out.images.push(image);
  }
}

/**
 * The images pushed by the builds that completed successfully within [sinceMs, untilMs]
 * (BuildKit's clock: the engine's host). Builds still running, failed or finished outside the
 * window are not this job's pushes.
 */
export function pushesFromHistory(events: readonly HistoryEvent[], sinceMs: number, untilMs: number): BuildHistoryPushes {
  const out: BuildHistoryPushes = { images: [], unresolved: [], warnings: [], indexes: new Map() };
  const seen = new Set<string>();
  for (const event of events) {
    const record = event.record;
    if (event.type !== HISTORY_COMPLETE || !record || seen.has(record.ref)) continue;
    seen.add(record.ref);
    const completed = record.completedAtMs;
    if (completed === undefined || completed < sinceMs || completed > untilMs) continue;
    if (record.errorCode !== undefined && record.errorCode !== 0) continue;
    const provenance = provenanceDigest(record);
    for (let i = 0; i < record.exporters.length; i++) imagesOfExporter(record, i, provenance, out);
  }
  return out;
}

/** `MAX_INDEX_PLATFORMS` of common/report.ts (not imported: the task takes only types from there, not TypeBox). */
const MAX_INDEX_PLATFORMS = 64;

/** Matches the report's platform words (`^[a-z0-9._-]+$`, at most 50). */
const PLATFORM_WORD = /^[a-z0-9._-]{1,50}$/;

/**
 * The platform manifests an index lists (its `manifests[]` with `platform.os`/`.architecture`),
 * without attestation manifests (`unknown/unknown`), each with its platform's provenance digest
 * from the build's record (`Results["os/architecture[/variant]"]`). Undefined when `blob` is not
 * an index listing any platform.
 */
export function platformsOfIndex(blob: Buffer, record: HistoryRecord): PlatformManifest[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(blob.toString('utf8'));
  } catch {
    return undefined;
  }
  const manifests = (json as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests)) return undefined;
  const platforms: PlatformManifest[] = [];
  for (const m of manifests as Array<{ digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }>) {
    const digest = typeof m.digest === 'string' ? normalizeDigest(m.digest) : undefined;
    const { os, architecture, variant } = m.platform ?? {};
    if (!digest || typeof os !== 'string' || typeof architecture !== 'string' || os === 'unknown') continue;
    if (!PLATFORM_WORD.test(os) || !PLATFORM_WORD.test(architecture)) continue;
    const platform: PlatformManifest = { digest, os, architecture };
    if (typeof variant === 'string' && PLATFORM_WORD.test(variant)) platform.variant = variant;
    const key = [os, architecture, ...(platform.variant ? [platform.variant] : [])].join('/');
    const provenance = slsaProvenance(record.results[key]?.attestations ?? []);
    if (provenance) platform.provenanceDigest = provenance;
    platforms.push(platform);
  }
  return platforms.length > 0 ? platforms.slice(0, MAX_INDEX_PLATFORMS) : undefined;
}
