/**
 * The `apiUrl` of a `remediation` organisation: the service reaches that organisation's REST API there (a proxy,
 * an Azure DevOps Server by an internal name, a stand-in), while the runs it matches and the work item links it
 * answers keep naming `organizationUrl`. On SQLite, against the Azure Boards stand-in (test/support/azureBoards.ts).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import sinon from 'sinon';
import { buildApp, type MappingApp } from '../../service/src/app';
import { hashToken } from '../../service/src/auth/staticTokens';
import { ConfigError, loadConfig } from '../../service/src/config';
import type { RemediationResult } from '../../service/src/remediation/remediate';
import { AzureDevOpsStandIn } from '../support/azureDevOps';
import { AzureBoardsStandIn } from '../support/azureBoards';
import { WEB } from './support/explorerSeed';
import { PAT, REMEDIATE_TOKEN, seedRemediation } from './support/remediation';
import { DATABASES, type TestDatabase } from './support/stores';

const CONTOSO = 'https://dev.azure.com/contoso';

describe('A remediation organisation reached at its apiUrl', () => {
  let standIn: AzureDevOpsStandIn | undefined;
  let db: TestDatabase | undefined;
  let app: MappingApp | undefined;
  afterEach(async () => {
    sinon.restore();
    await app?.close();
    await db?.destroy();
    await standIn?.close();
    app = db = standIn = undefined;
  });

  it('files the work item through the stand-in at apiUrl, links it under organizationUrl, and sends nothing anywhere else', async () => {
    standIn = await AzureDevOpsStandIn.start({ personalAccessToken: PAT });
    const boards = AzureBoardsStandIn.install(standIn);
    const sqlite = DATABASES.find((kind) => kind.name.toLowerCase().includes('sqlite'));
    assert.ok(sqlite);
    db = await sqlite.create();
    const store = await db.open();
    // The runs name the public organisation, as the demo's (and a proxied organisation's) reports do.
    await seedRemediation(store, `${CONTOSO}/`);
    app = await buildApp({
      store,
      logger: false,
      config: {
        tokens: [{ name: 'security', sha256: hashToken(REMEDIATE_TOKEN), scopes: ['read', 'remediate'] }],
        remediation: [{ organizationUrl: CONTOSO, apiUrl: standIn.url, pat: PAT }],
      },
    });
    // typed-rest-client (under azure-devops-node-api) calls http.request / https.request per request.
    const httpRequests = sinon.spy(http, 'request');
    const httpsRequests = sinon.spy(https, 'request');
    const file = () =>
      app!.inject({
        method: 'POST',
        url: '/api/v1/remediations',
        headers: { authorization: `Bearer ${REMEDIATE_TOKEN}` },
        payload: { digest: WEB, minSeverity: 'high' },
      });

    const first = await file();
    assert.equal(first.statusCode, 201, first.body);
    const filed = first.json<RemediationResult>().workItems[0];
    assert.ok(filed?.id);
    assert.equal(filed.status, 'created');
    assert.equal(filed.organizationUrl, CONTOSO);
    assert.equal(filed.url, `${CONTOSO}/Shop/_workitems/edit/${filed.id}`);
    assert.deepEqual([...boards.items.keys()], [filed.id]);

    const again = await file();
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json<RemediationResult>().workItems[0]?.url, filed.url);
    assert.equal(boards.items.size, 1);

    assert.equal(httpsRequests.callCount, 0, 'nothing went to https://dev.azure.com');
    assert.ok(httpRequests.callCount > 0);
    const port = new URL(standIn.url).port;
    for (const call of httpRequests.getCalls()) {
      const options = call.args[0] as http.RequestOptions;
      assert.equal(`${String(options.hostname ?? options.host)}:${String(options.port)}`, `127.0.0.1:${port}`);
    }
    assert.ok(standIn.requests.every((r) => r.path.startsWith(`/${standIn!.organization}/`)));
  });

  it('refuses an apiUrl that is not an http or https URL, naming the setting', () => {
    for (const apiUrl of ['not a url', 'ftp://boards.contoso.example/contoso']) {
      assert.throws(
        () => loadConfig({ env: { CM_REMEDIATION: JSON.stringify([{ organizationUrl: CONTOSO, apiUrl, pat: PAT }]) } }),
        (err: unknown) => err instanceof ConfigError && /remediation\.0\.apiUrl/.test(err.message) && !err.message.includes(PAT),
      );
    }
    const loaded = loadConfig({
      env: { CM_REMEDIATION: JSON.stringify([{ organizationUrl: CONTOSO, apiUrl: 'http://127.0.0.1:8081/contoso/', pat: PAT }]) },
    });
    assert.equal(loaded.remediation[0]?.apiUrl, 'http://127.0.0.1:8081/contoso/');
  });
});
