/**
 * Group commit, shared by both stores: reports handed to `ingest` during one turn of the event
 * loop are written together, so that they share one transaction's BEGIN and COMMIT (on SQLite
 * the WAL frames of every touched page, on PostgreSQL one WAL flush and the round trips).
 *
 * The queue owns only the mechanics: collecting, forming batches, settling each caller. How a
 * batch is written — the transaction, a savepoint or a retry per report, what a lost connection
 * means — is the store's `commit` function. Every caller is answered after `commit` returns,
 * which a store calls only once its COMMIT is through ("answered means committed").
 */

/** What became of one item of a batch: its result, or why it alone was not stored. */
export type Outcome<R> = { ok: true; result: R } | { ok: false; error: unknown };

/**
 * Writes one batch and says what became of each item, in the batch's order. A report that fails
 * alone is an `{ ok: false }` outcome and the others stand. Throwing means that no item of the
 * batch may be acknowledged (nothing committed, or the outcome of the COMMIT is unknown): every
 * caller of the batch is rejected with the thrown error.
 */
export type CommitBatch<T, R> = (batch: readonly T[]) => Promise<Array<Outcome<R>>> | Array<Outcome<R>>;

/** How a store's queue forms its batches and writes them. */
export interface GroupCommitOptions<T, R> {
  /** Writes one batch; see `CommitBatch`. */
  commit: CommitBatch<T, R>;
  /** The item's idempotency key: no two items of one batch share it (a repeat waits for a later batch). */
  keyOf: (item: T) => string;
  /**
   * Items with a different group (e.g. another ambiguity window) than the batch's first item
   * wait for a later batch. Default: every item may join any batch.
   */
  groupOf?: (item: T) => unknown;
  /** Most items in one batch. Default: no limit. */
  maxBatch?: number;
  /** Most batches written at the same time. Default 1. */
  maxWriters?: number;
}

/** An item waiting for a batch, and how to tell its caller. */
interface Waiter<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Takes the next batch from `queue`: in arrival order, up to `maxBatch` items of the first
 * item's group and no key twice. Pure; returns the batch and what stays queued, in order.
 */
export function takeBatch<T>(
  queue: readonly T[],
  options: { keyOf: (item: T) => string; groupOf?: (item: T) => unknown; maxBatch?: number },
): { batch: T[]; rest: T[] } {
  const { keyOf, groupOf = () => undefined, maxBatch = Infinity } = options;
  const keys = new Set<string>();
  const batch: T[] = [];
  const rest: T[] = [];
  const first = queue[0];
  const group = first === undefined ? undefined : groupOf(first);
  for (const item of queue) {
    const key = keyOf(item);
    if (batch.length < maxBatch && !keys.has(key) && Object.is(groupOf(item), group)) {
      keys.add(key);
      batch.push(item);
    } else rest.push(item);
  }
  return { batch, rest };
}

/**
 * One store's queue of reports waiting to be committed. `add` queues an item and resolves with
 * its result once its batch is committed. The first item of a turn schedules a writer with
 * `setImmediate`, which runs after the poll phase, so every request read in that turn joins the
 * batch; a writer writes batches until nothing is queued, and up to `maxWriters` run at once.
 */
export class GroupCommitQueue<T, R> {
  private pending: Array<Waiter<T, R>> = [];
  private readonly writers = new Set<Promise<void>>();
  private readonly commit: CommitBatch<T, R>;
  private readonly keyOf: (waiter: Waiter<T, R>) => string;
  private readonly groupOf: ((waiter: Waiter<T, R>) => unknown) | undefined;
  private readonly maxBatch: number;
  private readonly maxWriters: number;

  constructor(options: GroupCommitOptions<T, R>) {
    const { commit, keyOf, groupOf, maxBatch = Infinity, maxWriters = 1 } = options;
    if (!(maxBatch >= 1) || !(maxWriters >= 1)) throw new RangeError('maxBatch and maxWriters must be at least 1');
    this.commit = commit;
    this.keyOf = (w) => keyOf(w.item);
    this.groupOf = groupOf && ((w) => groupOf(w.item));
    this.maxBatch = maxBatch;
    this.maxWriters = maxWriters;
  }

  /** Items queued and not yet taken into a batch. */
  get size(): number {
    return this.pending.length;
  }

  /** Queues `item` for the next batch; resolves with its result once that batch is committed. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) this.startWriter();
    });
  }

  /**
   * Resolves once everything queued is written and its callers answered (including what is
   * queued while it waits). A store calls it before it closes its connection.
   */
  async drain(): Promise<void> {
    // Whenever something is queued a writer is scheduled or running (see `add` and `startWriter`).
    while (this.writers.size > 0) await Promise.all([...this.writers]);
  }

  /** Starts a writer unless `maxWriters` already run; they pick up whatever is queued. */
  private startWriter(): void {
    if (this.writers.size >= this.maxWriters) return;
    const writer: Promise<void> = new Promise<void>((done) => setImmediate(done))
      .then(() => this.writeBatches())
      .finally(() => {
        this.writers.delete(writer);
        // An item queued while this writer was finishing must not wait for the next arrival.
        if (this.pending.length > 0) this.startWriter();
      });
    this.writers.add(writer);
  }

  /** Writes batches until nothing is queued. */
  private async writeBatches(): Promise<void> {
    while (this.pending.length > 0) {
      const { batch, rest } = takeBatch(this.pending, { keyOf: this.keyOf, groupOf: this.groupOf, maxBatch: this.maxBatch });
      this.pending = rest;
      await this.writeBatch(batch);
    }
  }

  /** Commits one batch and settles each of its callers; never throws. */
  private async writeBatch(batch: Array<Waiter<T, R>>): Promise<void> {
    let outcomes: Array<Outcome<R>>;
    try {
      outcomes = await this.commit(batch.map((w) => w.item));
    } catch (err) {
      for (const waiter of batch) waiter.reject(err);
      return;
    }
    batch.forEach((waiter, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) waiter.resolve(outcome.result);
      else waiter.reject(outcome ? outcome.error : new Error('the store gave no outcome for this report'));
    });
  }
}
