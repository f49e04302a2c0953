/**
 * Backfill's reading of Azure DevOps, against the stand-in's Builds - List, which pages as the
 * real route does: `x-ms-continuationtoken` answer header, `continuationToken` query parameter,
 * pages shorter than `$top` that are not the last (MicrosoftDocs/vsts-rest-api-specs,
 * specification/build/7.1/build.json, "Builds - List").
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { REPORT_ATTACHMENT_TYPE } from '../../common/report';
import { createAzureDevOpsSource, PAGE_SIZE } from '../../service/src/backfill/azureDevOpsSource';
import { runBackfill } from '../../service/src/backfill/backfill';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { AzureDevOpsOrganization } from '../e2e/support/azureDevOpsBuilds';
import { makeReport, PROJECT_ID } from '../service/support/reports';

const ORGANIZATION_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const PAT = `pat-${randomUUID()}`;
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0, 0);

describe('Backfill reads Azure DevOps builds page by page', () => {
  let standIn: AzureDevOpsStandIn;
  let org: AzureDevOpsOrganization;

  beforeEach(async () => {
    standIn = await AzureDevOpsStandIn.start();
    org = await AzureDevOpsOrganization.attach(standIn, ORGANIZATION_ID, PAT);
  });
  afterEach(async () => {
    await standIn.close();
    await org.close();
  });

  function addBuild(id: number, finishedMs: number | undefined, startedMs = finishedMs ?? T0): void {
    org.builds.set(id, {
      id,
      buildNumber: `20261128.${id}`,
      projectId: PROJECT_ID,
      projectName: 'Shop',
      startTime: new Date(startedMs),
      ...(finishedMs === undefined ? {} : { finishTime: new Date(finishedMs) }),
    });
  }

  function attachReport(buildId: number): void {
    const report = makeReport({ pipeline: { organizationUrl: standIn.url, runId: buildId, jobId: randomUUID() } });
    org.attachments.push({
      buildId,
      timelineId: randomUUID(),
      recordId: randomUUID(),
      type: REPORT_ATTACHMENT_TYPE,
      name: `containerMapping-${report.pipeline.jobId}-1.json`,
      content: Buffer.from(JSON.stringify(report)),
    });
  }

  const source = () => createAzureDevOpsSource({ organizationUrl: standIn.url, project: 'Shop', token: PAT });

  it('follows the continuation token across three short pages and collects a report on the last one', async () => {
    org.pageLimit = 2; // every page is far shorter than the $top asked for, yet only the last one is the end
    for (let i = 0; i < 6; i++) addBuild(100 + i, T0 + i * 60_000);
    attachReport(105);
    const ingested: number[] = [];
    const summary = await runBackfill({
      source: await source(),
      project: 'Shop',
      since: new Date(T0 - 3_600_000),
      ingest: async (principal) => {
        ingested.push(principal.run.id);
        return { status: 'created' };
      },
    });
    assert.deepEqual(summary.rejected, []);
    assert.equal(summary.runsScanned, 6);
    assert.deepEqual(ingested, [105]);

    const lists = standIn.requestsTo('builds');
    assert.equal(lists.length, 3);
    assert.equal(lists[0]?.query.continuationToken, undefined);
    assert.ok(lists[1]?.query.continuationToken, "the second request sends the first answer's token");
    assert.ok(lists[2]?.query.continuationToken);
    assert.notEqual(lists[1]?.query.continuationToken, lists[2]?.query.continuationToken);
    for (const list of lists) {
      assert.equal(list.query.statusFilter, 'completed');
      assert.equal(list.query.queryOrder, 'finishTimeAscending');
      assert.equal(list.query.$top, String(PAGE_SIZE));
    }
  });

  it('lists each build with what it says of itself: project, pipeline, repository, commit and branch', async () => {
    const repository = {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      type: 'TfsGit',
      name: 'web-api',
      url: 'https://dev.azure.com/contoso/Shop/_git/web-api',
    };
    org.builds.set(400, {
      id: 400,
      buildNumber: '20261128.400',
      projectId: PROJECT_ID,
      projectName: 'Shop',
      definitionId: 7,
      definitionName: 'web-api CI',
      repository,
      sourceVersion: '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c',
      sourceBranch: 'refs/heads/main',
      startTime: new Date(T0),
      finishTime: new Date(T0 + 60_000),
    });
    addBuild(401, T0 + 120_000);
    const runs = [];
    for await (const run of (await source()).listRuns(new Date(T0 - 1))) runs.push(run);
    assert.deepEqual(runs[0], {
      id: 400,
      number: '20261128.400',
      time: new Date(T0 + 60_000),
      projectId: PROJECT_ID,
      projectName: 'Shop',
      definitionId: 7,
      definitionName: 'web-api CI',
      repository: { id: repository.id, name: repository.name, url: repository.url },
      sourceVersion: '4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c',
      sourceBranch: 'refs/heads/main',
    });
    assert.deepEqual(
      runs[1],
      { id: 401, number: '20261128.401', time: new Date(T0 + 120_000), projectId: PROJECT_ID, projectName: 'Shop' },
      'what a build does not say is left out',
    );
  });

  it('keeps the milliseconds of the start time in minTime', async () => {
    addBuild(200, T0 + 200);
    addBuild(201, T0 + 700);
    const runs: number[] = [];
    for await (const run of (await source()).listRuns(new Date(T0 + 500))) runs.push(run.id);
    assert.deepEqual(runs, [201]);
    assert.equal(standIn.requestsTo('builds')[0]?.query.minTime, new Date(T0 + 500).toISOString());
  });

  it('lists finished builds only, oldest finish first, with their finish times', async () => {
    addBuild(301, T0 + 120_000);
    addBuild(300, T0 + 60_000);
    addBuild(302, undefined, T0);
    const runs: Array<[number, string]> = [];
    for await (const run of (await source()).listRuns(new Date(T0 - 1))) runs.push([run.id, run.time.toISOString()]);
    assert.deepEqual(runs, [
      [300, new Date(T0 + 60_000).toISOString()],
      [301, new Date(T0 + 120_000).toISOString()],
    ]);
  });
});
