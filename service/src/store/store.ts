/**
 * The one storage interface of the service. Two implementations (SQLite, PostgreSQL) pass
 * the same contract tests; everything above it is database-agnostic.
 */
import type { Report } from '../../../common/report';
import type { ImageDetail, ImagePushPage } from '../schemas/images';
import type { VerifiedNames } from '../verifiedNames';
import type { ClusterSnapshot } from '../explorer/kubernetes/model';
import type { ImageScan } from '../explorer/vulnerabilities/finding';
import type { CoverageRow, ExposedFilter, ExposedPage } from './explorer';
import type { PlatformRelation } from '../explorer/platforms/relation';

/** What the registry said about one digest (see `registry_lookups`). */
export interface RegistryLookupRecord {
  digest: string;
  repository: string;
  outcome: 'index' | 'manifest' | 'failed';
  /** Why it failed, for people; never a credential. */
  detail: string | null;
}

/** A running digest nothing maps to a run, with the repositories the runtime pulled it from. */
export interface UnexplainedDigest {
  digest: string;
  repositories: string[];
}
import type { ImageUsage, SourceFilter, SourceImagePage } from './explorerSource';
import type { ReadScope } from './readScope';

/** Filters of `GET /api/v1/images`, already parsed. Every filter is an exact match. */
export interface PushFilter {
  registry?: string;
  repository?: string;
  tag?: string;
  /** Organisation name (`contoso`) or URL. */
  organization?: string;
  /** Project id or name. */
  project?: string;
  /** Pipeline definition id or name. */
  pipeline?: string;
  /** Source repository URL or name. */
  sourceRepository?: string;
  commit?: string;
  hub?: 'build' | 'release';
  runId?: number;
  /** Only runs of this provider. */
  provider?: 'azure-devops' | 'github';
  /** Epoch milliseconds, inclusive. */
  sinceMs?: number;
  /** Epoch milliseconds, inclusive. */
  untilMs?: number;
  /** Only reports of these organisations (`ReadScope.organizationUrls`): what an organisation-bound reader may see. */
  visibleOrganizationUrls?: readonly string[];
}

/** Where a page starts and how long it is. */
export interface PageRequest {
  cursor?: string;
  limit: number;
}

/** What a GitHub Actions run keeps beyond the run columns (migration 009; see `githubRun.ts`). */
export interface GitHubRunColumns {
  serverUrl: string;
  ownerId: string;
  workflowRef: string;
  runnerEnvironment?: string;
  eventName?: string;
}

/** What the store needs to know about one ingestion besides the report. */
export interface IngestContext {
  /** Who sent it, as a short label kept with the report (never a token). */
  principal: string;
  receivedAt: Date;
  /** Pushes of the same image by different jobs (of any runs) closer than this are ambiguous. */
  ambiguityWindowMs: number;
  /**
   * Which of the report's names its sender vouches for; default: all. A name not vouched for
   * is stored and shown, but the `project`, `pipeline` and `sourceRepository` name filters
   * never match it.
   */
  verifiedNames?: VerifiedNames;
  /** For a GitHub Actions report (version 2): what its run has beyond the run columns (see `githubRun.ts`). */
  github?: GitHubRunColumns;
  /** The report as kept in `report_json` when it is not `report` itself (a GitHub report, kept as sent). */
  reportJson?: string;
}

/**
 * What one ingestion did to the stored report: `created` the first time its key is seen;
 * `replaced` when it replaced a different earlier send of the same job attempt; `unchanged`
 * when the identical report was already stored (nothing was written).
 */
export type IngestStatus = 'created' | 'replaced' | 'unchanged';

/** What one ingestion did. */
export interface IngestResult {
  reportId: number;
  status: IngestStatus;
  images: number;
  /** Pushes of this report marked ambiguous. */
  ambiguous: number;
}

/** Row counts, for readiness checks and for tests that prove nothing changed. */
export interface StoreCounts {
  reports: number;
  pushes: number;
}

/** Storage of reports and their pushes. */
/** Who stored a cluster snapshot, and when (see `Store.replaceClusterSnapshot`). */
export interface SnapshotOrigin {
  importedBy?: string;
  importedAt?: Date;
}

export interface Store {
  /** Which implementation: `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Applies the versioned migrations not yet applied. Returns the versions it applied. */
  migrate(): Promise<string[]>;
  /**
   * Stores a valid report whole or not at all, replacing an earlier send with the same idempotency
   * key; the index ↔ platform manifest relations its images state are recorded with it. Reports handed over at the same time may share one transaction (group commit); the promise
   * settles only after the transaction holding this report has committed (or it rejects, and
   * nothing of this report is stored).
   */
  ingest(report: Report, context: IngestContext): Promise<IngestResult>;
  /** Every push of one digest (normalised), or null when none is stored. */
  getImage(digest: string): Promise<ImageDetail | null>;
  /** Pushes matching the filter, newest first. */
  listPushes(filter: PushFilter, page: PageRequest): Promise<ImagePushPage>;
  /**
   * Stores a cluster's snapshot in one transaction, replacing its previous one whole (a workload
   * gone from the cluster is gone from the store); other clusters are untouched. Kept with it: `takenAt`, when
   * the cluster was read at its source; `source`, how it came (`import` through the API, `sync` inside the
   * service); `origin.importedBy`, who made it (`token:<name>`, `scheduled-sync:<API server>`; never a
   * secret); `origin.importedAt`, when it was stored (default: now).
   * @throws StaleSnapshotError when the stored snapshot was taken after `takenAt` (one taken at the same instant is replaced).
   */
  replaceClusterSnapshot(
    cluster: string,
    snapshot: ClusterSnapshot,
    takenAt: Date,
    source?: string,
    origin?: SnapshotOrigin,
  ): Promise<void>;
  /**
   * Stores scanner findings in one transaction; for each (digest, tool) they name, that tool's earlier findings for that image are replaced.
   * `relations` (index ↔ platform manifest links the document stated) are recorded in the same transaction.
   */
  replaceScans(scans: readonly ImageScan[], relations?: readonly PlatformRelation[]): Promise<void>;
  /**
   * Takes the claim `key` for `holder` until `expiresAtMs`, unless another holder has it and it has not
   * lapsed at `nowMs`: how instances sharing this database agree that one of them does a thing that must
   * happen once (filing a work item). Resolves to whether `holder` has it now.
   */
  takeClaim(key: string, holder: string, nowMs: number, expiresAtMs: number): Promise<boolean>;
  /** Gives back a claim `holder` took; nothing when it lapsed and another holder took it since. */
  releaseClaim(key: string, holder: string): Promise<void>;
  /** Records index ↔ platform manifest relations; one already stored from the same source stays as it was. */
  recordPlatformRelations(relations: readonly PlatformRelation[]): Promise<void>;
  /** Every stored relation in which one of `digests` is the index or the platform manifest. */
  platformRelations(digests: readonly string[]): Promise<PlatformRelation[]>;
  /** Running digests of `cluster` the registry may be asked about (see `unexplainedDigestsQuery`), at most `limit`. */
  unexplainedDigests(cluster: string, retryFailedBeforeMs: number, limit: number): Promise<UnexplainedDigest[]>;
  /** Records what the registry said about one digest and the relations it revealed, in one transaction. */
  recordRegistryLookup(lookup: RegistryLookupRecord, relations: readonly PlatformRelation[]): Promise<void>;
  /**
   * "Exposed and vulnerable": internet-exposed workloads' images with a qualifying finding, each with
   * every run that pushed it (of those `scope` lets the reader see; default every run).
   */
  listExposed(filter: ExposedFilter, page: PageRequest, scope?: ReadScope): Promise<ExposedPage>;
  /**
   * Running images mapped to a run (one `scope` lets the reader see; default every run) vs not, per
   * cluster and namespace; with `unmapped`, each row lists its unmapped digests.
   */
  coverage(filter: { cluster?: string; unmapped?: boolean }, scope?: ReadScope): Promise<CoverageRow[]>;
  /** The by-source view: the images a repository or pipeline built (runs in `scope` only), where they run, their findings. */
  listBySource(filter: SourceFilter, page: PageRequest, scope: ReadScope): Promise<SourceImagePage>;
  /** Where one digest runs and what scanners found in it (cluster data: the same for every reader). */
  imageUsage(digest: string): Promise<ImageUsage>;
  /** Throws unless the database answers. */
  ping(): Promise<void>;
  counts(): Promise<StoreCounts>;
  close(): Promise<void>;
}

/**
 * Thrown when the database cannot be used right now: it refuses connections, or the connection
 * dropped while the operation ran (a restart, a failover, a terminated backend). Nothing the
 * operation was asked to store was acknowledged; the same request may succeed a moment later.
 */
export class StoreUnavailableError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Thrown by `replaceClusterSnapshot` when the cluster's stored snapshot was taken later than the
 * one offered: an import that arrives late (a retried upload, a CronJob that ran slow, a file
 * imported by hand) never replaces a newer view of the cluster. Nothing was changed.
 */
export class StaleSnapshotError extends Error {
  constructor(
    readonly cluster: string,
    /** When the stored snapshot was taken (RFC 3339). */
    readonly storedTakenAt: string,
    /** When the refused one was taken (RFC 3339). */
    readonly takenAt: string,
  ) {
    super(`the snapshot of ${cluster} stored now was taken at ${storedTakenAt}, after this one (${takenAt}); it is kept`);
    this.name = 'StaleSnapshotError';
  }
}

/** Thrown for a cursor the store did not issue. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this service issued');
    this.name = 'InvalidCursorError';
  }
}
