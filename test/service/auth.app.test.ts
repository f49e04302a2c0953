/**
 * Who may send and read: Azure DevOps pipeline OIDC tokens verified against a local JWKS,
 * forged ones refused; static tokens by scope and binding.
 */
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { issuerFor } from '../../service/src/auth/azureDevOpsClaims';
import { mintAzureDevOpsToken } from '../support/azureDevOpsTokens';
import { hashToken } from '../../service/src/auth/staticTokens';
import { DATABASES, SQLITE } from './support/stores';
import { INGEST_TOKEN, READ_TOKEN, startTestService, type TestService } from './support/app';
import { claimsForReport } from './support/oidc';
import { ORG_ID, PROJECT_ID, makeReport } from './support/reports';

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

for (const kind of DATABASES) {
  describe(`Authentication and authorisation on ${kind.name}`, () => {
    let svc: TestService;
    const report = makeReport();
    const claims = () => claimsForReport(report, ORG_ID);

    beforeEach(async () => {
      svc = await startTestService(kind, {
        tokens: [
          { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
          { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
          { name: 'fabrikam-only', sha256: hashToken('cmt_fabrikam'), scopes: ['ingest'], organization: 'fabrikam' },
          { name: 'shop-only', sha256: hashToken('cmt_shop'), scopes: ['ingest'], organization: 'contoso', project: PROJECT_ID },
        ],
      });
    });
    afterEach(async () => svc.close());

    async function expectStatus(token: string | undefined, status: number, body: object = report) {
      const before = await svc.app.store.counts();
      const response = await svc.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        payload: body,
      });
      assert.equal(response.statusCode, status, response.body);
      if (status >= 400) assert.deepEqual(await svc.app.store.counts(), before, 'a refused report changed the store');
      return response.json<{ detail: string; pointer?: string }>();
    }

    it('accepts a report carrying a valid pipeline token for its own run', async () => {
      await expectStatus(await svc.issuer.mint(claims()), 201);
    });

    it('refuses a token signed by another key with 401', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await mintAzureDevOpsToken({ ...claims(), iss: svc.issuer.issuer }, { privateKey, keyId: svc.issuer.keyId });
      assert.match((await expectStatus(forged, 401)).detail, /signature/);
    });

    it('refuses an unsigned alg:none token with 401', async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iat: now, exp: now + 600 })}.`;
      assert.match((await expectStatus(unsigned, 401)).detail, /algorithm "none"/);
    });

    it('refuses a token signed with a shared secret (HS256) with 401', async () => {
      const hs = await new SignJWT({ ...claims() })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('secret'));
      await expectStatus(hs, 401);
    });

    it('refuses an expired token with 401', async () => {
      assert.match((await expectStatus(await svc.issuer.mint(claims(), { expiresInSeconds: -3600 }), 401)).detail, /expired/);
    });

    it('refuses a token from an issuer that is not a configured organisation with 401', async () => {
      const other = issuerFor('11111111-2222-4333-8444-555555555555');
      assert.match((await expectStatus(await svc.issuer.mint({ ...claims(), iss: other }), 401)).detail, /not a configured organisation/);
    });

    it('refuses a token for another audience with 401', async () => {
      assert.match((await expectStatus(await svc.issuer.mint({ ...claims(), aud: 'api://something-else' }), 401)).detail, /aud/);
    });

    it('refuses a token without the pipeline claims with 401', async () => {
      const { run_id: _run, ...rest } = claims();
      await expectStatus(await svc.issuer.mint(rest as ReturnType<typeof claims>), 401);
    });

    it('refuses a valid token of run 12 writing for run 13 with 403 naming the run field', async () => {
      const forRun13 = makeReport({ pipeline: { runId: 13 } });
      const problem = await expectStatus(await svc.issuer.mint(claims()), 403, forRun13);
      assert.equal(problem.pointer, '/pipeline/runId');
    });

    it('refuses a token whose project, pipeline or repository differ from the report with 403', async () => {
      for (const [change, pointer] of [
        [{ prj_id: '00000000-0000-4000-8000-000000000000' }, '/pipeline/projectId'],
        [{ def_id: '99' }, '/pipeline/definitionId'],
        [{ rpo_uri: 'https://dev.azure.com/contoso/Shop/_git/other' }, '/source/url'],
        [{ rpo_ver: 'c'.repeat(40) }, '/source/commit'],
      ] as const) {
        const problem = await expectStatus(await svc.issuer.mint({ ...claims(), ...change }), 403);
        assert.equal(problem.pointer, pointer);
      }
    });

    it('refuses a pipeline token for reading with 403', async () => {
      const response = await svc.app.inject({
        url: '/api/v1/images',
        headers: { authorization: `Bearer ${await svc.issuer.mint(claims())}` },
      });
      assert.equal(response.statusCode, 403);
    });

    it('accepts an ingest token and refuses a read token for sending', async () => {
      await expectStatus(READ_TOKEN, 403);
      await expectStatus(INGEST_TOKEN, 201);
    });

    it('holds a bound ingest token to its organisation and project', async () => {
      assert.equal((await expectStatus('cmt_fabrikam', 403)).pointer, '/pipeline/organizationUrl');
      await expectStatus('cmt_shop', 201);
      assert.equal(
        (
          await expectStatus(
            'cmt_shop',
            403,
            makeReport({ pipeline: { projectName: 'Ops', projectId: 'aaaaaaaa-0000-4000-8000-000000000009' } }),
          )
        ).pointer,
        '/pipeline/projectId',
      );
    });

    it('refuses an unknown bearer token and a missing one with 401', async () => {
      await expectStatus('cmt_unknown', 401);
      await expectStatus(undefined, 401);
    });

    it('needs a read token to read, and refuses an ingest token', async () => {
      assert.equal((await svc.app.inject('/api/v1/images')).statusCode, 401);
      assert.equal((await svc.app.inject({ url: '/api/v1/images', headers: { authorization: `Bearer ${INGEST_TOKEN}` } })).statusCode, 403);
      assert.equal((await svc.read('/api/v1/images')).statusCode, 200);
    });
  });
}

describe('Reading when configured open', () => {
  it('serves the read API without a token', async () => {
    const svc = await startTestService(SQLITE, { readOpen: true });
    try {
      assert.equal((await svc.app.inject('/api/v1/images')).statusCode, 200);
    } finally {
      await svc.close();
    }
  });
});
