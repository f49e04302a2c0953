/**
 * What the store answers about the explorer's data (issue 10): the rows of "exposed and
 * vulnerable" and of coverage. Plain types; the SQL is in `sql/explorer.ts`, the assembly of
 * rows in `exposedRows.ts`.
 */
import type { ExposurePath } from '../explorer/kubernetes/model';
import type { SeverityCounts } from '../explorer/vulnerabilities/count';
import type { MergedFinding } from '../explorer/vulnerabilities/merge';
import type { Severity } from '../explorer/vulnerabilities/severity';
import type { ImagePush } from '../schemas/images';
import type { RelatedDigest } from '../explorer/platforms/relation';
import type { SourceFilter, UnmappedImage } from './explorerSource';

/** Filters of the "exposed and vulnerable" question. */
export interface ExposedFilter {
  /** An image qualifies with at least one merged finding at or above this severity. */
  minSeverity: Severity;
  cluster?: string;
  namespace?: string;
  /** Only findings with a known fixed version qualify an image (and are listed as top findings). */
  fixableOnly?: boolean;
  /**
   * "Pushed by": only images (or an image related to them) that a run the reader may see pushed under
   * these conditions (repository, organisation, project, push time). The row still lists all its runs.
   */
  pushedBy?: SourceFilter;
}

/** One (workload, running image) that is internet-exposed and vulnerable. */
export interface ExposedRow {
  cluster: string;
  /** When the cluster's snapshot was taken: read at its source, as its importer says (RFC 3339). */
  snapshotTakenAt: string;
  /** When the service stored that snapshot (RFC 3339). */
  snapshotImportedAt: string;
  /** How the snapshot came: `import` (through the API) or `sync` (the scheduled sync inside the service). */
  snapshotSource: string;
  /** Who made it: `token:<name>` or `scheduled-sync:<API server>`; `null` for snapshots stored before migration 008. */
  snapshotImportedBy: string | null;
  namespace: string;
  workloadKind: string;
  workloadName: string;
  /** Every path that exposes the workload, internet and node alike, as the snapshot kept them. */
  exposure: ExposurePath[];
  digest: string;
  /** Image references as the pod spec and status wrote them. */
  references: string[];
  /** Merged findings (each vulnerability once) of the image, by severity. */
  counts: SeverityCounts;
  /** The qualifying merged findings, most severe first, at most `TOP_FINDINGS`. */
  topFindings: MergedFinding[];
  /**
   * Every push of the digest, and of the digests related to it (`relatedDigests`), newest first; each push
   * names the digest it pushed. Empty when no report names any of them (unmapped).
   */
  runs: ImagePush[];
  /**
   * Digests matched to this one through an index ↔ platform manifest relation, with who said so: its
   * platform manifests when it is an index, the indexes listing it when it is a platform manifest. Their
   * findings and runs count as this image's; a finding's occurrences say which digest was scanned.
   */
  relatedDigests: RelatedDigest[];
}

/** A page of exposed rows. */
export interface ExposedPage {
  items: ExposedRow[];
  nextCursor: string | null;
}

/** Running images of one namespace of one cluster, mapped to a run or not. */
export interface CoverageRow {
  cluster: string;
  namespace: string;
  /** Distinct manifest digests running there. */
  images: number;
  /** Of those, digests at least one stored report pushed. */
  mapped: number;
  unmapped: number;
  /** Running images without a manifest digest (only a local config id): they can be neither scanned nor mapped. */
  unresolved: number;
  /** When asked for (`unmapped`): the digests counted in `unmapped`, with their references and the workloads that run them. */
  unmappedImages?: UnmappedImage[];
}

/** How many findings `ExposedRow.topFindings` lists. */
export const TOP_FINDINGS = 5;
