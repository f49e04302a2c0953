/**
 * From push events to pushed images: which image each push sent, and its registry digest.
 *
 * A push event names only the reference (`host/repo:tag`). The image behind it is the one
 * the tag pointed at when the push happened: the latest `tag` event for that name before
 * the push tells us; with none, the image that holds the tag now, unless the tag moved later.
 * The registry digest is the image's `RepoDigests` entry for that repository.
 */
import type { PushedImage, ReportWarning } from '../../common/report';
import {
  formatImageReference,
  normalizeDigest,
  parseImageReference,
  repositoryName,
  type ImageReference,
} from '../../common/imageReference';
import type { EngineEvent } from './events';
import { pushedManifestOf, type LocalManifest } from './indexManifests';

/** One push to resolve. */
export interface PlannedPush {
  reference: ImageReference;
  /** `registry/repository:tag`, normalised. */
  name: string;
  pushedAtMs: number;
  /** The image ID the tag held at push time, when a tag event tells; else resolve `name` now. */
  imageId?: string;
}

/** The result of planning: pushes to resolve, and warnings for those that cannot be. */
export interface PushPlan {
  pushes: PlannedPush[];
  warnings: ReportWarning[];
}

function normalisedName(text: string): string | undefined {
  try {
    return formatImageReference(parseImageReference(text));
  } catch {
    return undefined;
  }
}

/**
 * Decides, for each push in the window, which image it sent.
 * @param events every event the engine returned (also those before the window: their tags count)
 * @param pushes the push events inside the window
 */
export function planPushes(events: readonly EngineEvent[], pushes: readonly EngineEvent[]): PushPlan {
  const tagsByName = new Map<string, EngineEvent[]>();
  for (const e of events) {
    if (e.type !== 'image' || e.action !== 'tag') continue;
    const name = e.attributes.name ? normalisedName(e.attributes.name) : undefined;
    if (!name) continue;
    const list = tagsByName.get(name) ?? [];
    list.push(e);
    tagsByName.set(name, list);
  }

  const plan: PushPlan = { pushes: [], warnings: [] };
  const seen = new Set<string>();
  for (const push of pushes) {
    let reference: ImageReference;
    try {
      reference = parseImageReference(push.actorId);
    } catch {
      plan.warnings.push({
        code: 'unparsable-reference',
        message: `Push event for "${push.actorId.slice(0, 300)}" is not an image reference; skipped.`,
      });
      continue;
    }
    const name = formatImageReference(reference);
    const pushedAtMs = push.timeNano / 1e6;
    const tags = tagsByName.get(name) ?? [];
    const before = tags.filter((t) => t.timeNano <= push.timeNano);
    const after = tags.filter((t) => t.timeNano > push.timeNano);
    const holder = before[before.length - 1];
    let planned: PlannedPush;
    if (holder) {
      planned = { reference, name, pushedAtMs, imageId: holder.actorId };
    } else if (after.length === 0) {
      planned = { reference, name, pushedAtMs };
    } else {
      plan.warnings.push({
        code: 'push-not-recoverable',
        message: `${name} was pushed at ${new Date(pushedAtMs).toISOString()} and re-tagged later; the image it held then is unknown, so that push is not reported.`,
      });
      continue;
    }
    // The same image pushed twice under the same name is one pushed image.
    const key = `${name} ${planned.imageId ?? 'current'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    plan.pushes.push(planned);
  }
  return plan;
}

/** What the task needs from `docker image inspect`. */
export interface InspectedImage {
  id: string;
  repoDigests: string[];
  os?: string;
  architecture?: string;
  created?: string;
  labels?: Record<string, string>;
  /** The containerd store's index and platform manifests (image inspect `Manifests`, API 1.48 and later). */
  manifests?: LocalManifest[];
}

/** Looks an image up by ID or reference; undefined when the engine no longer has it. */
export type InspectImage = (nameOrId: string) => Promise<InspectedImage | undefined>;

/** Label keys reported (OCI annotations and the legacy label-schema ones that pipelines still set). */
const REPORTED_LABEL_PREFIXES = ['org.opencontainers.image.', 'org.label-schema.'];

/** Keeps the provenance labels, bounded to what the report's schema allows. */
export function selectLabels(labels: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!labels) return undefined;
  const out: Record<string, string> = {};
  let count = 0;
  for (const [k, v] of Object.entries(labels)) {
    if (!REPORTED_LABEL_PREFIXES.some((p) => k.startsWith(p))) continue;
    if (k.length > 500 || count >= 50) continue;
    out[k] = v.slice(0, 4000);
    count++;
  }
  return count > 0 ? out : undefined;
}

/** Picks the `RepoDigests` entry for the pushed repository. */
export function digestForRepository(repoDigests: readonly string[], reference: ImageReference): { digest?: string; candidates: number } {
  const wanted = repositoryName(reference);
  const digests: string[] = [];
  for (const entry of repoDigests) {
    try {
      const parsed = parseImageReference(entry);
      const d = parsed.digest ? normalizeDigest(parsed.digest) : undefined;
      if (d && repositoryName(parsed) === wanted && !digests.includes(d)) digests.push(d);
    } catch {
      // An entry Docker wrote but we cannot parse is not the one we look for.
    }
  }
  return digests[0] === undefined ? { candidates: 0 } : { digest: digests[0], candidates: digests.length };
}

function isoOrUndefined(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Resolves planned pushes to pushed images through `inspect`. */
export async function resolvePushes(
  plan: readonly PlannedPush[],
  inspect: InspectImage,
): Promise<{ images: PushedImage[]; warnings: ReportWarning[] }> {
  const images: PushedImage[] = [];
  const warnings: ReportWarning[] = [];
  const seen = new Set<string>();
  // Inspect concurrently (the engine answers each in milliseconds), then decide in push order.
  const inspected = await Promise.all(plan.map((push) => inspect(push.imageId ?? push.name)));
  for (const [i, push] of plan.entries()) {
    const image = inspected[i];
    if (!image) {
      warnings.push({
        code: 'image-gone',
        message: `${push.name}: the pushed image is no longer on the agent, so its digest cannot be read.`,
      });
      continue;
    }
    const { digest, candidates } = digestForRepository(image.repoDigests, push.reference);
    if (!digest) {
      warnings.push({
        code: 'digest-not-found',
        message: `${push.name}: the engine recorded no registry digest for ${repositoryName(push.reference)} (push may have failed).`,
      });
      continue;
    }
    if (candidates > 1) {
      warnings.push({
        code: 'digest-ambiguous',
        message: `${push.name}: the image has ${candidates} digests in ${repositoryName(push.reference)}; reported ${digest}.`,
      });
    }
    // The containerd store lists the index digest (the Id) under every local name: what the
    // registry got follows from the image's manifests (indexManifests.ts).
    const imageId = normalizeDigest(image.id);
    const manifest = imageId === digest ? pushedManifestOf(digest, image.manifests, image) : undefined;
    if (manifest?.uncertain) {
      warnings.push({ code: 'digest-uncertain', message: `${push.name}: reported ${manifest.digest}, but ${manifest.uncertain}.` });
    }
    const key = `${push.name} ${manifest?.digest ?? digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pushed: PushedImage = {
      digest: manifest?.digest ?? digest,
      registry: push.reference.registry,
      repository: push.reference.repository,
      pushedAt: new Date(push.pushedAtMs).toISOString(),
      origin: 'docker-events',
    };
    if (push.reference.tag !== undefined) pushed.tag = push.reference.tag;
    if (imageId) pushed.imageId = imageId;
    const os = manifest?.os ?? image.os;
    const architecture = manifest?.architecture ?? image.architecture;
    if (os) pushed.os = os.slice(0, 50);
    if (architecture) pushed.architecture = architecture.slice(0, 50);
    if (manifest?.platforms) pushed.platforms = manifest.platforms;
    if (manifest?.indexDigest) pushed.indexDigest = manifest.indexDigest;
    const created = isoOrUndefined(image.created);
    if (created) pushed.created = created;
    const labels = selectLabels(image.labels);
    if (labels) pushed.labels = labels;
    images.push(pushed);
  }
  return { images, warnings };
}
