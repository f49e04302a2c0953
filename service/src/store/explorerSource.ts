/**
 * What the store answers for the remediation owner's view ("by source": what one repository or
 * pipeline built, where it runs, what was found in it), for the image detail's explorer part, and
 * for coverage's unmapped list (issue 10). Plain types; the SQL is in `sql/explorerSource.ts`, the
 * assembly in `explorerSourceReads.ts`.
 */
import type { ExposurePath } from '../explorer/kubernetes/model';
import type { SeverityCounts } from '../explorer/vulnerabilities/count';
import type { ScanSource } from '../explorer/vulnerabilities/finding';
import type { MergedFinding } from '../explorer/vulnerabilities/merge';
import type { ImagePush } from '../schemas/images';

/**
 * Which source's pushes: a repository, a pipeline, or both, narrowed by project, organisation and
 * push time (every given filter must hold). The by-source route gives at least one of `repository`
 * and `definitionId`; as the "pushed by" condition of the exposed question any subset may be given.
 */
export interface SourceFilter {
  /** Source repository URL, repository id, or a name its senders vouched for (case-insensitive). */
  repository?: string;
  /** Pipeline (definition) id. */
  definitionId?: number;
  /** With `definitionId`: build pipelines (default) or classic release definitions, whose ids are another series. */
  hub?: 'build' | 'release';
  /** Project id, or a name its senders vouched for. */
  project?: string;
  /** Organisation name (`contoso`) or URL. */
  organization?: string;
  /** Only pushes at or after this instant (ms since the epoch). */
  sinceMs?: number;
  /** Only pushes at or before this instant (ms since the epoch). */
  untilMs?: number;
}

/** One place an image runs: a workload of a cluster's latest snapshot. */
export interface RunningPlace {
  cluster: string;
  /** When the cluster's snapshot was taken (RFC 3339). */
  snapshotTakenAt: string;
  namespace: string;
  workloadKind: string;
  workloadName: string;
  /** Whether any path exposes the workload to the internet (node paths do not count). */
  internetExposed: boolean;
  /** Every path that exposes the workload, internet and node alike; empty when none. */
  exposure: ExposurePath[];
  /** Image references as the pod spec and status wrote them. */
  references: string[];
}

/** An image's merged findings (each vulnerability once, across scanners). */
export interface FindingsSummary {
  counts: SeverityCounts;
  /** The most severe merged findings, at most `TOP_FINDINGS`. */
  topFindings: MergedFinding[];
  /** Each scanner run whose findings are stored for the image (a scan that found nothing leaves none). */
  scans: ScanSource[];
}

/** What the explorer knows of one digest: where it runs and what scanners found in it. Cluster data: no organisation's. */
export interface ImageUsage {
  running: RunningPlace[];
  findings: FindingsSummary;
}

/** One image a source built. */
export interface SourceImage extends ImageUsage {
  digest: string;
  /** When the source last pushed it (RFC 3339). */
  lastPushedAt: string;
  /** The pushes of the digest by this source's runs (those the reader may see), newest first. */
  pushes: ImagePush[];
}

/** A page of a source's images, most recently pushed first. */
export interface SourceImagePage {
  items: SourceImage[];
  nextCursor: string | null;
}

/** A digest running in a namespace that no run (the reader may see) pushed. */
export interface UnmappedImage {
  digest: string;
  /** Image references as the pods wrote them, every workload's, without repeats. */
  references: string[];
  /** The workloads of the namespace that run it. */
  workloads: Array<{ kind: string; name: string }>;
}
