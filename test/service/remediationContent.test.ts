/** The pure parts of the remediation hand-off: owners, the key tag, the work item's text and patch, WIQL quoting. */
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../service/src/config';
import { wiqlString, workItemPage } from '../../service/src/remediation/boards';
import { draftWorkItem, escapeHtml, titleOf } from '../../service/src/remediation/content';
import { ownersOf, plainUrl, remediationKeyTag } from '../../service/src/remediation/owner';
import type { ImagePush } from '../../service/src/schemas/images';
import type { ExposedRow } from '../../service/src/store/explorer';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function push(runId: number, overrides: Partial<ImagePush> = {}): ImagePush {
  return {
    digest: DIGEST,
    registry: 'contoso.azurecr.io',
    repository: 'shop/web',
    tag: '1.0.0',
    reference: `contoso.azurecr.io/shop/web:1.0.0@${DIGEST}`,
    pushedAt: '2026-03-01T10:00:00.000Z',
    origin: 'docker-events',
    imageId: null,
    os: null,
    architecture: null,
    attribution: 'exclusive',
    attributionReason: null,
    organization: { url: 'https://dev.azure.com/contoso', name: 'contoso' },
    project: { id: 'p1', name: 'Shop' },
    pipeline: { id: 7, name: 'web CI', hub: 'build' },
    run: { id: runId, number: `2026.${runId}`, url: null },
    job: { id: 'j', name: null, attempt: 1, stage: null },
    sourceRepository: { provider: 'TfsGit', url: 'https://contoso@dev.azure.com/contoso/Shop/_git/web', name: 'web', id: 'r1' },
    commit: 'c0ffee',
    branch: 'refs/heads/main',
    agent: { name: null, os: null, selfHosted: null },
    reportedAt: '2026-03-01T10:00:00.000Z',
    provider: 'azure-devops',
    github: null,
    ...overrides,
  };
}

function row(overrides: Partial<ExposedRow> = {}): ExposedRow {
  return {
    cluster: 'prod',
    snapshotTakenAt: '2026-03-02T08:00:00Z',
    snapshotImportedAt: '2026-03-02T08:01:00Z',
    snapshotSource: 'import',
    snapshotImportedBy: 'token:inventory',
    namespace: 'shop',
    workloadKind: 'Deployment',
    workloadName: 'web',
    exposure: [{ exposure: 'internet', via: 'LoadBalancer', service: 'web', ports: [443] }],
    digest: DIGEST,
    references: ['contoso.azurecr.io/shop/web:1.0.0'],
    relatedDigests: [],
    counts: { critical: 1, high: 7, medium: 3, low: 0, negligible: 0, unknown: 0 },
    topFindings: [
      {
        digest: DIGEST,
        vulnerabilityId: 'CVE-2026-0001',
        aliases: [],
        advisories: [],
        severity: 'critical',
        fixable: true,
        occurrences: [
          {
            source: { format: 'trivy', scanner: 'Trivy', scannerVersion: null, scannedAt: null },
            vulnerabilityId: 'CVE-2026-0001',
            severity: 'critical',
            packageName: 'openssl',
            installedVersion: '3.0.1',
            fixedVersion: '3.0.9',
          },
        ],
      },
    ],
    runs: [push(13), push(12)],
    ...overrides,
  };
}

describe('Owners of a running image', () => {
  it('groups pushes by source repository URL without user info, newest push first', () => {
    const other = push(20, {
      sourceRepository: { provider: 'GitHub', url: 'https://github.com/contoso/web', name: 'contoso/web', id: 'contoso/web' },
    });
    const owners = ownersOf([
      push(21),
      other,
      push(13, { sourceRepository: { provider: 'TfsGit', url: 'https://dev.azure.com/contoso/Shop/_git/web', name: 'web', id: 'r1' } }),
    ]);
    assert.deepEqual(
      owners.map((o) => [o.repositoryLabel, o.newest.run.id, o.pushes.map((p) => p.run.id)]),
      [
        ['https://dev.azure.com/contoso/Shop/_git/web', 21, [21, 13]],
        ['https://github.com/contoso/web', 20, [20]],
      ],
    );
  });

  it('has no owner for an unmapped image', () => assert.deepEqual(ownersOf([]), []));

  it('keys the tag on repository and digest only, in any case of the digest', () => {
    const tag = remediationKeyTag('url:https://dev.azure.com/contoso/shop/_git/web', DIGEST);
    assert.match(tag, /^cm-[0-9a-f]{24}$/);
    assert.equal(remediationKeyTag('url:https://dev.azure.com/contoso/shop/_git/web', DIGEST.toUpperCase()), tag);
    assert.notEqual(remediationKeyTag('url:https://github.com/contoso/web', DIGEST), tag);
    assert.notEqual(remediationKeyTag('url:https://dev.azure.com/contoso/shop/_git/web', `sha256:${'cd'.repeat(32)}`), tag);
  });

  const urls: [string | null, string | null][] = [
    ['https://user:secret@dev.azure.com/contoso/_git/web/', 'https://dev.azure.com/contoso/_git/web'],
    ['javascript:alert(1)', null],
    ['not a url', null],
    [null, null],
  ];
  for (const [text, expected] of urls) it(`reads ${String(text)} as ${String(expected)}`, () => assert.equal(plainUrl(text), expected));
});

describe('The work item text', () => {
  it('escapes everything a report or a cluster wrote before it goes into HTML', () => {
    assert.equal(escapeHtml(`<b onclick="x">'&'</b>`), '&#60;b onclick=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/b&#62;');
    const [owner] = ownersOf([push(13, { branch: 'refs/heads/<script>alert(1)</script>' })]);
    assert.ok(owner);
    const draft = draftWorkItem([row({ workloadName: '<img src=x>' })], owner, {
      workItemType: 'Bug',
      minSeverity: 'high',
      keyTag: 'cm-x',
    });
    assert.ok(!draft.html.includes('<script>') && !draft.html.includes('<img'), draft.html);
    assert.ok(draft.html.includes('&#60;script&#62;'));
  });

  it('counts the findings at or above the threshold in the title, and says how many the body does not list', () => {
    assert.equal(
      titleOf([row()], 'high'),
      'Fix vulnerable image contoso.azurecr.io/shop/web:1.0.0 (1 critical, 7 high): internet-exposed in prod/shop',
    );
    const [owner] = ownersOf(row().runs);
    assert.ok(owner);
    const draft = draftWorkItem([row()], owner, { workItemType: 'Bug', minSeverity: 'high', keyTag: 'cm-x' });
    assert.match(draft.html, /<b>CVE-2026-0001<\/b> \(critical\): openssl 3\.0\.1 → 3\.0\.9/);
    assert.match(draft.html, /…and 7 more at or above high\./);
  });

  it('keeps the title within the 255 characters of System.Title', () => {
    const title = titleOf([row({ references: [`contoso.azurecr.io/${'x'.repeat(400)}:1`] })], 'high');
    assert.equal(title.length, 255);
    assert.ok(title.endsWith('…'));
  });

  it('puts the body in Repro Steps for a Bug and in Description otherwise, with tags, area path and a link to the run', () => {
    const [owner] = ownersOf(row().runs);
    assert.ok(owner);
    const bug = draftWorkItem([row()], owner, { workItemType: 'Bug', minSeverity: 'high', keyTag: 'cm-1', areaPath: 'Shop\\Security' });
    assert.deepEqual(
      bug.patch.map((op) => [op.op, op.path]),
      [
        ['add', '/fields/System.Title'],
        ['add', '/fields/Microsoft.VSTS.TCM.ReproSteps'],
        ['add', '/fields/System.Tags'],
        ['add', '/fields/System.AreaPath'],
        ['add', '/relations/-'],
      ],
    );
    assert.equal(bug.patch[2]?.value, 'container-mapping; cm-1');
    assert.deepEqual(bug.patch[4]?.value, {
      rel: 'Hyperlink',
      url: 'https://dev.azure.com/contoso/Shop/_build/results?buildId=13',
      attributes: { comment: 'the run that pushed the image' },
    });
    const task = draftWorkItem([row()], owner, { workItemType: 'Task', minSeverity: 'high', keyTag: 'cm-1' });
    assert.deepEqual(
      task.patch.map((op) => op.path),
      ['/fields/System.Title', '/fields/System.Description', '/fields/System.Tags', '/relations/-'],
    );
  });
});

describe('Azure Boards helpers', () => {
  it('quotes WIQL strings by doubling single quotes', () => assert.equal(wiqlString("O'Brien's"), "'O''Brien''s'"));
  it('links the work item page under its project', () =>
    assert.equal(
      workItemPage('https://dev.azure.com/contoso/', 'My Shop', 42),
      'https://dev.azure.com/contoso/My%20Shop/_workitems/edit/42',
    ));
});

describe('The remediation setting', () => {
  const pat = 'setting-pat-9x8c7v6b5n4m';
  it('is read from CM_REMEDIATION as JSON, with the work item type and area path optional', () => {
    const config = loadConfig({ env: { CM_REMEDIATION: JSON.stringify([{ organizationUrl: 'https://dev.azure.com/contoso', pat }]) } });
    assert.deepEqual(config.remediation, [{ organizationUrl: 'https://dev.azure.com/contoso', pat }]);
    assert.deepEqual(loadConfig({}).remediation, []);
  });

  it('names a bad entry’s field, and never its PAT', () => {
    const bad = [{ organizationUrl: 'not a url', pat, colour: 'red' }];
    assert.throws(
      () => loadConfig({ env: { CM_REMEDIATION: JSON.stringify(bad) } }),
      (err: Error) => err instanceof ConfigError && /remediation\.0\.organizationUrl/.test(err.message) && !err.message.includes(pat),
    );
    assert.throws(
      () => loadConfig({ env: { CM_REMEDIATION: `[{"organizationUrl": "https://dev.azure.com/contoso", "pat": "${pat}"` } }),
      (err: Error) => err instanceof ConfigError && err.message === 'CM_REMEDIATION: not valid JSON',
    );
  });
});
