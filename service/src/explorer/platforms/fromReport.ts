/**
 * The relations a pipeline's report states: an image pushed as an index with the platform manifests it
 * lists (`platforms`), or a platform manifest pushed as part of an index (`indexDigest`).
 */
import type { PlatformRelation } from './relation';

/** The part of a pushed image (`common/report.ts`) the relations come from. */
export interface ReportedImage {
  readonly digest: string;
  readonly platforms?: ReadonlyArray<{
    readonly digest: string;
    readonly os: string;
    readonly architecture: string;
    readonly variant?: string;
  }>;
  readonly indexDigest?: string;
  /** The image's own platform, as the engine inspected it. */
  readonly os?: string;
  readonly architecture?: string;
}

/** Every relation the images of one report state, once each; `evidence` names the report (`report 12`). */
export function relationsFromReport(images: readonly ReportedImage[], evidence: string): PlatformRelation[] {
  const relations = new Map<string, PlatformRelation>();
  for (const image of images) {
    for (const p of image.platforms ?? []) {
      if (p.digest === image.digest) continue;
      relations.set(`${image.digest} ${p.digest}`, {
        indexDigest: image.digest,
        platformDigest: p.digest,
        platform: { os: p.os, architecture: p.architecture, variant: p.variant ?? null },
        source: 'report',
        evidence,
      });
    }
    if (image.indexDigest !== undefined && image.indexDigest !== image.digest) {
      const key = `${image.indexDigest} ${image.digest}`;
      if (!relations.has(key)) {
        const platform = image.os && image.architecture ? { os: image.os, architecture: image.architecture, variant: null } : null;
        relations.set(key, { indexDigest: image.indexDigest, platformDigest: image.digest, platform, source: 'report', evidence });
      }
    }
  }
  return [...relations.values()];
}
