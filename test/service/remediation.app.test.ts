/**
 * `POST /api/v1/remediations` through the whole app on SQLite and PostgreSQL, against the Azure
 * DevOps stand-in with its work item endpoints (test/support/azureBoards.ts): one work item per
 * (source repository, digest), found again while it is open, a new one once it is closed; refusals
 * that file nothing; and the PAT in no answer and no log line.
 */
import assert from 'node:assert/strict';
import { buildApp } from '../../service/src/app';
import type { RemediationResult } from '../../service/src/remediation/remediate';
import { DATABASES } from './support/stores';
import { API, WEB } from './support/explorerSeed';
import { PAT, READ_ONLY_TOKEN, startRig, type RemediationRig } from './support/remediation';

for (const kind of DATABASES) {
  describe(`Filing remediation work items on ${kind.name}`, () => {
    let rig: RemediationRig;
    afterEach(async () => rig?.close());

    it('files one Bug in the project of the newest run, with the image, exposure, findings, run, pipeline, repository, commit and branch', async () => {
      rig = await startRig(kind);
      const got = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(got.statusCode, 201, got.body);
      const answer = got.json<RemediationResult>();
      assert.equal(answer.workItems.length, 1);
      const filed = answer.workItems[0];
      assert.ok(filed);
      assert.equal(filed.status, 'created');
      assert.equal(filed.project, 'Shop');
      assert.equal(filed.workItemType, 'Bug');
      assert.equal(filed.url, `${rig.standIn.url}Shop/_workitems/edit/${filed.id}`);
      assert.deepEqual([...rig.boards.items.keys()], [filed.id]);

      const item = rig.boards.items.get(filed.id ?? -1);
      assert.ok(item);
      assert.equal(item.project, 'Shop');
      assert.equal(item.fields['System.WorkItemType'], 'Bug');
      assert.match(String(item.fields['System.Title']), /^Fix vulnerable image .+ \(1 critical, 1 high\): internet-exposed in prod\/shop$/);
      assert.deepEqual(String(item.fields['System.Tags']).split('; '), ['container-mapping', filed.keyTag]);
      assert.match(filed.keyTag, /^cm-[0-9a-f]{24}$/);
      const html = String(item.fields['Microsoft.VSTS.TCM.ReproSteps']);
      assert.equal(item.fields['System.Description'], undefined, 'a Bug shows Repro Steps, so the body goes there');
      for (const expected of [
        WEB,
        'prod/shop Deployment/web',
        'Ingress',
        'LoadBalancer',
        'CVE-',
        `<a href="${rig.standIn.url}Shop/_build/results?buildId=13">20260301.2 (13)</a>`,
        `<a href="${rig.standIn.url}Shop/_build?definitionId=7">web-api CI</a>`,
        '<a href="https://dev.azure.com/contoso/Shop/_git/web-api">web-api</a>',
        '<a href="https://dev.azure.com/contoso/Shop/_git/web-api/commit/4f9c2a7d1e3b5a6c8d0e2f4a6b8c0d2e4f6a8b0c">',
        'branch: refs/heads/main',
        '20260301.1 (12)',
      ]) {
        assert.ok(html.includes(expected), `the body names ${expected}:\n${html}`);
      }
      assert.match(html, /→ \d[^<;]*/, 'findings name their fixed versions');
      assert.ok(!html.includes('contoso@'), 'user info of the repository URL is not copied');
      assert.deepEqual(item.relations, [
        {
          rel: 'Hyperlink',
          url: `${rig.standIn.url}Shop/_build/results?buildId=13`,
          attributes: { comment: 'the run that pushed the image' },
        },
      ]);

      const create = rig.standIn.requestsTo('workItemCreate');
      assert.equal(create.length, 1);
      assert.match(create[0]?.contentType ?? '', /^application\/json-patch\+json/);
      assert.equal(create[0]?.path.toLowerCase(), `/${rig.standIn.organization}/shop/_apis/wit/workitems/$bug`);
      assert.match(create[0]?.accept ?? '', /api-version=7\.1-preview\.3/);
    });

    it('answers the open work item again instead of filing a duplicate, while it is in any state but Completed or Removed', async () => {
      rig = await startRig(kind);
      const first = (await rig.file({ digest: WEB, minSeverity: 'high' })).json<RemediationResult>().workItems[0];
      assert.ok(first?.id);
      rig.boards.setState(first.id, 'Resolved');
      // A lower threshold or another narrowing is the same (repository, digest): still one work item.
      for (const body of [
        { digest: WEB, minSeverity: 'high' },
        { digest: WEB.toUpperCase().replace('SHA256', 'sha256'), minSeverity: 'low', cluster: 'prod' },
      ]) {
        const again = await rig.file(body);
        assert.equal(again.statusCode, 200, again.body);
        const item = again.json<RemediationResult>().workItems[0];
        assert.equal(item?.status, 'existing');
        assert.equal(item?.id, first.id);
        assert.equal(item?.url, first.url);
      }
      assert.equal(rig.boards.items.size, 1);
      assert.equal(rig.standIn.requestsTo('workItemCreate').length, 1);
      assert.ok(rig.standIn.requestsTo('wiql').every((r) => String((r.body as { query: string }).query).includes(first.keyTag)));
    });

    it('files one work item when two instances of the service sharing the database are asked at the same moment', async () => {
      rig = await startRig(kind);
      const other = await rig.anotherInstance();
      // Both instances' work item queries are answered together if both are made: without a claim both would find
      // nothing open and each would file one.
      rig.standIn.hold('wiql', { until: 2, atMostMs: 1500 });
      const answers = await Promise.all([rig.file({ digest: WEB, minSeverity: 'high' }), other.file({ digest: WEB, minSeverity: 'high' })]);
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 201], answers.map((a) => a.body).join('\n'));
      const items = answers.map((a) => a.json<RemediationResult>().workItems[0]);
      assert.deepEqual(items.map((i) => i?.status).sort(), ['created', 'existing']);
      assert.equal(rig.boards.items.size, 1, 'one work item in Azure Boards');
      assert.equal(items[0]?.id, items[1]?.id, 'both answer the same work item');
      assert.equal(rig.standIn.requestsTo('workItemCreate').length, 1);
    });

    it('files a new work item once the previous one is closed or removed', async () => {
      rig = await startRig(kind);
      const first = (await rig.file({ digest: WEB, minSeverity: 'high' })).json<RemediationResult>().workItems[0];
      assert.ok(first?.id);
      rig.boards.setState(first.id, 'Closed');
      const second = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(second.statusCode, 201, second.body);
      const secondItem = second.json<RemediationResult>().workItems[0];
      assert.notEqual(secondItem?.id, first.id);
      rig.boards.setState(secondItem?.id ?? -1, 'Removed');
      const third = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(third.statusCode, 201, third.body);
      assert.equal(rig.boards.items.size, 3);
      const fourth = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(fourth.json<RemediationResult>().workItems[0]?.id, third.json<RemediationResult>().workItems[0]?.id);
    });

    it('files nothing in a dry run, and says what it would file or which item exists', async () => {
      rig = await startRig(kind);
      const dry = await rig.file({ digest: WEB, minSeverity: 'high', dryRun: true });
      assert.equal(dry.statusCode, 200, dry.body);
      const planned = dry.json<RemediationResult>().workItems[0];
      assert.equal(planned?.status, 'planned');
      assert.equal(planned?.id, null);
      assert.match(planned?.title ?? '', /^Fix vulnerable image /);
      assert.equal(rig.boards.items.size, 0);
      assert.equal(rig.standIn.requestsTo('workItemCreate').length, 0);
      const filed = (await rig.file({ digest: WEB, minSeverity: 'high' })).json<RemediationResult>().workItems[0];
      const dryAgain = (await rig.file({ digest: WEB, minSeverity: 'high', dryRun: true })).json<RemediationResult>().workItems[0];
      assert.equal(dryAgain?.status, 'existing');
      assert.equal(dryAgain?.id, filed?.id);
    });

    it('refuses an unmapped image with 422 "no owner" and asks Azure DevOps nothing', async () => {
      rig = await startRig(kind);
      const got = await rig.file({ digest: API, minSeverity: 'high' });
      assert.equal(got.statusCode, 422, got.body);
      assert.equal(got.headers['content-type'], 'application/problem+json; charset=utf-8');
      const problem = got.json<{ type: string; detail: string }>();
      assert.equal(problem.type, 'https://container-mapping.dev/problems/no-owner');
      assert.match(problem.detail, /unmapped: no pipeline run reported pushing it, so there is no owning team/);
      assert.equal(rig.standIn.requests.length, 0);
    });

    it('refuses an image that is not exposed and vulnerable at that severity with 404', async () => {
      rig = await startRig(kind);
      const got = await rig.file({ digest: WEB, minSeverity: 'high', cluster: 'staging' });
      assert.equal(got.statusCode, 404, got.body);
      assert.match(
        got.json<{ detail: string }>().detail,
        /runs in no internet-exposed workload in staging with findings at or above high: nothing to file/,
      );
      assert.equal(rig.standIn.requests.length, 0);
    });

    it('answers 502 naming the setting to fix when Azure DevOps refuses the PAT, files nothing, and never shows or logs the PAT', async () => {
      const wrongPat = 'wrong-pat-7h3k2l9q0w8e7r6t5y4u';
      rig = await startRig(kind, { configuredPat: wrongPat });
      const got = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(got.statusCode, 502, got.body);
      const problem = got.json<{ type: string; detail: string }>();
      assert.equal(problem.type, 'https://container-mapping.dev/problems/azure-devops-refused');
      assert.match(problem.detail, /refused the PAT of remediation\[0\] .*401.*"Work Items: Read & write".*nothing was filed/);
      assert.equal(rig.boards.items.size, 0);
      assert.ok(rig.standIn.requests.length > 0, 'Azure DevOps was asked');
      const basic = Buffer.from(`PAT:${wrongPat}`).toString('base64');
      for (const text of [got.body, rig.log()]) {
        assert.ok(!text.includes(wrongPat) && !text.includes(basic), 'the PAT appears in no answer and no log line');
      }
      assert.ok(rig.log().includes('request failed'), 'the 502 was logged (so the check above read real log lines)');
    });

    it('never shows or logs the PAT when filing succeeds either', async () => {
      rig = await startRig(kind);
      const got = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(got.statusCode, 201, got.body);
      assert.ok(rig.log().length > 0);
      for (const text of [got.body, rig.log()])
        assert.ok(!text.includes(PAT) && !text.includes(Buffer.from(`PAT:${PAT}`).toString('base64')));
    });

    it('answers 422 naming the setting when the organisation of the run is not configured', async () => {
      rig = await startRig(kind, { remediation: () => [{ organizationUrl: 'https://dev.azure.com/fabrikam', pat: PAT }] });
      const got = await rig.file({ digest: WEB, minSeverity: 'high' });
      assert.equal(got.statusCode, 422, got.body);
      const problem = got.json<{ type: string; detail: string }>();
      assert.equal(problem.type, 'https://container-mapping.dev/problems/remediation-not-configured');
      assert.ok(problem.detail.includes(`not configured to file work items in ${rig.standIn.url.replace(/\/$/, '')}`), problem.detail);
      assert.match(problem.detail, /"remediation" setting \(CM_REMEDIATION\)/);
      assert.equal(rig.standIn.requests.length, 0);
    });

    it('lets only remediate tokens file: no token is 401, a read token is 403, and a bad body is 400 naming the field', async () => {
      rig = await startRig(kind);
      const anonymous = await rig.app.inject({
        method: 'POST',
        url: '/api/v1/remediations',
        payload: { digest: WEB, minSeverity: 'high' },
      });
      assert.equal(anonymous.statusCode, 401, anonymous.body);
      const reader = await rig.file({ digest: WEB, minSeverity: 'high' }, READ_ONLY_TOKEN);
      assert.equal(reader.statusCode, 403, reader.body);
      assert.match(reader.json<{ detail: string }>().detail, /remediate scope/);
      for (const [body, parameter] of [
        [{ digest: 'sha256:abc', minSeverity: 'high' }, 'digest'],
        [{ digest: WEB, minSeverity: 'negligible' }, 'minSeverity'],
        [{ digest: WEB }, 'minSeverity'],
        [{ digest: WEB, minSeverity: 'high', color: 'red' }, 'color'],
      ] as const) {
        const got = await rig.file(body);
        assert.equal(got.statusCode, 400, got.body);
        assert.equal(got.json<{ parameter: string }>().parameter, parameter);
      }
      assert.equal(rig.standIn.requests.length, 0);
    });
  });
}

describe('The remediation route in the OpenAPI document', () => {
  it('lists POST /api/v1/remediations with its answers', async () => {
    const kind = DATABASES[0];
    assert.ok(kind);
    const db = await kind.create();
    const app = await buildApp({ store: await db.open(), logger: false });
    try {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      }>();
      const post = doc.paths['/api/v1/remediations']?.post;
      assert.ok(post, 'the route is documented');
      assert.deepEqual(Object.keys(post.responses).sort(), ['200', '201', '400', '401', '403', '404', '422', '502', '503']);
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});
