/**
 * Index vs platform manifests: a multi-platform index (OCI image index, Docker manifest list) lists one
 * platform manifest per platform. A workload may run the index's digest while a report or a scan names
 * a platform manifest, or the reverse; a relation lets the explorer match the two.
 */

/** Who said an index lists a manifest: the pipeline's report, a scanner document, or the registry itself. */
export type RelationSource = 'report' | 'scan' | 'registry';

/** The platform a manifest is for, as the index (or the scanner) names it. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | null;
}

/** One index lists one platform manifest: a fact with its origin. */
export interface PlatformRelation {
  readonly indexDigest: string;
  readonly platformDigest: string;
  /** `null` when whoever said it did not name the platform. */
  readonly platform: Platform | null;
  readonly source: RelationSource;
  /** What said it, for people: `report 12`, `grype 0.74.0`, `registry 127.0.0.1:5000/team/web`. */
  readonly evidence: string;
}

/** How a digest related to a row's digest: `platform` (it is one of the row's index's platform manifests) or `index` (the row's digest is one of its platforms). */
export type RelationKind = 'platform' | 'index';

/** A digest related to another one, with every source that said so. */
export interface RelatedDigest {
  readonly digest: string;
  readonly relation: RelationKind;
  readonly platform: Platform | null;
  readonly sources: readonly RelationSource[];
}

/**
 * The digests related to `digest` by `relations`: its platform manifests when it is an index, the indexes
 * that list it when it is a platform manifest. Platform manifests of the same index (its siblings) are not
 * related: they are different images. One entry per digest, sources merged, sorted by digest.
 */
export function relatedDigests(digest: string, relations: readonly PlatformRelation[]): RelatedDigest[] {
  const byDigest = new Map<string, { relation: RelationKind; platform: Platform | null; sources: Set<RelationSource> }>();
  for (const r of relations) {
    const other = r.indexDigest === digest ? r.platformDigest : r.platformDigest === digest ? r.indexDigest : null;
    if (other === null) continue;
    const entry = byDigest.get(other) ?? { relation: r.indexDigest === digest ? 'platform' : 'index', platform: null, sources: new Set() };
    entry.platform ??= r.platform;
    entry.sources.add(r.source);
    byDigest.set(other, entry);
  }
  return [...byDigest]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, e]) => ({ digest: d, relation: e.relation, platform: e.platform, sources: [...e.sources].sort() }));
}
