import { strict as assert } from 'node:assert';
import type { Report } from '../../common/report';
import type { ReportAttachment, ReportAttachmentSource, RunRef } from '../../service/src/backfill/attachmentSource';
import { parseAttachmentHref } from '../../service/src/backfill/azureDevOpsSource';
import { backfillInto, parseSince, runBackfill } from '../../service/src/backfill/backfill';
import type { AttachmentPrincipal } from '../../service/src/auth/principal';
import type { Store } from '../../service/src/store/store';
import { makeReport, ORG_URL, PROJECT_ID, type ReportOverrides } from '../service/support/reports';
import { SQLITE } from '../service/support/stores';

const REPOSITORY = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  name: 'web-api',
  url: 'https://dev.azure.com/contoso/Shop/_git/web-api',
};
const COMMIT = '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c';

/** Run `id` of pipeline 7 in contoso/Shop, as the Builds API describes it (what makeReport's reports name). */
function run(id: number, minute: number, overrides: Partial<RunRef> = {}): RunRef {
  return {
    id,
    projectId: PROJECT_ID,
    projectName: 'Shop',
    definitionId: 7,
    definitionName: 'web-api CI',
    repository: REPOSITORY,
    sourceVersion: COMMIT,
    sourceBranch: 'refs/heads/main',
    number: `20260301.${id}`,
    time: new Date(Date.UTC(2026, 2, 1, 10, minute)),
    ...overrides,
  };
}

/** A report of run `runId` (its idempotency key recomputed), as the task attaches it. */
function report(runId: number, overrides: ReportOverrides = {}): Report {
  return makeReport({ ...overrides, pipeline: { runId, ...overrides.pipeline } });
}

/** An in-memory list of runs and attachments: the orchestrator's input, nothing more. */
function sourceOf(runs: Array<{ run: RunRef; attachments: Array<{ name: string; text: string }> }>): ReportAttachmentSource {
  return {
    organizationUrl: ORG_URL,
    async *listRuns(since: Date) {
      for (const r of runs) if (r.run.time >= since) yield r.run;
    },
    async *listReports(r: RunRef): AsyncIterable<ReportAttachment> {
      for (const a of runs.find((x) => x.run.id === r.id)?.attachments ?? []) yield { run: r, ...a };
    },
  };
}

describe('runBackfill', () => {
  it('hands every report attached to runs since the given time to ingestion, as its build', async () => {
    const sent: Array<{ principal: AttachmentPrincipal; body: unknown }> = [];
    const summary = await runBackfill({
      source: sourceOf([
        { run: run(11, 0), attachments: [{ name: 'a.json', text: JSON.stringify(report(11)) }] },
        { run: run(12, 5), attachments: [{ name: 'b.json', text: JSON.stringify(report(12)) }] },
        { run: run(13, 9), attachments: [] },
      ]),
      project: 'Shop',
      since: new Date(Date.UTC(2026, 2, 1, 10, 1)),
      ingest: async (principal, body) => {
        sent.push({ principal, body });
        return { status: 'created' };
      },
    });
    assert.deepEqual(
      sent.map((s) => (s.body as Report).pipeline.runId),
      [12],
    );
    const { number: _n, time: _t, ...build } = run(12, 5);
    assert.deepEqual(sent[0]?.principal, { kind: 'attachment', organizationUrl: ORG_URL, project: 'Shop', run: build });
    assert.equal(summary.runsScanned, 2);
    assert.equal(summary.reportsFound, 1);
    assert.equal(summary.created, 1);
    assert.deepEqual(summary.latestRunTime, run(13, 9).time);
  });

  it('ends the backfill when ingestion fails for another reason than the report (the store is down)', async () => {
    await assert.rejects(
      runBackfill({
        source: sourceOf([{ run: run(12, 5), attachments: [{ name: 'b.json', text: JSON.stringify(report(12)) }] }]),
        project: 'Shop',
        since: new Date(0),
        ingest: async () => {
          throw new Error('the store is closed');
        },
      }),
      /the store is closed/,
    );
  });
});

describe('backfill through the ingestion path', () => {
  let store: Store;
  let destroy: () => Promise<void>;
  beforeEach(async () => {
    const db = await SQLITE.create();
    store = await db.open();
    destroy = () => db.destroy();
  });
  afterEach(async () => destroy());

  const backfill = (runs: Parameters<typeof sourceOf>[0], log?: (line: string) => void) =>
    backfillInto(store, sourceOf(runs), new Date(0), { ambiguityWindowMs: 1500, project: 'Shop', ...(log ? { log } : {}) });

  it('stores a report attached to its own build, and changes nothing the second time', async () => {
    const runs = [{ run: run(12, 5), attachments: [{ name: 'r.json', text: JSON.stringify(report(12)) }] }];
    const first = await backfill(runs);
    const second = await backfill(runs);
    assert.deepEqual([first.created, first.rejected], [1, []]);
    assert.deepEqual([second.created, second.unchanged, second.rejected], [0, 1, []]);
    assert.deepEqual(await store.counts(), { reports: 1, pushes: 1 });
  });

  const forged: Array<[string, Report, RunRef, RegExp]> = [
    ['it speaks for another run', report(99), run(12, 5), /\/pipeline\/runId the attachment is filed under build 12/],
    [
      'it speaks for another organisation',
      report(12, { pipeline: { organizationUrl: 'https://dev.azure.com/fabrikam/' } }),
      run(12, 5),
      /\/pipeline\/organizationUrl/,
    ],
    [
      'it speaks for another project',
      report(12, { pipeline: { projectId: 'ffffffff-0000-4000-8000-000000000009' } }),
      run(12, 5),
      /\/pipeline\/projectId/,
    ],
    ['it speaks for a classic release', report(12, { pipeline: { hub: 'release' } }), run(12, 5), /\/pipeline\/hub/],
    [
      'it speaks for another pipeline',
      report(12, { pipeline: { definitionId: 8 } }),
      run(12, 5),
      /\/pipeline\/definitionId the attachment's build is a run of pipeline 7/,
    ],
    [
      'it speaks for another pipeline name',
      report(12, { pipeline: { definitionName: 'payments CI' } }),
      run(12, 5),
      /\/pipeline\/definitionName/,
    ],
    ['it speaks for another project name', report(12, { pipeline: { projectName: 'Payments' } }), run(12, 5), /\/pipeline\/projectName/],
    [
      'it speaks for another repository',
      report(12, { source: { id: 'ffffffff-0000-4000-8000-00000000000a' } }),
      run(12, 5),
      /\/source\/id does not match the repository\.id/,
    ],
    [
      'it speaks for another repository URL',
      report(12, { source: { url: 'https://dev.azure.com/contoso/Shop/_git/payments' } }),
      run(12, 5),
      /\/source\/url/,
    ],
    [
      'it speaks for another commit',
      report(12, { source: { commit: 'ffffffffffffffffffffffffffffffffffffffff' } }),
      run(12, 5),
      /\/source\/commit does not match the sourceVersion/,
    ],
    ['it speaks for another branch', report(12, { source: { branch: 'refs/heads/release' } }), run(12, 5), /\/source\/branch/],
    [
      'its build does not say its pipeline',
      report(12),
      run(12, 5, { definitionId: undefined }),
      /\/pipeline\/definitionId the build the attachment is filed under does not say its pipeline/,
    ],
    ['its build does not say its project', report(12), run(12, 5, { projectId: undefined }), /\/pipeline\/projectId/],
  ];
  for (const [what, body, build, reason] of forged) {
    it(`refuses a report attached to run 12 when ${what}, and stores nothing`, async () => {
      const lines: string[] = [];
      const summary = await backfill([{ run: build, attachments: [{ name: 'x.json', text: JSON.stringify(body) }] }], (l) => lines.push(l));
      assert.equal(summary.created + summary.replaced + summary.unchanged, 0);
      assert.equal(summary.rejected.length, 1);
      assert.match(summary.rejected[0]?.reason ?? '', reason);
      assert.match(lines.join('\n'), /rejected x\.json on run 20260301\.12 \(12\)/);
      assert.deepEqual(await store.counts(), { reports: 0, pushes: 0 });
    });
  }

  it('compares as the token rule does: case, user info and short branch names do not matter', async () => {
    const body = report(12, {
      pipeline: { projectName: 'shop', definitionName: 'WEB-API ci' },
      source: { url: 'https://contoso@dev.azure.com/contoso/Shop/_git/web-api/', commit: COMMIT.toUpperCase(), branch: 'main' },
    });
    const summary = await backfill([{ run: run(12, 5), attachments: [{ name: 'r.json', text: JSON.stringify(body) }] }]);
    assert.deepEqual([summary.created, summary.rejected], [1, []]);
  });

  it('fills the repository fields a report leaves out from its build, as the token rule fills them from the token', async () => {
    const body = report(12, { source: { id: undefined, url: undefined, commit: undefined, branch: undefined } });
    const summary = await backfill([{ run: run(12, 5), attachments: [{ name: 'r.json', text: JSON.stringify(body) }] }]);
    assert.equal(summary.created, 1);
    const push = (await store.listPushes({ runId: 12 }, { limit: 10 })).items[0];
    assert.deepEqual(
      [push?.sourceRepository.id, push?.sourceRepository.url, push?.commit, push?.branch],
      [REPOSITORY.id, REPOSITORY.url, COMMIT, 'refs/heads/main'],
    );
  });

  it('vouches for the names its build gives, and for no name the build leaves out', async () => {
    const named = run(12, 5);
    const unnamed = run(13, 6, { projectName: undefined, definitionName: undefined, repository: { id: REPOSITORY.id } });
    const summary = await backfill([
      { run: named, attachments: [{ name: 'a.json', text: JSON.stringify(report(12)) }] },
      { run: unnamed, attachments: [{ name: 'b.json', text: JSON.stringify(report(13)) }] },
    ]);
    assert.deepEqual([summary.created, summary.rejected], [2, []]);
    const runsMatching = async (filter: Parameters<Store['listPushes']>[0]) =>
      (await store.listPushes(filter, { limit: 10 })).items.map((p) => p.run.id).sort();
    assert.deepEqual(await runsMatching({ pipeline: 'web-api CI' }), [12]);
    assert.deepEqual(await runsMatching({ project: 'Shop' }), [12]);
    assert.deepEqual(await runsMatching({ sourceRepository: 'web-api' }), [12]);
    assert.deepEqual(await runsMatching({ pipeline: '7' }), [12, 13], "the ids are the build's, so both match by id");
  });

  it("rejects an attachment that is not a valid report with the validation's reason, and goes on with the next", async () => {
    const invalid = { ...report(12), schemaVersion: 99 };
    const summary = await backfill([
      {
        run: run(12, 5),
        attachments: [
          { name: 'bad.json', text: '{nope' },
          { name: 'invalid.json', text: JSON.stringify(invalid) },
          { name: 'ok.json', text: JSON.stringify(report(12)) },
        ],
      },
    ]);
    assert.equal(summary.created, 1);
    assert.deepEqual(
      summary.rejected.map((r) => r.name),
      ['bad.json', 'invalid.json'],
    );
    assert.match(summary.rejected[0]?.reason ?? '', /^not JSON/);
    assert.match(summary.rejected[1]?.reason ?? '', /schemaVersion/);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  it('reads a look-back in minutes, hours or days', () => {
    assert.equal(parseSince('90m', now)?.toISOString(), '2026-03-01T10:30:00.000Z');
    assert.equal(parseSince('36h', now)?.toISOString(), '2026-02-28T00:00:00.000Z');
    assert.equal(parseSince('7d', now)?.toISOString(), '2026-02-22T12:00:00.000Z');
  });
  it('reads an ISO 8601 time, and nothing else', () => {
    assert.equal(parseSince('2026-02-01T08:00:00Z', now)?.toISOString(), '2026-02-01T08:00:00.000Z');
    assert.equal(parseSince('yesterday', now), undefined);
    assert.equal(parseSince('12', now), undefined);
  });
});

describe('parseAttachmentHref', () => {
  it('finds the timeline and record ids in an attachment link', () => {
    const t = '8baac422-4c6e-4de5-8532-db96d92acffa';
    const r = '12f1170f-54f2-53f3-20dd-22fc7dff55f9';
    assert.deepEqual(
      parseAttachmentHref(`https://dev.azure.com/contoso/web/_apis/build/builds/12/${t}/${r}/attachments/containerMappingReport/a.json`),
      { timelineId: t, recordId: r },
    );
  });
  it('returns undefined for a link of another shape', () => {
    assert.equal(parseAttachmentHref('https://dev.azure.com/contoso/web/_apis/build/builds/12/attachments/x'), undefined);
  });
});
