/**
 * From push events to pushed images: which image each push sent, and its registry digest.
 *
 * A push event names only the reference (`host/repo:tag`). The image behind it is the one
 * the tag pointed at when the push happened: the latest `tag` event for that name before
 * the push tells us; with none, the image that holds the tag now, unless the tag moved later.
 * The registry digest is the image's `RepoDigests` entry for that repository, or the registry's
 * own answer where `RepoDigests` cannot tell (Podman; several digests in the repository).
 *
 * `docker push --all-tags` logs one event naming the repository without a tag: it pushed every
 * local tag of that repository, each planned as a push of its own. Podman's push event names
 * the image ID and the destination (see podman.ts).
 */
import type { PushedImage, ReportWarning } from '../common/report';
import { formatImageReference, normalizeDigest, parseImageReference, repositoryName, type ImageReference } from '../common/imageReference';
import type { EngineEvent } from './events';
import { needsRegistry, pushedManifestOf, settleWithRegistry, type LocalManifest, type PushedManifest } from './indexManifests';
import { podmanPush } from './podman';
import type { RegistryDigestLookup } from './registryDigest';

/** One push to resolve. */
export interface PlannedPush {
  reference: ImageReference;
  /** `registry/repository:tag`, normalised. */
  name: string;
  pushedAtMs: number;
  /** The image ID the tag held at push time, when a tag event tells; else resolve `name` now. */
  imageId?: string;
  /** The local `RepoDigests` cannot be trusted for this push (Podman's): ask the registry. */
  askRegistry?: boolean;
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

/** The repositories pushed with `--all-tags` (a push event naming no tag and no digest), as `registry/repository`. */
export function untaggedRepositories(pushes: readonly EngineEvent[]): string[] {
  const repositories = new Set<string>();
  for (const push of pushes) {
    if (podmanPush(push)) continue;
    try {
      const reference = parseImageReference(push.actorId);
      if (reference.tag === undefined && reference.digest === undefined) repositories.add(repositoryName(reference));
    } catch {
      // planPushes warns about it.
    }
  }
  return [...repositories];
}

/**
 * Decides, for each push in the window, which image it sent.
 * @param events every event the engine returned (also those before the window: their tags count)
 * @param pushes the push events inside the window
 * @param localTags for each repository pushed with `--all-tags` (`registry/repository`), the
 *   normalised names of its tags on the engine now (`registry/repository:tag`)
 */
export function planPushes(
  events: readonly EngineEvent[],
  pushes: readonly EngineEvent[],
  localTags: ReadonlyMap<string, readonly string[]> = new Map(),
): PushPlan {
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
  const add = (planned: PlannedPush) => {
    // The same image pushed twice under the same name is one pushed image.
    const key = `${planned.name} ${planned.imageId ?? 'current'}`;
    if (seen.has(key)) return;
    seen.add(key);
    plan.pushes.push(planned);
  };
  /** One pushed tag of the engine's own (Docker's shape): the image comes from the tag events. */
  const planTag = (reference: ImageReference, pushedAtNano: number) => {
    const name = formatImageReference(reference);
    const pushedAtMs = pushedAtNano / 1e6;
    const tags = tagsByName.get(name) ?? [];
    const holder = tags.filter((t) => t.timeNano <= pushedAtNano).pop();
    if (holder) add({ reference, name, pushedAtMs, imageId: holder.actorId });
    else if (!tags.some((t) => t.timeNano > pushedAtNano)) add({ reference, name, pushedAtMs });
    else {
      plan.warnings.push({
        code: 'push-not-recoverable',
        message: `${name} was pushed at ${new Date(pushedAtMs).toISOString()} and re-tagged later; the image it held then is unknown, so that push is not reported.`,
      });
    }
  };

  for (const push of pushes) {
    const podman = podmanPush(push);
    const text = podman?.destination ?? push.actorId;
    let reference: ImageReference;
    try {
      reference = parseImageReference(text);
    } catch {
      plan.warnings.push({
        code: 'unparsable-reference',
        message: `Push event for "${text.slice(0, 300)}" is not an image reference; skipped.`,
      });
      continue;
    }
    if (podman) {
      // The event itself names the image it sent.
      add({
        reference,
        name: formatImageReference(reference),
        pushedAtMs: push.timeNano / 1e6,
        imageId: podman.imageId,
        askRegistry: true,
      });
    } else if (reference.tag === undefined && reference.digest === undefined) {
      // `--all-tags`: every tag the repository had when it was pushed. Those tagged before the push
      // in the window, and those on the engine now that no tag event in the window touched (they were
      // there before it). A tag first given after the push was not part of it.
      const repository = repositoryName(reference);
      const names = new Set<string>();
      for (const [name, tags] of tagsByName) {
        if (tags.some((t) => t.timeNano <= push.timeNano) && repositoryOf(name) === repository) names.add(name);
      }
      for (const name of localTags.get(repository) ?? []) if (!tagsByName.has(name)) names.add(name);
      for (const name of [...names].sort()) planTag(parseImageReference(name), push.timeNano);
    } else {
      planTag(reference, push.timeNano);
    }
  }
  return plan;
}

function repositoryOf(name: string): string | undefined {
  try {
    return repositoryName(parseImageReference(name));
  } catch {
    return undefined;
  }
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
export function digestForRepository(
  repoDigests: readonly string[],
  reference: ImageReference,
): { digest?: string; candidates: number; digests: string[] } {
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
  return digests[0] === undefined ? { candidates: 0, digests } : { digest: digests[0], candidates: digests.length, digests };
}

function isoOrUndefined(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * The digest to report for one inspected push: its one `RepoDigests` entry for the repository;
 * the registry's answer for the pushed tag when the image holds several there (a promotion:
 * pulled as `:rc`, re-tagged `:1.0` and pushed) or when the engine's digest is not the pushed
 * one (Podman); a warning when neither tells.
 */
async function chooseDigest(
  push: PlannedPush,
  image: InspectedImage,
  askRegistry: RegistryDigestLookup,
): Promise<{ digest?: string; warning?: ReportWarning }> {
  const repository = repositoryName(push.reference);
  const local = digestForRepository(image.repoDigests, push.reference);
  if (!push.askRegistry && local.candidates <= 1) {
    return local.digest
      ? { digest: local.digest }
      : {
          warning: {
            code: 'digest-not-found',
            message: `${push.name}: the engine recorded no registry digest for ${repository} (push may have failed).`,
          },
        };
  }
  const asked = await askRegistry(push.reference);
  if (push.askRegistry) {
    if (asked.ok) return { digest: asked.digest };
    return {
      warning: {
        code: 'digest-not-established',
        message: `${push.name} (image ${image.id.slice(0, 19)}): Podman's local digest is not the one it pushed, and the registry's could not be read (${asked.reason}); that push is not reported.`,
      },
    };
  }
  if (asked.ok && local.digests.includes(asked.digest)) return { digest: asked.digest };
  const why = asked.ok ? `the registry now serves ${asked.digest} for it, none of them` : asked.reason;
  return {
    digest: local.digest,
    warning: {
      code: 'digest-ambiguous',
      message: `${push.name}: the image has ${local.candidates} digests in ${repository} and the registry did not settle which one was pushed (${why}); reported ${local.digest}.`,
    },
  };
}

/**
 * On the containerd store (the digest chosen is the image's `Id`, listed under every local name),
 * what the registry got follows from the image's manifests (indexManifests.ts); when that says
 * "the index", the registry settles whether a `--platform` push sent one platform manifest instead.
 */
async function containerdManifest(
  push: PlannedPush,
  image: InspectedImage,
  digest: string | undefined,
  askRegistry: RegistryDigestLookup,
): Promise<PushedManifest | undefined> {
  const imageId = normalizeDigest(image.id);
  if (!digest || imageId !== digest) return undefined;
  const decision = pushedManifestOf(digest, image.manifests, image);
  if (!decision || !image.manifests || !needsRegistry(digest, decision, image.manifests)) return decision;
  return settleWithRegistry(digest, decision, image.manifests, await askRegistry(push.reference));
}

/** Resolves planned pushes to pushed images through `inspect`, and the registry where the engine cannot tell. */
export async function resolvePushes(
  plan: readonly PlannedPush[],
  inspect: InspectImage,
  askRegistry: RegistryDigestLookup,
): Promise<{ images: PushedImage[]; warnings: ReportWarning[] }> {
  const images: PushedImage[] = [];
  const warnings: ReportWarning[] = [];
  const seen = new Set<string>();
  // Inspect concurrently (the engine answers each in milliseconds), then ask the registries
  // concurrently (only for the pushes the engine cannot settle), then decide in push order.
  const inspected = await Promise.all(plan.map((push) => inspect(push.imageId ?? push.name)));
  const chosen = await Promise.all(
    plan.map(async (push, i) => {
      const image = inspected[i];
      if (!image) return undefined;
      const choice = await chooseDigest(push, image, askRegistry);
      return { ...choice, manifest: await containerdManifest(push, image, choice.digest, askRegistry) };
    }),
  );
  for (const [i, push] of plan.entries()) {
    const image = inspected[i];
    const choice = chosen[i];
    if (!image || !choice) {
      warnings.push({
        code: 'image-gone',
        message: `${push.name}: the pushed image is no longer on the agent, so its digest cannot be read.`,
      });
      continue;
    }
    if (choice.warning) warnings.push(choice.warning);
    const digest = choice.digest;
    if (!digest) continue;
    const imageId = normalizeDigest(image.id);
    const manifest = choice.manifest;
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
