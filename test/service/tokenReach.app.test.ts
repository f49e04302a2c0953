/**
 * What a token may write (issue 8, points 3 and 4), through the whole app on SQLite and
 * PostgreSQL: a bound static token writes only for the organisation and project it is bound
 * to, and a pipeline token only for exactly what its claims name; names nobody vouched for
 * never make a report show up under a name filter.
 */
import assert from 'node:assert/strict';
import { hashToken } from '../../service/src/auth/staticTokens';
import type { ImagePush, ImagePushPage } from '../../service/src/schemas/images';
import type { AzureDevOpsPipelineClaims } from '../../service/src/auth/azureDevOpsClaims';
import { buildApp } from '../../service/src/app';
import { ConfigError, loadConfig } from '../../service/src/config';
import { main } from '../../service/src/cli/main';
import { DATABASES, SQLITE } from './support/stores';
import { INGEST_TOKEN, startTestService, type TestService } from './support/app';
import { claimsForReport } from './support/oidc';
import { ORG_ID, PROJECT_ID, digestOf, makeReport } from './support/reports';

const OPS_ID = 'aaaaaaaa-0000-4000-8000-000000000009';
const SHOP_TOKEN = 'cmt_bound-to-shop-by-id';
const CONTOSO_TOKEN = 'cmt_bound-to-contoso-by-name';
const CONTOSO_URL_TOKEN = 'cmt_bound-to-contoso-by-url';

for (const kind of DATABASES) {
  describe(`What a token may write on ${kind.name}`, () => {
    let svc: TestService;

    beforeEach(async () => {
      svc = await startTestService(kind, {
        tokens: [
          { name: 'ci', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
          { name: 'reader', sha256: hashToken('cmt_reader'), scopes: ['read'] },
          { name: 'shop', sha256: hashToken(SHOP_TOKEN), scopes: ['ingest'], organization: 'contoso', project: PROJECT_ID },
          { name: 'contoso', sha256: hashToken(CONTOSO_TOKEN), scopes: ['ingest'], organization: 'contoso' },
          { name: 'contoso-url', sha256: hashToken(CONTOSO_URL_TOKEN), scopes: ['ingest'], organization: 'https://dev.azure.com/contoso' },
        ],
      });
    });
    afterEach(async () => svc.close());

    /** Sends `body` with `token`; a refusal must leave the store as it was. */
    async function send(token: string, body: object, status: number) {
      const before = await svc.app.store.counts();
      const response = await svc.send(body, token);
      assert.equal(response.statusCode, status, response.body);
      if (status >= 400) assert.deepEqual(await svc.app.store.counts(), before, 'a refused report changed the store');
      return response.json<{ detail: string; pointer?: string; errors?: Array<{ pointer: string }> }>();
    }
    const mint = (claims: AzureDevOpsPipelineClaims) => svc.issuer.mint(claims);
    const runsFound = async (query: string): Promise<number[]> => {
      const got = await svc.app.inject({ url: `/api/v1/images?${query}`, headers: { authorization: 'Bearer cmt_reader' } });
      assert.equal(got.statusCode, 200, got.body);
      return got
        .json<ImagePushPage>()
        .items.map((i) => i.run.id)
        .sort((a, b) => a - b);
    };
    const onlyPush = async (): Promise<ImagePush> => {
      const got = await svc.app.inject({ url: `/api/v1/images/${digestOf('web-api')}`, headers: { authorization: 'Bearer cmt_reader' } });
      assert.equal(got.statusCode, 200, got.body);
      const pushes = got.json<{ pushes: ImagePush[] }>().pushes;
      assert.equal(pushes.length, 1);
      return pushes[0] as ImagePush;
    };

    describe('a static token bound to a project', () => {
      it("refuses a report naming another project's id even when its projectName is the bound project's", async () => {
        const forged = makeReport({ pipeline: { projectId: OPS_ID, projectName: 'Shop' } });
        assert.equal((await send(SHOP_TOKEN, forged, 403)).pointer, '/pipeline/projectId');
        await send(SHOP_TOKEN, makeReport(), 201);
      });

      it("stores the project name it cannot vouch for, but never lets a name filter find the report under another project's name", async () => {
        await send(SHOP_TOKEN, makeReport({ pipeline: { projectName: 'Ops' } }), 201);
        assert.deepEqual(await runsFound('project=Ops'), []);
        assert.deepEqual(await runsFound(`project=${PROJECT_ID}`), [12]);
        assert.equal((await onlyPush()).project.name, 'Ops', 'what was sent is what is stored');
        // The pipeline is the token's to name: it may write any pipeline of its project.
        assert.deepEqual(await runsFound(`project=${PROJECT_ID}&pipeline=web-api%20CI`), [12]);
      });
    });

    describe('a static token bound to an organisation', () => {
      it('refuses a report from another host whose path ends in the bound name', async () => {
        const evil = makeReport({ pipeline: { organizationUrl: 'https://evil.example/contoso' } });
        assert.equal((await send(CONTOSO_TOKEN, evil, 403)).pointer, '/pipeline/organizationUrl');
        assert.equal((await send(SHOP_TOKEN, evil, 403)).pointer, '/pipeline/organizationUrl');
        assert.equal((await send(CONTOSO_URL_TOKEN, evil, 403)).pointer, '/pipeline/organizationUrl');
      });

      it('refuses organisation URLs that only look like the bound one', async () => {
        for (const url of [
          'https://dev.azure.com.evil.example/contoso',
          'https://dev.azure.com/contoso/extra',
          'https://dev.azure.com/fabrikam/contoso',
          'http://dev.azure.com/contoso',
          'https://contoso.visualstudio.com.evil.example/',
          'https://evil@dev.azure.com/contoso',
        ]) {
          const report = makeReport({ pipeline: { organizationUrl: url } });
          assert.equal((await send(CONTOSO_TOKEN, report, 403)).pointer, '/pipeline/organizationUrl', url);
          assert.equal((await send(CONTOSO_URL_TOKEN, report, 403)).pointer, '/pipeline/organizationUrl', url);
        }
      });

      it('accepts the organisation under both of its Azure DevOps Services addresses when bound by name', async () => {
        await send(CONTOSO_TOKEN, makeReport(), 201);
        await send(CONTOSO_TOKEN, makeReport({ pipeline: { organizationUrl: 'https://Contoso.visualstudio.com/', runId: 13 } }), 201);
        await send(CONTOSO_URL_TOKEN, makeReport({ pipeline: { organizationUrl: 'https://DEV.azure.com/Contoso', runId: 14 } }), 201);
      });
    });

    describe('a pipeline token', () => {
      const report = makeReport();
      const claims = () => claimsForReport(report, ORG_ID);

      it("refuses a build run's token writing for a classic release with 403 naming the hub", async () => {
        const release = makeReport({ pipeline: { hub: 'release' } });
        assert.equal((await send(await mint(claims()), release, 403)).pointer, '/pipeline/hub');
      });

      it('refuses project and pipeline names that differ from the names in its subject', async () => {
        const problem = await send(
          await mint(claims()),
          makeReport({ pipeline: { projectName: 'Ops', definitionName: 'deploy prod' } }),
          403,
        );
        assert.deepEqual(
          problem.errors?.map((e) => e.pointer),
          ['/pipeline/projectName', '/pipeline/definitionName'],
        );
        // Azure DevOps names are case-insensitive; the token's subject may be percent-encoded.
        await send(await mint({ ...claims(), sub: 'p://contoso/shop/web-api%20CI' }), report, 201);
      });

      it('never lets names a token without a readable subject vouches for match a name filter', async () => {
        await send(
          await mint({ ...claims(), sub: 'opaque-subject' }),
          makeReport({ pipeline: { projectName: 'Ops', definitionName: 'deploy prod' } }),
          201,
        );
        assert.deepEqual(await runsFound('project=Ops'), []);
        assert.deepEqual(await runsFound('pipeline=deploy%20prod'), []);
        assert.deepEqual(await runsFound(`project=${PROJECT_ID}&pipeline=7`), [12]);
        const push = await onlyPush();
        assert.deepEqual([push.project.name, push.pipeline.name], ['Ops', 'deploy prod']);
      });

      it('never lets a repository name other than the one its repository URL gives match the sourceRepository filter', async () => {
        await send(await mint(claims()), makeReport({ source: { name: 'payments' } }), 201);
        assert.deepEqual(await runsFound('sourceRepository=payments'), []);
        assert.deepEqual(await runsFound('sourceRepository=https://contoso@dev.azure.com/contoso/Shop/_git/web-api'), [12]);
        await send(await mint(claims()), makeReport({ pipeline: { jobAttempt: 2 } }), 201);
        assert.deepEqual(await runsFound('sourceRepository=web-api'), [12]);
        const github = makeReport({
          pipeline: { runId: 30 },
          source: { provider: 'GitHub', name: 'Contoso/Web-Api', url: 'https://github.com/contoso/web-api.git', id: 'contoso/web-api' },
        });
        await send(await mint(claimsForReport(github, ORG_ID)), github, 201);
        assert.deepEqual(await runsFound('sourceRepository=contoso/web-api'), [30]);
      });

      it('holds a short branch against a full ref, both ways', async () => {
        const short = makeReport({ source: { branch: 'main' } });
        assert.equal((await send(await mint({ ...claims(), rpo_ref: 'refs/heads/feature/x' }), short, 403)).pointer, '/source/branch');
        assert.equal((await send(await mint({ ...claims(), rpo_ref: 'refs/tags/main' }), short, 403)).pointer, '/source/branch');
        await send(await mint({ ...claims(), rpo_ref: 'refs/heads/main' }), short, 201);
        await send(await mint({ ...claims(), rpo_ref: 'main' }), makeReport({ pipeline: { runId: 12, jobAttempt: 2 } }), 201);
        assert.equal((await send(await mint({ ...claims(), rpo_ref: 'feature/x' }), report, 403)).pointer, '/source/branch');
      });

      it('fills the repository fields the report leaves out from the token', async () => {
        const bare = makeReport({
          source: { provider: 'GitHub', name: 'web-api', url: undefined, id: undefined, commit: undefined, branch: undefined },
        });
        const fromToken = {
          ...claims(),
          rpo_id: 'contoso/web-api',
          rpo_uri: 'https://github.com/contoso/web-api',
          rpo_ver: 'd'.repeat(40),
          rpo_ref: 'refs/heads/release/1.0',
        };
        await send(await mint(fromToken), bare, 201);
        const push = await onlyPush();
        assert.deepEqual(
          [push.sourceRepository.id, push.sourceRepository.url, push.commit, push.branch],
          ['contoso/web-api', 'https://github.com/contoso/web-api', 'd'.repeat(40), 'refs/heads/release/1.0'],
        );
        assert.deepEqual(await runsFound(`commit=${'d'.repeat(40)}`), [12]);
      });

      it('holds a repository id that is not a GUID (GitHub owner/repo) like any other', async () => {
        const github = makeReport({ source: { id: 'Contoso/Web-Api' } });
        await send(await mint({ ...claims(), rpo_id: 'contoso/web-api' }), github, 201);
        assert.equal((await send(await mint({ ...claims(), rpo_id: 'contoso/payments' }), github, 403)).pointer, '/source/id');
      });

      it('reads a numeric repository claim as its decimal text, and refuses one that is neither text nor a number with 401, not 500', async () => {
        const numeric = { ...claims(), rpo_id: 42 } as unknown as AzureDevOpsPipelineClaims;
        await send(await mint(numeric), makeReport({ source: { id: '42' } }), 201);
        const weird = { ...claims(), rpo_id: { id: 42 } } as unknown as AzureDevOpsPipelineClaims;
        assert.match((await send(await mint(weird), makeReport({ pipeline: { jobAttempt: 2 } }), 401)).detail, /rpo_id/);
      });
    });
  });
}

describe('Static token bindings at start', () => {
  for (const [binding, pattern] of [
    [{ project: 'Shop' }, /tokens\[0\] "shop": project must be the project's id/],
    [{ organization: 'https://evil.example/contoso?x=1' }, /tokens\[0\] "shop": organization/],
    [{ organization: 'dev.azure.com/contoso' }, /tokens\[0\] "shop": organization/],
  ] as const) {
    it(`refuses to start with a token bound to ${JSON.stringify(binding)}, naming the token`, async () => {
      const store = await SQLITE.create();
      try {
        await assert.rejects(
          buildApp({
            store: await store.open(),
            logger: false,
            config: { tokens: [{ name: 'shop', sha256: hashToken('cmt_x'), scopes: ['ingest'], ...binding }] },
          }),
          pattern,
        );
      } finally {
        await store.destroy();
      }
    });
  }
});

describe('Static token bindings in the configuration and the CLI', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} }, out, err };
  };

  it('stops the service with a message naming a token bound to a project name, and says what to bind instead', () => {
    const tokens = JSON.stringify([
      {
        name: 'ok',
        sha256: hashToken('cmt_a'),
        scopes: ['ingest'],
        organization: 'https://tfs.example/DefaultCollection',
        project: PROJECT_ID,
      },
      { name: 'legacy', sha256: hashToken('cmt_b'), scopes: ['ingest'], organization: 'contoso', project: 'Shop' },
    ]);
    assert.throws(
      () => loadConfig({ env: { CM_TOKENS: tokens } }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /tokens\[1\] "legacy": project must be the project's id \(a GUID: System\.TeamProjectId/.test(e.message) &&
        !/"ok"/.test(e.message),
    );
  });

  it('makes no token bound to a project name or an organisation that is neither a name nor a URL', async () => {
    for (const args of [
      ['--project', 'Shop'],
      ['--organization', 'https://evil.example/contoso#x'],
      ['--organization', 'dev.azure.com/contoso'],
    ]) {
      const c = capture();
      assert.equal(await main(['token', 'create', '--name', 'n', '--scope', 'ingest', ...args], c.io), 2, args.join(' '));
      assert.deepEqual(c.out, [], 'no token is shown');
      assert.match(c.err.join('\n'), new RegExp(`--${(args[0] ?? '').slice(2)} must be`));
    }
    const c = capture();
    assert.equal(
      await main(['token', 'create', '--name', 'n', '--scope', 'ingest', '--organization', 'contoso', '--project', PROJECT_ID], c.io),
      0,
    );
    const entry = JSON.parse((c.out[1] ?? '').replace(/^[^{]*/, '')) as { organization: string; project: string };
    assert.deepEqual([entry.organization, entry.project], ['contoso', PROJECT_ID]);
  });
});
