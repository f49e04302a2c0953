/**
 * The scheduled sync of `serve` (off by default): every `intervalMinutes`, each configured cluster is read as
 * `sync kubernetes` reads it (`explorer/sync/`) and stored as the import route stores a List (the snapshot core, then
 * `Store.replaceClusterSnapshot`, one transaction). Like the scheduled backfill: one read at a time (two large
 * clusters never sit in memory together), never two of one cluster, a failure is logged and retried at the next tick
 * (the previous snapshot stays), and `stop` ends the timers and waits for the read under way, which stops before its
 * next list call and stores nothing.
 */
import { DEFAULT_SYNC_INTERVAL_MINUTES, type KubernetesSyncConfig } from '../../config';
import type { Store } from '../../store/store';
import { isInternetExposed, type ClusterSnapshot } from '../kubernetes/model';
import { buildClusterSnapshot } from '../kubernetes/snapshot';
import { DEFAULT_PAGE_SIZE, readCluster, type ResourceLister } from '../sync/readCluster';

/** What the schedule needs. */
export interface ScheduledSyncOptions {
  store: Store;
  syncs: readonly KubernetesSyncConfig[];
  /** Loads one cluster's credentials (`createKubernetesLister` in production); called for every read. */
  openLister(sync: KubernetesSyncConfig): Promise<ResourceLister & { readonly server: string }>;
  log: { info(msg: string): void; warn(msg: string): void };
  /** Called after each stored snapshot, as the import route does (the registry lookups of index ↔ platform manifests). */
  afterSnapshot?(cluster: string): void;
}

/** A running schedule. */
export interface ScheduledSync {
  /** Reads one cluster now unless a read of it is under way or queued; resolves when that read is done. */
  runOnce(cluster: string): Promise<void>;
  /** Stops the schedule and waits for the read under way. */
  stop(): Promise<void>;
}

/** The API server as `importedBy` names it: no user info, no path. */
function serverOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'unknown';
  }
}

function summary(snapshot: ClusterSnapshot): string {
  const images = snapshot.workloads.flatMap((w) => w.images);
  return (
    `${snapshot.workloads.length} workloads, ${snapshot.workloads.filter(isInternetExposed).length} internet-exposed, ` +
    `${images.length} images (${images.filter((i) => !i.resolved).length} unresolved)`
  );
}

/** Starts the schedule: a first read of each cluster at once (one after the other), then one every interval. */
export function startScheduledSync(options: ScheduledSyncOptions): ScheduledSync {
  const abort = new AbortController();
  const pending = new Map<string, Promise<void>>();
  let queue: Promise<void> = Promise.resolve();

  const syncOne = async (sync: KubernetesSyncConfig): Promise<void> => {
    if (abort.signal.aborted) return;
    const minutes = sync.intervalMinutes ?? DEFAULT_SYNC_INTERVAL_MINUTES;
    try {
      const lister = await options.openLister(sync);
      const takenAt = new Date();
      const { list, notInstalled } = await readCluster(lister, sync.pageSize ?? DEFAULT_PAGE_SIZE, { signal: abort.signal });
      const snapshot = buildClusterSnapshot(list);
      if (abort.signal.aborted) return;
      const importedBy = `scheduled-sync:${serverOf(lister.server)}`;
      await options.store.replaceClusterSnapshot(sync.cluster, snapshot, takenAt, 'sync', { importedBy });
      options.afterSnapshot?.(sync.cluster);
      const absent = notInstalled.length > 0 ? `; not installed: ${notInstalled.join(', ')}` : '';
      options.log.info(`sync ${sync.cluster}: ${summary(snapshot)}${absent}`);
    } catch (err) {
      if (abort.signal.aborted) return;
      options.log.warn(
        `sync ${sync.cluster} failed, its previous snapshot is kept; next attempt in ${minutes} min: ${(err as Error).message}`,
      );
    }
  };

  const runOnce = (cluster: string): Promise<void> => {
    const sync = options.syncs.find((s) => s.cluster === cluster);
    if (sync === undefined) return Promise.reject(new Error(`no scheduled sync for cluster ${cluster}`));
    let run = pending.get(cluster);
    if (run === undefined) {
      run = queue.then(() => syncOne(sync)).finally(() => pending.delete(cluster));
      pending.set(cluster, run);
      queue = run;
    }
    return run;
  };

  const timers = options.syncs.map((sync) => {
    void runOnce(sync.cluster);
    const timer = setInterval(() => void runOnce(sync.cluster), (sync.intervalMinutes ?? DEFAULT_SYNC_INTERVAL_MINUTES) * 60_000);
    timer.unref();
    return timer;
  });
  return {
    runOnce,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      abort.abort();
      await queue;
    },
  };
}
