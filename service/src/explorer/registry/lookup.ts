/**
 * Asks the configured registries about running digests that nothing maps to a run (issue 10, index vs
 * platform manifests): after a cluster's snapshot is stored, each such digest whose repository is on a
 * configured registry is read once; an index's platform manifests are recorded as relations (source
 * `registry`), and every outcome in `registry_lookups`, so the same digest is never asked twice (a failure
 * is asked again after `retryFailedAfterMs`).
 *
 * It runs in the background after the import has committed: the import's answer never waits for a
 * registry, and no registry failure can fail it. Bounded: at most `concurrency` requests at a time, each
 * with a timeout, at most `maxDigests` digests per snapshot; lookups of one cluster run one after the other.
 */
import { parseImageReference } from '../../../../common/imageReference';
import { readManifest } from '../platforms/manifest';
import type { PlatformRelation } from '../platforms/relation';
import type { Store, UnexplainedDigest } from '../../store/store';
import type { RegistryConfig } from './config';
import { RegistryClient, RegistryError } from './registryClient';

/** What one round of lookups did, for logs and tests. */
export interface LookupSummary {
  asked: number;
  indexes: number;
  manifests: number;
  failed: number;
  /** Digests whose repositories are on no configured registry. */
  notConfigured: number;
}

/** Where log lines go (the service's pino logger fits). */
export interface LookupLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface LookupOptions {
  concurrency?: number;
  timeoutMs?: number;
  retryFailedAfterMs?: number;
  maxDigests?: number;
  /** Where passwords are read from (`passwordEnv`); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs lookups for the service; one instance per app. */
export class RegistryLookup {
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retryFailedAfterMs: number;
  private readonly maxDigests: number;
  private readonly env: Readonly<Record<string, string | undefined>>;
  /** The running (or last) round of each cluster: the next one waits for it. */
  private readonly rounds = new Map<string, Promise<LookupSummary | null>>();

  constructor(
    private readonly store: Store,
    private readonly registries: readonly RegistryConfig[],
    private readonly log: LookupLog,
    options: LookupOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryFailedAfterMs = options.retryFailedAfterMs ?? 60 * 60 * 1000;
    this.maxDigests = options.maxDigests ?? 500;
    this.env = options.env ?? process.env;
  }

  /**
   * Starts a round for `cluster` in the background, after the one running for it; never throws, never
   * rejects (a failure is logged). Returns the round, for tests and for `idle`.
   */
  afterSnapshot(cluster: string): Promise<LookupSummary | null> {
    const previous = this.rounds.get(cluster) ?? Promise.resolve(null);
    const round = previous.then(() =>
      this.run(cluster).catch((err: unknown) => {
        this.log.warn({ cluster, err: (err as Error).message }, 'registry lookups failed');
        return null;
      }),
    );
    this.rounds.set(cluster, round);
    void round.then(() => {
      if (this.rounds.get(cluster) === round) this.rounds.delete(cluster);
    });
    return round;
  }

  /** Resolves when no round is running (the app waits for it before closing the store). */
  async idle(): Promise<void> {
    while (this.rounds.size > 0) await Promise.all([...this.rounds.values()]);
  }

  /** One round: asks about every unexplained digest of the cluster. */
  async run(cluster: string): Promise<LookupSummary> {
    const digests = await this.store.unexplainedDigests(cluster, Date.now() - this.retryFailedAfterMs, this.maxDigests);
    const summary: LookupSummary = { asked: 0, indexes: 0, manifests: 0, failed: 0, notConfigured: 0 };
    const clients = new Map<string, RegistryClient>();
    const queue = [...digests];
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await this.lookUp(next, clients, summary);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    if (summary.asked > 0) this.log.info({ cluster, ...summary }, 'registry lookups done');
    return summary;
  }

  private async lookUp(item: UnexplainedDigest, clients: Map<string, RegistryClient>, summary: LookupSummary): Promise<void> {
    const target = this.targetOf(item);
    if (target === null) {
      summary.notConfigured += 1;
      return;
    }
    const { registry, repository } = target;
    let client = clients.get(registry.host);
    if (!client) {
      client = new RegistryClient(registry, this.env, this.timeoutMs);
      clients.set(registry.host, client);
    }
    summary.asked += 1;
    const name = `${registry.host}/${repository}`;
    try {
      const fetched = await client.fetchManifest(repository, item.digest);
      const kind = readManifest(fetched.document, fetched.contentType);
      const relations: PlatformRelation[] =
        kind.kind === 'index'
          ? kind.platforms
              .filter((p) => p.digest !== item.digest)
              .map((p) => ({
                indexDigest: item.digest,
                platformDigest: p.digest,
                platform: p.platform,
                source: 'registry',
                evidence: `registry ${name}`,
              }))
          : [];
      await this.store.recordRegistryLookup({ digest: item.digest, repository: name, outcome: kind.kind, detail: null }, relations);
      if (kind.kind === 'index') summary.indexes += 1;
      else summary.manifests += 1;
    } catch (err) {
      summary.failed += 1;
      // Only our own messages are kept: a RegistryError or a manifest reader's, neither holds a credential.
      const detail = err instanceof RegistryError || err instanceof Error ? err.message.slice(0, 500) : 'unknown error';
      this.log.warn({ digest: item.digest, repository: name, detail }, 'registry lookup failed');
      await this.store.recordRegistryLookup({ digest: item.digest, repository: name, outcome: 'failed', detail }, []);
    }
  }

  /** The first of the digest's repositories that is on a configured registry, split into registry and path. */
  private targetOf(item: UnexplainedDigest): { registry: RegistryConfig; repository: string } | null {
    for (const text of item.repositories) {
      let reference;
      try {
        reference = parseImageReference(`${text}@${item.digest}`);
      } catch {
        continue;
      }
      const registry = this.registries.find((r) => r.host === reference.registry);
      if (registry) return { registry, repository: reference.repository };
    }
    return null;
  }
}
