/**
 * Claims (migration 010) on SQLite and PostgreSQL: the lease instances sharing a database take before filing a
 * remediation work item, and what a filing does when another request holds it.
 */
import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { FiledWorkItem, WorkItemBoard } from '../../service/src/remediation/boards';
import { filingClaimKey, filingsInProgress, remediate } from '../../service/src/remediation/remediate';
import { ProblemError } from '../../service/src/errors';
import type { Store } from '../../service/src/store/store';
import { DATABASES, type TestDatabase } from './support/stores';
import { WEB } from './support/explorerSeed';
import { seedRemediation } from './support/remediation';

const ORGANIZATION = 'https://dev.azure.com/contoso/';

for (const kind of DATABASES) {
  describe(`Claims on ${kind.name}`, () => {
    let db: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      db = await kind.create();
      store = await db.open();
    });
    afterEach(async () => db.destroy());

    it('gives a claim to one holder until it is given back or lapses', async () => {
      assert.equal(await store.takeClaim('k', 'a', 1_000, 61_000), true, 'free: taken');
      assert.equal(await store.takeClaim('k', 'b', 2_000, 62_000), false, 'held by a: refused');
      assert.equal(await store.takeClaim('other', 'b', 2_000, 62_000), true, 'another key is another claim');
      await store.releaseClaim('k', 'b');
      assert.equal(await store.takeClaim('k', 'b', 3_000, 63_000), false, 'b cannot give back what a holds');
      await store.releaseClaim('k', 'a');
      assert.equal(await store.takeClaim('k', 'b', 4_000, 64_000), true, 'given back: free again');
      assert.equal(await store.takeClaim('k', 'a', 64_000, 124_000), true, "b's claim lapsed at 64000: a takes it");
      await store.releaseClaim('k', 'b');
      assert.equal(await store.takeClaim('k', 'c', 65_000, 125_000), false, "b's late give-back left a's claim alone");
    });

    it('keeps a claim for a second store on the same database (another instance) as for the first', async () => {
      const second = await db.open();
      try {
        assert.equal(await store.takeClaim('k', 'a', 1_000, 61_000), true);
        assert.equal(await second.takeClaim('k', 'b', 2_000, 62_000), false);
        await store.releaseClaim('k', 'a');
        assert.equal(await second.takeClaim('k', 'b', 3_000, 63_000), true);
      } finally {
        await second.close();
      }
    });

    it('answers 503 remediation-busy with Retry-After when another request holds the filing past the wait, and files nothing', async () => {
      await seedRemediation(store, ORGANIZATION);
      const board: WorkItemBoard = {
        findOpen: sinon.stub<[string, string], Promise<FiledWorkItem | null>>().resolves(null),
        create: sinon.stub<Parameters<WorkItemBoard['create']>, Promise<FiledWorkItem>>().rejects(new Error('must not be called')),
      };
      const deps = {
        store,
        organizations: [{ organizationUrl: ORGANIZATION, pat: 'pat' }],
        openBoard: () => Promise.resolve(board),
        inProgress: filingsInProgress(),
        claimWaitMs: 300,
      };
      // What a dry run plans names the key; another instance holds its claim for a minute.
      const planned = await remediate(deps, { digest: WEB, minSeverity: 'high', dryRun: true });
      const keyTag = planned.workItems[0]?.keyTag ?? '';
      assert.equal(await store.takeClaim(filingClaimKey(ORGANIZATION, keyTag), 'another-instance', Date.now(), Date.now() + 60_000), true);

      await assert.rejects(remediate(deps, { digest: WEB, minSeverity: 'high' }), (err: unknown) => {
        assert.ok(err instanceof ProblemError, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.reason, 'remediation-busy');
        assert.equal(err.retryAfterSeconds, 5);
        assert.match(err.detail, /another request .* has been filing this work item/);
        return true;
      });
      assert.equal((board.create as sinon.SinonStub).callCount, 0);
    });
  });
}
