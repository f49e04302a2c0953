/**
 * Where the service finds an issuer's signing keys, and what it costs the issuer: discovery
 * through `{issuer}/.well-known/openid-configuration` (Azure DevOps publishes
 * `jwks_uri: https://vstoken.dev.azure.com/.well-known/jwks`, one key set for all
 * organisations, nothing at `{issuer}/.well-known/jwks`), re-fetch on an unknown `kid`, and a
 * bounded number of requests whatever the tokens or the issuer's failures. The clock is the
 * test's own, so no assertion depends on timing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issuerFor, AZURE_DEVOPS_DEFAULT_AUDIENCE, type AzureDevOpsPipelineClaims } from '../../service/src/auth/azureDevOpsClaims';
import { OidcVerifier } from '../../service/src/auth/oidcVerifier';
import { resolveOrganization, type OrganizationConfig } from '../../service/src/config';
import { ProblemError } from '../../service/src/errors';
import { TokenIssuerStandIn } from '../support/tokenIssuer';

const ORG_ID = '3b8f2c1d-7e6a-4f5b-9c8d-0e1f2a3b4c5d';
const CLAIMS: AzureDevOpsPipelineClaims = {
  iss: issuerFor(ORG_ID),
  aud: AZURE_DEVOPS_DEFAULT_AUDIENCE,
  sub: 'p://contoso/Shop/web-api',
  org_id: ORG_ID,
  prj_id: '0d3f2a7e-0000-4000-8000-000000000001',
  def_id: '7',
  run_id: '12',
};

describe('OIDC signing keys: discovery and the load it puts on the issuer', () => {
  let issuer: TokenIssuerStandIn;
  let now: number;
  const clock = () => now;

  beforeEach(async () => {
    issuer = await TokenIssuerStandIn.start();
    now = Date.UTC(2026, 10, 28, 12);
  });
  afterEach(() => issuer.close());

  function verifier(extra: Partial<OrganizationConfig> = {}): OidcVerifier {
    const org = resolveOrganization({ id: ORG_ID, url: 'https://dev.azure.com/contoso', issuer: issuer.issuerFor(ORG_ID), ...extra });
    return new OidcVerifier([org], { now: clock });
  }

  /** The 401 detail for `token`, or 'accepted'. */
  async function outcome(v: OidcVerifier, token: string): Promise<string> {
    try {
      await v.verify(token);
      return 'accepted';
    } catch (err) {
      if (err instanceof ProblemError) return `${err.status} ${err.detail}`;
      throw err;
    }
  }

  it("finds the keys at the jwks_uri the issuer's OpenID configuration names, not under the issuer", async () => {
    const v = verifier();
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    assert.equal(issuer.count('discovery'), 1);
    assert.equal(issuer.count('jwks'), 1);
    assert.deepEqual(
      issuer.requests.filter((r) => r.document === 'unmatched'),
      [],
      'nothing guessed at {issuer}/.well-known/jwks',
    );
  });

  it('caches the keys: a hundred tokens cost one discovery and one key-set request', async () => {
    const v = verifier();
    for (let i = 0; i < 100; i++) assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    assert.equal(issuer.count('discovery'), 1);
    assert.equal(issuer.count('jwks'), 1);
  });

  it('uses an explicitly configured jwksUrl without asking for the discovery document', async () => {
    const v = verifier({ jwksUrl: issuer.jwksUrl });
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    assert.equal(issuer.count('discovery'), 0);
    assert.equal(issuer.count('jwks'), 1);
  });

  it('fetches the keys again once when a token names a new kid (key rotation)', async () => {
    const v = verifier();
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    now += 61_000;
    await issuer.rotateKey();
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    assert.equal(issuer.count('jwks'), 2);
  });

  it('does not let a flood of tokens with unknown kids make it hammer the issuer', async () => {
    const v = verifier();
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    now += 61_000;
    const forged = await Promise.all(Array.from({ length: 200 }, () => issuer.mint(CLAIMS, { keyId: randomUUID() })));
    const results = await Promise.all(forged.map((t) => outcome(v, t)));
    assert.ok(
      results.every((r) => /^401 .*no key/.test(r)),
      results[0],
    );
    for (const t of forged.slice(0, 50)) assert.match(await outcome(v, t), /^401 /);
    assert.equal(issuer.count('jwks'), 2, 'one fetch for the first token, one for the whole flood');
    assert.equal(issuer.count('discovery'), 2);
  });

  for (const [document, failure] of [
    ['jwks', 500],
    ['jwks', 'garbage'],
    ['discovery', 500],
    ['discovery', 'garbage'],
  ] as const) {
    it(`backs off when the ${document} answers ${failure}: 200 tokens cause a bounded number of fetches, then it recovers`, async () => {
      issuer.fail(document, failure);
      const v = verifier();
      for (let i = 0; i < 200; i++) {
        if (i % 20 === 0) now += 1000; // 200 tokens over 10 s of the verifier's clock
        assert.match(await outcome(v, await issuer.mint(CLAIMS)), /^401 .*signing keys could not be fetched/);
      }
      assert.ok(issuer.count(document) <= 2, `${issuer.count(document)} requests for ${document}`);
      assert.ok(issuer.count(document) >= 1);

      issuer.fail(document, undefined);
      now += 10 * 60_000;
      assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    });
  }

  it('backs off with an explicit jwksUrl that answers 500 too', async () => {
    issuer.fail('jwks', 500);
    const v = verifier({ jwksUrl: issuer.jwksUrl });
    for (let i = 0; i < 200; i++) assert.match(await outcome(v, await issuer.mint(CLAIMS)), /^401 /);
    assert.equal(issuer.count('jwks'), 1);
  });

  it('keeps verifying with the keys it has when a later refresh fails', async () => {
    const v = verifier();
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    issuer.fail('jwks', 500);
    now += 11 * 60_000; // the cached keys are now old enough to be fetched again
    assert.equal(await outcome(v, await issuer.mint(CLAIMS)), 'accepted');
    assert.equal(issuer.count('jwks'), 2);
  });

  it('refuses a discovery document that names another issuer than the one it was fetched for', async () => {
    // The stand-in's documents name the lower-case issuer; configure an upper-case one.
    const upper = `${issuer.base}/${ORG_ID.toUpperCase()}`;
    const v = new OidcVerifier([resolveOrganization({ id: ORG_ID, url: 'https://dev.azure.com/contoso', issuer: upper })], { now: clock });
    assert.match(await outcome(v, await issuer.mint({ ...CLAIMS, iss: upper })), /^401 .*names issuer/);
    assert.equal(issuer.count('discovery'), 1);
    assert.equal(issuer.count('jwks'), 0);
  });
});
