/**
 * The collection's BuildKit part: when the window's events show a build, read BuildKit's build
 * history and turn the pushes it records into report images; merge images from every source
 * without duplicates. Talks to the outside world only through the `readBuildHistory` it is given
 * (built for real in collect.ts). No I/O of its own.
 */
import type { PushedImage, ReportWarning } from '../common/report';
import type { DockerEndpoint } from './dockerHost';
import type { EngineEvent } from './events';
import type { HistoryEvent } from './buildkitProto';
import { buildSigns } from './buildkitSigns';
import { platformsOfIndex, pushesFromHistory } from './buildkitHistory';

/**
 * BuildKit's history and the blobs asked for (by digest; one that could not be read is absent),
 * or why the history could not be read (`unsupported`: the engine has none to give).
 */
export type HistoryOutcome =
  { ok: true; events: HistoryEvent[]; contents: Map<string, Buffer> } | { ok: false; reason: string; unsupported: boolean };

/**
 * Reads the build history of the engine's BuildKit (the builds completed since `completedSinceMs`
 * where BuildKit can filter it, else all of it), then the blobs `wanted` names from its content
 * store, on one connection, by `deadlineMs` (epoch ms); never throws.
 */
export type ReadBuildHistory = (
  endpoint: DockerEndpoint,
  deadlineMs: number,
  wanted: (events: readonly HistoryEvent[]) => string[],
  completedSinceMs: number,
) => Promise<HistoryOutcome>;

/**
 * How long before the window's start BuildKit is asked for builds: the window itself is applied
 * here to the millisecond, so the margin only keeps the engine's filter (whole seconds, the
 * engine's clock) from being the one that decides.
 */
export const HISTORY_FILTER_MARGIN_MS = 60_000;

/** `registry/repository:tag@digest`: one push of one image under one name. */
export function imageKey(image: PushedImage): string {
  return `${image.registry}/${image.repository}:${image.tag ?? ''}@${image.digest}`;
}

/**
 * Adds `more` to `images` (in place), leaving out what is already there under the same name and
 * digest; a duplicate's provenance digest is kept on the image already listed.
 */
export function mergeImages(images: PushedImage[], more: readonly PushedImage[]): void {
  const byKey = new Map(images.map((i) => [imageKey(i), i]));
  for (const image of more) {
    const existing = byKey.get(imageKey(image));
    if (!existing) {
      images.push(image);
      byKey.set(imageKey(image), image);
    } else if (image.provenanceDigest && !existing.provenanceDigest) {
      existing.provenanceDigest = image.provenanceDigest;
    }
  }
}

/** What the build history added: images, and names it saw pushed without a registry digest. */
export interface BuildHistoryResult {
  images: PushedImage[];
  /** `registry/repository:tag` (normalised) of pushes whose digest the history does not give. */
  unresolved: Array<{ name: string; reason: string }>;
  warnings: ReportWarning[];
}

/**
 * Reads the history when the events in the window show a build on an engine that may keep one
 * (`engineApiVersion`, its newest API version: see buildkitSigns.ts); warns about
 * `docker-container` builders, whose own BuildKit is not read (see tasks/README.md), unless the
 * job wrote buildx metadata files.
 */
export async function collectBuildHistory(
  events: readonly EngineEvent[],
  window: { sinceMs: number; untilMs: number },
  endpoint: DockerEndpoint,
  deadlineMs: number,
  readBuildHistory: ReadBuildHistory | undefined,
  hasMetadataFiles = false,
  engineApiVersion?: string,
): Promise<BuildHistoryResult> {
  const result: BuildHistoryResult = { images: [], unresolved: [], warnings: [] };
  const signs = buildSigns(events, window.sinceMs, engineApiVersion);
  if (signs.engineBuild && readBuildHistory) {
    const pushesOf = (events: readonly HistoryEvent[]) => pushesFromHistory(events, window.sinceMs, window.untilMs);
    // The pushed indexes are read from BuildKit's content store for their platform manifests.
    const history = await readBuildHistory(
      endpoint,
      deadlineMs,
      (events) => [...pushesOf(events).indexes.keys()],
      window.sinceMs - HISTORY_FILTER_MARGIN_MS,
    );
    if (history.ok) {
      const pushes = pushesOf(history.events);
      for (const image of pushes.images) {
        const record = pushes.indexes.get(image.digest);
        const blob = history.contents.get(image.digest);
        const platforms = record && blob ? platformsOfIndex(blob, record) : undefined;
        if (platforms) image.platforms = platforms;
        else if (record) {
          result.warnings.push({
            code: 'buildkit-index-unread',
            message: `The platform manifests of ${image.registry}/${image.repository}@${image.digest} could not be read from BuildKit's content store.`,
          });
        }
      }
      result.images = pushes.images;
      result.unresolved = pushes.unresolved;
      result.warnings.push(...pushes.warnings);
    } else if (!history.unsupported) {
      result.warnings.push({
        code: 'buildkit-history-unavailable',
        message: `The engine's BuildKit build history could not be read (${history.reason}): images pushed by BuildKit builds may be missing.`,
      });
    }
  }
  // With metadata files in the folder, the builder's pushes are reported from them (buildx.ts).
  if (signs.containerBuilders.length > 0 && !hasMetadataFiles) {
    const names = signs.containerBuilders.slice(0, 5).join(', ');
    result.warnings.push({
      code: 'buildkit-container-builder',
      message: `A docker-container builder ran in this job (${names}); its pushes are not in the engine's events or build history. Write its builds' metadata (--metadata-file) into the metadata folder to report them.`,
    });
  }
  return result;
}

/**
 * Warnings for pushes the history names without a digest that no other source reported (on the
 * classic store the engine's own `push` event normally does).
 */
export function unresolvedWarnings(unresolved: BuildHistoryResult['unresolved'], images: readonly PushedImage[]): ReportWarning[] {
  const warnings: ReportWarning[] = [];
  for (const u of unresolved) {
    const reported = images.some((i) => u.name === `${i.registry}/${i.repository}:${i.tag ?? ''}`);
    if (!reported) {
      warnings.push({
        code: 'buildkit-digest-unknown',
        message: `${u.name.slice(0, 300)} was pushed by a BuildKit build, but its registry digest is unknown (${u.reason}); not reported.`,
      });
    }
  }
  return warnings;
}
