/**
 * What a `docker push` sent from the containerd image store, from the image's own manifests. Pure.
 *
 * On the containerd store an image is an index (or a single manifest) and its `Id` is that digest;
 * `RepoDigests` lists every local name with the `Id`, pushed or not, and so says nothing about what
 * the registry got. What it got, measured on Docker 28.5 (API 1.51):
 * - every platform manifest of the index present locally: the index itself (its digest is the `Id`);
 * - not all present (an image pulled for one platform, then re-tagged and pushed): only the
 *   available single-platform manifest ("Not all multiplatform-content is present and only the
 *   available single-platform image was pushed"), whose digest differs from the `Id`.
 * Image inspect lists the manifests (`Manifests`: `ID`, `Kind` image/attestation, `Available`,
 * `Descriptor.platform`) from API 1.48 on; older engines and the classic store have none, and then
 * `RepoDigests` is the registry's answer (the classic store records it after a successful push).
 */
import type { PlatformManifest } from '../common/report';

/** One manifest of a local image on the containerd store (image inspect `Manifests[]`). */
export interface LocalManifest {
  digest: string;
  /** `image`, `attestation`, or another kind a newer engine adds. */
  kind: string;
  available: boolean;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** What the registry got for a push, as far as the local image tells. */
export interface PushedManifest {
  digest: string;
  /** When `digest` is an index: its platform manifests (attestations left out). */
  platforms?: PlatformManifest[];
  /** When `digest` is one platform manifest of the local index: the index's digest. */
  indexDigest?: string;
  os?: string;
  architecture?: string;
  /** Set when the choice is a guess the report should mention. */
  uncertain?: string;
}

/** Matches the report's platform fields (`^[a-z0-9._-]+$`, at most 50). */
const PLATFORM_WORD = /^[a-z0-9._-]{1,50}$/;

/** The index platforms the report can carry: known os and architecture, never an attestation's `unknown/unknown`. */
function platformOf(manifest: LocalManifest): PlatformManifest | undefined {
  const { os, architecture, variant } = manifest.platform ?? {};
  if (!os || !architecture || os === 'unknown' || !PLATFORM_WORD.test(os) || !PLATFORM_WORD.test(architecture)) return undefined;
  const platform: PlatformManifest = { digest: manifest.digest, os, architecture };
  if (variant && PLATFORM_WORD.test(variant)) platform.variant = variant;
  return platform;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;

/**
 * Decides what a `docker push` of the image `indexDigest` (its `Id`) sent, from its `Manifests`.
 * @param hostPlatform the image's `Os`/`Architecture` as inspect gives them: the platform the
 *   engine falls back to when several, but not all, platforms are present
 * @returns undefined when the image lists no manifests (classic store, engine before API 1.48): the
 *   caller keeps the `RepoDigests` answer
 */
export function pushedManifestOf(
  indexDigest: string,
  manifests: readonly LocalManifest[] | undefined,
  hostPlatform: { os?: string; architecture?: string } = {},
): PushedManifest | undefined {
  if (!manifests || !SHA256.test(indexDigest)) return undefined;
  const images = manifests.filter((m) => m.kind === 'image' && SHA256.test(m.digest));
  if (images.length === 0) return undefined;
  const available = images.filter((m) => m.available);
  if (available.length === images.length) {
    const platforms = images.map(platformOf).filter((p): p is PlatformManifest => p !== undefined);
    // An index (even of one platform): a workload may run it or any of its platform manifests.
    if (images.length === 1 && images[0]?.digest === indexDigest) return { digest: indexDigest };
    return platforms.length > 0 ? { digest: indexDigest, platforms: platforms.slice(0, 64) } : { digest: indexDigest };
  }
  const single = (m: LocalManifest, uncertain?: string): PushedManifest => {
    const pushed: PushedManifest = { digest: m.digest, indexDigest };
    const platform = platformOf(m);
    if (platform) {
      pushed.os = platform.os;
      pushed.architecture = platform.architecture;
    }
    if (uncertain) pushed.uncertain = uncertain;
    return pushed;
  };
  if (available.length === 1 && available[0]) return single(available[0]);
  const host = available.find((m) => m.platform?.os === hostPlatform.os && m.platform?.architecture === hostPlatform.architecture);
  if (host) return single(host);
  const why =
    available.length === 0
      ? 'none of its platform manifests is on the agent'
      : `${available.length} of its ${images.length} platform manifests are on the agent, none for the engine's platform`;
  return { digest: indexDigest, uncertain: `${why}, so the registry may hold another digest than the image's index` };
}

/** The registry's digest for the pushed tag, or why it could not be had (registryDigest.ts's answer). */
export type RegistryAnswer = { ok: true; digest: string } | { ok: false; reason: string };

/**
 * Whether the registry must settle `decision`: it names the image's index, and `docker push
 * --platform X` (Docker 28+, containerd store) sends only that platform's manifest from the same
 * index, logging the same push event. Measured on Docker 28.5: "Using --platform pushes only the
 * specified platform manifest of a multi-platform image index", and the registry's digest is then
 * the platform manifest's. Nothing in the event or the local image tells the two apart.
 */
export function needsRegistry(
  indexDigest: string,
  decision: PushedManifest | undefined,
  manifests: readonly LocalManifest[] | undefined,
): boolean {
  if (!decision || decision.indexDigest !== undefined || decision.digest !== indexDigest) return false;
  return (manifests ?? []).some((m) => m.kind === 'image' && SHA256.test(m.digest) && m.digest !== indexDigest);
}

/**
 * Settles an index decision with what the registry serves for the pushed tag: the index itself, or
 * one of its platform manifests (a `--platform` push, reported with the index in `indexDigest`).
 * When the registry cannot tell, or serves a digest that is none of this image's (the tag pushed
 * again later), the index stays, with the reason as `uncertain`.
 */
export function settleWithRegistry(
  indexDigest: string,
  decision: PushedManifest,
  manifests: readonly LocalManifest[],
  registry: RegistryAnswer,
): PushedManifest {
  if (registry.ok && registry.digest === indexDigest) {
    // The registry holds the index: the local decision stands, and a guess it made is no longer one.
    const settled: PushedManifest = { ...decision };
    delete settled.uncertain;
    return settled;
  }
  const platform = registry.ok ? manifests.find((m) => m.kind === 'image' && m.digest === registry.digest) : undefined;
  if (platform) {
    const single: PushedManifest = { digest: platform.digest, indexDigest };
    const described = platformOf(platform);
    if (described) {
      single.os = described.os;
      single.architecture = described.architecture;
    }
    return single;
  }
  const why = registry.ok
    ? `the registry now serves ${registry.digest} for the tag, which is none of this image's manifests (pushed again since?)`
    : `a push with --platform would have sent one platform manifest, and the registry could not say which was sent (${registry.reason})`;
  return { ...decision, uncertain: decision.uncertain ? `${decision.uncertain}; ${why}` : why };
}
