import { strict as assert } from 'node:assert';
import { computeIdempotencyKey } from '../../common/idempotency';
import type { Report } from '../../common/report';
import type { ReportAttachment, ReportAttachmentSource, RunRef } from '../../service/src/backfill/attachmentSource';
import { parseAttachmentHref } from '../../service/src/backfill/azureDevOpsSource';
import { runBackfill, type IngestResult, type ParsedReport } from '../../service/src/backfill/backfill';

const ORG = 'https://dev.azure.com/contoso/';
const PROJECT = '0d3f2a7e-0000-4000-8000-000000000001';

function report(runId: number, overrides: Partial<Report['pipeline']> = {}): Report {
  const pipeline: Report['pipeline'] = {
    organizationUrl: ORG, projectId: PROJECT, projectName: 'web', hub: 'build', definitionId: 7,
    definitionName: 'web-api', runId, runNumber: `20261128.${runId}`, jobId: 'job-1', jobAttempt: 1, ...overrides,
  };
  return {
    schemaVersion: 1,
    idempotencyKey: computeIdempotencyKey(pipeline),
    collector: { name: 'test', version: '1.0.0' },
    pipeline,
    source: {},
    agent: {},
    window: { since: '2026-11-28T10:00:00.000Z', until: '2026-11-28T10:05:00.000Z', sinceSource: 'timeline' },
    images: [],
    warnings: [],
  };
}

/** An in-memory list of runs and attachments: the orchestrator's input, nothing more. */
function sourceOf(runs: Array<{ run: RunRef; attachments: Array<{ name: string; text: string }> }>): ReportAttachmentSource {
  return {
    organizationUrl: ORG,
    async *listRuns(since: Date) {
      for (const r of runs) if (r.run.time >= since) yield r.run;
    },
    async *listReports(run: RunRef): AsyncIterable<ReportAttachment> {
      for (const a of runs.find((r) => r.run.id === run.id)?.attachments ?? []) yield { run, ...a };
    },
  };
}

const parse = (text: string): ParsedReport => {
  try {
    return { ok: true, report: JSON.parse(text) as Report };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
};

const run = (id: number, minute: number): RunRef => ({
  id, projectId: PROJECT, number: `20261128.${id}`, time: new Date(Date.UTC(2026, 10, 28, 10, minute)),
});

describe('runBackfill', () => {
  it('ingests every valid report attached to runs since the given time', async () => {
    const ingested: number[] = [];
    const summary = await runBackfill({
      source: sourceOf([
        { run: run(11, 0), attachments: [{ name: 'a.json', text: JSON.stringify(report(11)) }] },
        { run: run(12, 5), attachments: [{ name: 'b.json', text: JSON.stringify(report(12)) }] },
        { run: run(13, 9), attachments: [] },
      ]),
      since: new Date(Date.UTC(2026, 10, 28, 10, 1)),
      parse,
      ingest: async (r): Promise<IngestResult> => {
        ingested.push(r.pipeline.runId);
        return 'created';
      },
    });
    assert.deepEqual(ingested, [12]);
    assert.equal(summary.runsScanned, 2);
    assert.equal(summary.reportsFound, 1);
    assert.equal(summary.created, 1);
    assert.deepEqual(summary.latestRunTime, run(13, 9).time);
  });

  const forged: Array<[string, Report, RegExp]> = [
    ['another run', report(99), /names run 99/],
    ['another organisation', report(12, { organizationUrl: 'https://dev.azure.com/fabrikam/' }), /organisation/],
    ['another project', report(12, { projectId: 'ffffffff-0000-4000-8000-000000000009' }), /project/],
    ['a release', report(12, { hub: 'release' }), /hub "release"/],
  ];
  for (const [what, body, reason] of forged) {
    it(`refuses a report attached to run 12 that speaks for ${what}`, async () => {
      let calls = 0;
      const summary = await runBackfill({
        source: sourceOf([{ run: run(12, 5), attachments: [{ name: 'x.json', text: JSON.stringify(body) }] }]),
        since: new Date(0),
        parse,
        ingest: async () => {
          calls++;
          return 'created';
        },
      });
      assert.equal(calls, 0);
      assert.equal(summary.rejected.length, 1);
      assert.match(summary.rejected[0]?.reason ?? '', reason);
    });
  }

  it('reports an attachment that is not a valid report and goes on with the next', async () => {
    const lines: string[] = [];
    const summary = await runBackfill({
      source: sourceOf([
        { run: run(12, 5), attachments: [{ name: 'bad.json', text: '{nope' }, { name: 'ok.json', text: JSON.stringify(report(12)) }] },
      ]),
      since: new Date(0),
      parse,
      ingest: async () => 'unchanged',
      log: (l) => lines.push(l),
    });
    assert.equal(summary.unchanged, 1);
    assert.equal(summary.rejected[0]?.name, 'bad.json');
    assert.match(lines.join('\n'), /rejected bad\.json on run 20261128\.12/);
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
