/**
 * The group-commit queue both stores share (service/src/store/groupCommit.ts), on its own: the
 * store's "commit these" function is a sinon stub and setImmediate is faked, so each test says
 * exactly which turn of the event loop a batch forms in. The stores' own tests
 * (groupCommit.*.test.ts, connectionLoss.postgres.test.ts, databaseLocked.sqlite.test.ts) run
 * the same queue against the real databases.
 */
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { GroupCommitQueue, takeBatch, type CommitBatch, type Outcome } from '../../service/src/store/groupCommit';

interface Item {
  key: string;
  window?: number;
}

const item = (key: string, window = 1500): Item => ({ key, window });
const keyOf = (i: Item) => i.key;
const groupOf = (i: Item) => i.window;
const ok = (i: Item): Outcome<string> => ({ ok: true, result: `stored ${i.key}` });
const keysOf = (items: readonly Item[]) => items.map((i) => i.key);

/** A promise with its resolve and reject at hand, to hold a commit open. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Watches a promise: `state()` says whether it has settled yet, and how. */
function watch<T>(promise: Promise<T>): () => { status: 'pending' } | PromiseSettledResult<T> {
  let state: { status: 'pending' } | PromiseSettledResult<T> = { status: 'pending' };
  promise.then(
    (value) => (state = { status: 'fulfilled', value }),
    (reason: unknown) => (state = { status: 'rejected', reason }),
  );
  return () => state;
}

describe('takeBatch', () => {
  const cases: Array<{ name: string; queue: Item[]; maxBatch?: number; batch: string[]; rest: string[] }> = [
    {
      name: 'takes everything queued when keys, windows and size allow',
      queue: [item('a'), item('b'), item('c')],
      batch: ['a', 'b', 'c'],
      rest: [],
    },
    {
      name: 'leaves a repeated key for a later batch, keeping the order',
      queue: [item('a'), item('b'), item('a'), item('c')],
      batch: ['a', 'b', 'c'],
      rest: ['a'],
    },
    { name: 'leaves every repeat beyond the first', queue: [item('a'), item('a'), item('a')], batch: ['a'], rest: ['a', 'a'] },
    {
      name: "takes only items of the first item's group",
      queue: [item('a', 1500), item('b', 900), item('c', 1500)],
      batch: ['a', 'c'],
      rest: ['b'],
    },
    {
      name: 'stops at maxBatch and keeps the rest in arrival order',
      queue: [item('a'), item('b'), item('c'), item('d')],
      maxBatch: 2,
      batch: ['a', 'b'],
      rest: ['c', 'd'],
    },
    {
      name: 'counts only taken items towards maxBatch',
      queue: [item('a'), item('a'), item('b')],
      maxBatch: 2,
      batch: ['a', 'b'],
      rest: ['a'],
    },
    { name: 'returns nothing from an empty queue', queue: [], batch: [], rest: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { batch, rest } = takeBatch(c.queue, { keyOf, groupOf, maxBatch: c.maxBatch });
      assert.deepEqual({ batch: keysOf(batch), rest: keysOf(rest) }, { batch: c.batch, rest: c.rest });
    });
  }

  it('puts every item in one batch when no group is given, whatever its window', () => {
    const { batch, rest } = takeBatch([item('a', 1500), item('b', 900)], { keyOf });
    assert.deepEqual([keysOf(batch), keysOf(rest)], [['a', 'b'], []]);
  });
});

describe('GroupCommitQueue', () => {
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setImmediate'] });
  });
  afterEach(() => clock.restore());

  function queueWith(commit: CommitBatch<Item, string>, options: { maxBatch?: number; maxWriters?: number } = {}) {
    return new GroupCommitQueue<Item, string>({ commit, keyOf, groupOf, ...options });
  }

  it('commits the items added in one turn as one batch, in arrival order, on the next turn', async () => {
    const commit = sinon.stub<[readonly Item[]], Array<Outcome<string>>>().callsFake((batch) => batch.map(ok));
    const queue = queueWith(commit);
    const results = Promise.all(['a', 'b', 'c'].map((k) => queue.add(item(k))));
    await Promise.resolve();
    assert.equal(commit.callCount, 0, 'nothing is written in the turn the items arrive');
    await clock.runAllAsync();
    assert.equal(commit.callCount, 1);
    assert.deepEqual(keysOf(commit.firstCall.args[0]), ['a', 'b', 'c']);
    assert.deepEqual(await results, ['stored a', 'stored b', 'stored c']);
  });

  it('commits items of a later turn in a batch of their own', async () => {
    const commit = sinon.stub<[readonly Item[]], Array<Outcome<string>>>().callsFake((batch) => batch.map(ok));
    const queue = queueWith(commit);
    const first = queue.add(item('a'));
    await clock.runAllAsync();
    const second = queue.add(item('b'));
    await clock.runAllAsync();
    assert.deepEqual(
      commit.getCalls().map((c) => keysOf(c.args[0])),
      [['a'], ['b']],
    );
    assert.deepEqual(await Promise.all([first, second]), ['stored a', 'stored b']);
  });

  it('writes a repeated key in the next batch, after the first send is committed', async () => {
    const commit = sinon.stub<[readonly Item[]], Array<Outcome<string>>>().callsFake((batch) => batch.map(ok));
    const queue = queueWith(commit);
    const results = Promise.all([queue.add(item('a')), queue.add(item('b')), queue.add(item('a'))]);
    await clock.runAllAsync();
    assert.deepEqual(
      commit.getCalls().map((c) => keysOf(c.args[0])),
      [['a', 'b'], ['a']],
    );
    assert.deepEqual(await results, ['stored a', 'stored b', 'stored a']);
  });

  it('answers each caller with its own outcome, and rejects only the report that failed', async () => {
    const broken = new Error('report b broke a constraint');
    const commit = sinon
      .stub<[readonly Item[]], Array<Outcome<string>>>()
      .callsFake((batch) => batch.map((i) => (i.key === 'b' ? { ok: false, error: broken } : ok(i))));
    const queue = queueWith(commit);
    const settled = Promise.allSettled(['a', 'b', 'c'].map((k) => queue.add(item(k))));
    await clock.runAllAsync();
    assert.equal(commit.callCount, 1);
    assert.deepEqual(await settled, [
      { status: 'fulfilled', value: 'stored a' },
      { status: 'rejected', reason: broken },
      { status: 'fulfilled', value: 'stored c' },
    ]);
  });

  it("answers nobody before the store's commit has returned", async () => {
    const commit = deferred<Array<Outcome<string>>>();
    const queue = queueWith(() => commit.promise);
    const state = watch(queue.add(item('a')));
    await clock.runAllAsync();
    assert.deepEqual(state(), { status: 'pending' });
    commit.resolve([ok(item('a'))]);
    await clock.runAllAsync();
    assert.deepEqual(state(), { status: 'fulfilled', value: 'stored a' });
  });

  for (const how of ['rejects', 'throws synchronously'] as const) {
    it(`rejects every caller of a batch with the store's error when its commit ${how}, and writes the next batch`, async () => {
      const lost = new Error('connection terminated during COMMIT');
      let calls = 0;
      const commit: CommitBatch<Item, string> = (batch) => {
        calls += 1;
        if (calls > 1) return batch.map(ok);
        if (how === 'throws synchronously') throw lost;
        return Promise.reject(lost);
      };
      const queue = queueWith(commit);
      const settled = Promise.allSettled(['a', 'b', 'c'].map((k) => queue.add(item(k))));
      await clock.runAllAsync();
      assert.deepEqual(
        await settled,
        ['a', 'b', 'c'].map(() => ({ status: 'rejected', reason: lost })),
      );
      const next = queue.add(item('d'));
      await clock.runAllAsync();
      assert.equal(await next, 'stored d');
    });
  }

  it('rejects a caller the store gave no outcome for, and answers the others', async () => {
    const queue = queueWith((batch) => batch.slice(0, 1).map(ok));
    const settled = Promise.allSettled([queue.add(item('a')), queue.add(item('b'))]);
    await clock.runAllAsync();
    const [a, b] = await settled;
    assert.deepEqual(a, { status: 'fulfilled', value: 'stored a' });
    assert.equal(b?.status, 'rejected');
    assert.match(String((b as PromiseRejectedResult).reason), /no outcome/);
  });

  it('splits what is queued into batches of at most maxBatch', async () => {
    const commit = sinon.stub<[readonly Item[]], Array<Outcome<string>>>().callsFake((batch) => batch.map(ok));
    const queue = queueWith(commit, { maxBatch: 2 });
    const results = Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => queue.add(item(k))));
    await clock.runAllAsync();
    assert.deepEqual(
      commit.getCalls().map((c) => keysOf(c.args[0])),
      [['a', 'b'], ['c', 'd'], ['e']],
    );
    assert.equal((await results).length, 5);
  });

  it('writes one batch at a time by default: items arriving meanwhile wait for the running one', async () => {
    const commits = [deferred<Array<Outcome<string>>>(), deferred<Array<Outcome<string>>>()];
    const commit = sinon.stub<[readonly Item[]], Promise<Array<Outcome<string>>>>();
    commit.onFirstCall().returns(commits[0]!.promise).onSecondCall().returns(commits[1]!.promise);
    const queue = queueWith(commit);
    const a = queue.add(item('a'));
    await clock.runAllAsync();
    const b = queue.add(item('b'));
    const c = queue.add(item('c'));
    await clock.runAllAsync();
    assert.equal(commit.callCount, 1, 'the second batch waits while the first is being written');
    commits[0]!.resolve([ok(item('a'))]);
    await clock.runAllAsync();
    assert.equal(commit.callCount, 2);
    assert.deepEqual(keysOf(commit.secondCall.args[0]), ['b', 'c'], 'what arrived meanwhile forms one batch');
    commits[1]!.resolve([ok(item('b')), ok(item('c'))]);
    assert.deepEqual(await Promise.all([a, b, c]), ['stored a', 'stored b', 'stored c']);
  });

  it('writes up to maxWriters batches at the same time, and no more', async () => {
    const open: Array<ReturnType<typeof deferred<Array<Outcome<string>>>>> = [];
    const commit = sinon.stub<[readonly Item[]], Promise<Array<Outcome<string>>>>().callsFake(() => {
      const d = deferred<Array<Outcome<string>>>();
      open.push(d);
      return d.promise;
    });
    const queue = queueWith(commit, { maxWriters: 2 });
    const a = queue.add(item('a'));
    await clock.runAllAsync();
    // A second writer starts when the queue fills again while the first one is writing.
    const bc = Promise.all([queue.add(item('b')), queue.add(item('c'))]);
    await clock.runAllAsync();
    assert.deepEqual(
      commit.getCalls().map((c) => keysOf(c.args[0])),
      [['a'], ['b', 'c']],
      'two batches in flight',
    );
    const d = queue.add(item('d'));
    await clock.runAllAsync();
    assert.equal(commit.callCount, 2, 'a third batch waits for a free writer');
    open[0]!.resolve([ok(item('a'))]);
    await clock.runAllAsync();
    assert.deepEqual(
      commit.getCalls().map((c) => keysOf(c.args[0])),
      [['a'], ['b', 'c'], ['d']],
      'the freed writer takes it',
    );
    open[1]!.resolve([ok(item('b')), ok(item('c'))]);
    open[2]!.resolve([ok(item('d'))]);
    assert.deepEqual(await Promise.all([a, bc, d]), ['stored a', ['stored b', 'stored c'], 'stored d']);
  });

  it('drain resolves only once every queued item is committed and answered', async () => {
    const commit = sinon.stub<[readonly Item[]], Array<Outcome<string>>>().callsFake((batch) => batch.map(ok));
    const queue = queueWith(commit, { maxBatch: 1 });
    const answered = watch(Promise.all([queue.add(item('a')), queue.add(item('b'))]));
    const drained = watch(queue.drain());
    await Promise.resolve();
    assert.deepEqual(drained(), { status: 'pending' });
    await clock.runAllAsync();
    assert.equal(drained().status, 'fulfilled');
    assert.equal(commit.callCount, 2);
    assert.equal(queue.size, 0);
    assert.equal(answered().status, 'fulfilled');
  });

  it('drain waits also for a batch another writer started while it was waiting', async () => {
    const open: Array<ReturnType<typeof deferred<Array<Outcome<string>>>>> = [];
    const commit: CommitBatch<Item, string> = () => {
      const d = deferred<Array<Outcome<string>>>();
      open.push(d);
      return d.promise;
    };
    const queue = queueWith(commit, { maxWriters: 2 });
    const answered = Promise.all([queue.add(item('a'))]);
    const drained = watch(queue.drain());
    await clock.runAllAsync();
    const b = watch(queue.add(item('b')));
    await clock.runAllAsync();
    assert.equal(open.length, 2, 'b is being written by a second writer');
    open[0]!.resolve([ok(item('a'))]);
    await clock.runAllAsync();
    assert.deepEqual(drained(), { status: 'pending' }, 'b is not committed yet');
    open[1]!.resolve([ok(item('b'))]);
    await clock.runAllAsync();
    assert.deepEqual([drained().status, b().status], ['fulfilled', 'fulfilled']);
    assert.deepEqual(await answered, ['stored a']);
  });

  // A caller's continuation may queue the next report a few promise jobs after its answer,
  // just as the writer is finishing; whenever it lands, it must be written without a further
  // arrival to wake the queue.
  for (const hops of [0, 1, 2, 3, 4, 5, 6]) {
    it(`writes an item queued ${hops} promise jobs after an answer, while the writer finishes`, async () => {
      const commit = sinon.stub<[readonly Item[]], Array<Outcome<string>>>().callsFake((batch) => batch.map(ok));
      const queue = queueWith(commit);
      let chain: Promise<unknown> = queue.add(item('a'));
      for (let i = 0; i < hops; i++) chain = chain.then(() => undefined);
      const b = chain.then(() => queue.add(item('b')));
      await clock.runAllAsync();
      const state = watch(b);
      await clock.runAllAsync();
      assert.deepEqual(state(), { status: 'fulfilled', value: 'stored b' });
    });
  }

  it('drain resolves at once when nothing is queued', async () => {
    const queue = queueWith((batch) => batch.map(ok));
    const drained = watch(queue.drain());
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(drained().status, 'fulfilled');
  });

  it('refuses a batch size or writer count below one', () => {
    assert.throws(() => queueWith((b) => b.map(ok), { maxBatch: 0 }), RangeError);
    assert.throws(() => queueWith((b) => b.map(ok), { maxWriters: 0 }), RangeError);
  });
});
