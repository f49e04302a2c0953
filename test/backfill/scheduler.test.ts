import { strict as assert } from 'node:assert';
import type { ReportAttachmentSource, RunRef } from '../../service/src/backfill/attachmentSource';
import { startScheduledBackfill } from '../../service/src/backfill/scheduler';
import type { Store } from '../../service/src/store/store';
import { makeReport, ORG_URL, PROJECT_ID } from '../service/support/reports';
import { SQLITE } from '../service/support/stores';

/** Run 12 as the Builds API describes it: what makeReport's report names. */
const run: RunRef = {
  id: 12,
  projectId: PROJECT_ID,
  projectName: 'Shop',
  definitionId: 7,
  definitionName: 'web-api CI',
  number: '20260301.1',
  time: new Date('2026-03-01T10:02:00Z'),
};

/** One run with one attachment; counts how often it was asked, and from when. */
function oneRunSource(asked: Date[]): ReportAttachmentSource {
  return {
    organizationUrl: ORG_URL,
    async *listRuns(since: Date) {
      asked.push(since);
      yield run;
    },
    async *listReports(r: RunRef) {
      yield { run: r, name: 'report.json', text: JSON.stringify(makeReport()) };
    },
  };
}

describe('scheduled backfill', () => {
  let store: Store;
  let destroy: () => Promise<void>;
  beforeEach(async () => {
    const db = await SQLITE.create();
    store = await db.open();
    destroy = () => db.destroy();
  });
  afterEach(async () => destroy());

  const quietLog = (lines: string[]) => ({ info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) });

  it('ingests at once, then starts the next pass from the newest run seen, and changes nothing on the second pass', async () => {
    const asked: Date[] = [];
    const lines: string[] = [];
    const schedule = startScheduledBackfill({
      store,
      sources: [{ organizationUrl: ORG_URL, project: 'Shop' }],
      openSource: async () => oneRunSource(asked),
      intervalMs: 3_600_000,
      lookbackMs: 86_400_000,
      ambiguityWindowMs: 1500,
      log: quietLog(lines),
    });
    await schedule.runOnce();
    const first = await store.counts();
    await schedule.runOnce();
    await schedule.stop();
    assert.deepEqual(first, { reports: 1, pushes: 1 });
    assert.deepEqual(await store.counts(), first);
    assert.ok((asked[0]?.getTime() ?? 0) <= Date.now() - 86_400_000 + 5_000, 'the first pass looks back the configured time');
    assert.ok((asked[1]?.getTime() ?? 0) < run.time.getTime(), 'the next pass starts a little before the newest run seen');
    assert.match(lines.join('\n'), /1 new, 0 replaced, 0 unchanged/);
    assert.match(lines.join('\n'), /0 new, 0 replaced, 1 unchanged/);
  });

  it('logs a failing source and keeps the store as it was', async () => {
    const lines: string[] = [];
    const schedule = startScheduledBackfill({
      store,
      sources: [{ organizationUrl: ORG_URL, project: 'Shop' }],
      openSource: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      },
      intervalMs: 3_600_000,
      lookbackMs: 3_600_000,
      ambiguityWindowMs: 1500,
      log: quietLog(lines),
    });
    await schedule.runOnce();
    await schedule.stop();
    assert.match(lines.join('\n'), /warn backfill Shop failed, will retry at the next pass: connect ECONNREFUSED/);
    assert.deepEqual(await store.counts(), { reports: 0, pushes: 0 });
  });
});
