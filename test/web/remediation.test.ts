/** "Ask the owning team to fix" as plain data (web/src/remediation.ts): the selection, the requests, the words. */
import assert from 'node:assert/strict';
import { DEFAULT_QUERY } from '../../web/src/query';
import { NO_OWNER, refusalText, remediationRequest, selectedImages, workItemLines } from '../../web/src/remediation';
import type { TableRow } from '../../web/src/rows';

const row = (id: string, digest: string, mapped: boolean): TableRow => ({
  id,
  cells: {},
  links: {},
  image: { digest, name: `image ${digest}`, mapped },
});
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('Asking the owning team to fix, as data', () => {
  it('asks once per mapped image of a selection, in row order, and never for an unmapped one', () => {
    const rows = [
      row('w1', B, true),
      row('w2', A, false),
      row('w3', A.toUpperCase().replace('SHA256', 'sha256'), true),
      row('w4', B, true),
    ];
    assert.deepEqual(
      selectedImages(rows).map((i) => i.digest),
      [B, A.toUpperCase().replace('SHA256', 'sha256')],
    );
    assert.deepEqual(selectedImages([row('w2', A, false), { id: 'p', cells: {}, links: {} }]), []);
  });

  it("narrows the request as the page's query narrowed the rows, and looks only when asked to", () => {
    assert.deepEqual(remediationRequest(DEFAULT_QUERY, A, true), { digest: A, minSeverity: 'high', dryRun: true });
    assert.deepEqual(
      remediationRequest({ ...DEFAULT_QUERY, minSeverity: 'critical', fixable: true, cluster: 'prod', namespace: 'shop' }, A, false),
      {
        digest: A,
        minSeverity: 'critical',
        fixable: true,
        cluster: 'prod',
        namespace: 'shop',
      },
    );
  });

  it('says what exists, what was filed and what would be filed, with the link when there is one', () => {
    const item = {
      title: 't',
      workItemType: 'Bug',
      organizationUrl: 'https://dev.azure.com/contoso',
      project: 'Shop',
      sourceRepository: 'web-api',
      keyTag: 'cm-x',
    };
    const lines = workItemLines({
      digest: A,
      minSeverity: 'high',
      workItems: [
        { ...item, status: 'existing', id: 7, url: 'https://dev.azure.com/contoso/Shop/_workitems/edit/7' },
        { ...item, status: 'created', id: 8, url: 'https://dev.azure.com/contoso/Shop/_workitems/edit/8' },
        { ...item, status: 'planned', id: null, url: null },
      ],
    });
    assert.deepEqual(lines, [
      {
        status: 'existing',
        label: 'Bug 7',
        url: 'https://dev.azure.com/contoso/Shop/_workitems/edit/7',
        text: 'open work item exists in Shop, for web-api',
      },
      {
        status: 'created',
        label: 'Bug 8',
        url: 'https://dev.azure.com/contoso/Shop/_workitems/edit/8',
        text: 'filed in Shop, for web-api',
      },
      { status: 'planned', label: 'a Bug', url: null, text: 'no open work item yet: files a Bug in Shop, for web-api' },
    ]);
  });

  it('names the missing remediate scope on 401 and 403, and passes any other problem on', () => {
    assert.match(
      refusalText(403, 'these credentials may not file work items'),
      /^You may not file work items: it needs a token with the remediate scope \(403: these credentials/,
    );
    assert.match(refusalText(401, null), /remediate scope \(401\)\. Sign in with such a token/);
    assert.equal(
      refusalText(502, 'Azure DevOps refused the PAT; nothing was filed'),
      'Azure DevOps refused the PAT; nothing was filed (502)',
    );
    assert.equal(NO_OWNER, 'no owner: this image is not mapped to a pipeline run');
  });
});
