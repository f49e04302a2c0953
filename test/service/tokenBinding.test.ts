/**
 * The pure rules behind what a token may write: organisation bindings, the pipeline token's
 * subject, branch normalisation (tables; the app-level behaviour is in tokenReach.app.test.ts).
 */
import assert from 'node:assert/strict';
import { isRepositoryNameOf, normalizeBranch } from '../../service/src/auth/authorizeReport';
import { parsePipelineSubject } from '../../service/src/auth/azureDevOpsClaims';
import { organizationMatches, parseOrganizationBinding, type OrganizationBinding } from '../../service/src/auth/staticTokens';

const binding = (text: string): OrganizationBinding => {
  const parsed = parseOrganizationBinding(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
};

describe('Organisation bindings of static tokens', () => {
  const cases: Array<[string, string, boolean]> = [
    ['contoso', 'https://dev.azure.com/contoso/', true],
    ['contoso', 'https://dev.azure.com/Contoso', true],
    ['contoso', 'https://contoso.visualstudio.com', true],
    ['contoso', 'https://dev.azure.com:443/contoso', true],
    ['contoso', 'https://evil.example/contoso', false],
    ['contoso', 'https://dev.azure.com/fabrikam/contoso', false],
    ['contoso', 'https://dev.azure.com.evil.example/contoso', false],
    ['contoso', 'https://contoso.visualstudio.com.evil.example', false],
    ['contoso', 'http://dev.azure.com/contoso', false],
    ['contoso', 'https://x@dev.azure.com/contoso', false],
    ['contoso', 'https://dev.azure.com/contoso?x', false],
    ['contoso', 'https://dev.azure.com/contoso#x', false],
    ['contoso', 'https://tfs.example/contoso', false],
    ['https://tfs.example/tfs/DefaultCollection', 'https://TFS.example/tfs/defaultcollection/', true],
    ['https://tfs.example/tfs/DefaultCollection', 'https://tfs.example/tfs/DefaultCollection/more', false],
    ['https://tfs.example/tfs/DefaultCollection', 'https://tfs.example:8443/tfs/DefaultCollection', false],
    ['https://dev.azure.com/contoso', 'https://contoso.visualstudio.com', false],
  ];
  for (const [bound, url, matches] of cases) {
    it(`${matches ? 'lets' : 'keeps'} a token bound to ${bound} ${matches ? 'write for' : 'from'} ${url}`, () => {
      assert.equal(organizationMatches(binding(bound), url), matches);
    });
  }

  it('refuses bindings that are neither an organisation name nor a plain URL', () => {
    for (const text of [
      'dev.azure.com/contoso',
      'contoso/',
      '-contoso',
      'https://evil.example/contoso?x=1',
      'https://u:p@tfs.example/c',
      'ftp://tfs.example/c',
      'con toso',
    ]) {
      assert.ok('problem' in parseOrganizationBinding(text), text);
    }
  });
});

describe('The subject of a pipeline token', () => {
  it('reads organisation, project and pipeline from p://org/project/pipeline', () => {
    assert.deepEqual(parsePipelineSubject('p://contoso/Shop/web-api CI'), {
      organization: 'contoso',
      project: 'Shop',
      pipeline: 'web-api CI',
    });
    assert.deepEqual(parsePipelineSubject('p://contoso/Shop/a/b'), { organization: 'contoso', project: 'Shop', pipeline: 'a/b' });
  });

  it('reads no names from any other shape', () => {
    for (const sub of [undefined, 42, '', 'sc://contoso/Shop/conn', 'p://contoso/Shop', 'p://contoso//x', 'p:///Shop/x']) {
      assert.equal(parsePipelineSubject(sub), null, String(sub));
    }
  });
});

describe('Branches', () => {
  const cases: Array<[string, string]> = [
    ['main', 'refs/heads/main'],
    ['feature/x', 'refs/heads/feature/x'],
    ['refs/heads/main', 'refs/heads/main'],
    ['refs/tags/v1', 'refs/tags/v1'],
    ['refs/pull/7/merge', 'refs/pull/7/merge'],
  ];
  for (const [branch, ref] of cases) {
    it(`reads ${branch} as ${ref}`, () => assert.equal(normalizeBranch(branch), ref));
  }
});

describe('Repository names a repository URL gives', () => {
  const cases: Array<[string, string, boolean]> = [
    ['https://dev.azure.com/contoso/Shop/_git/web-api', 'web-api', true],
    ['https://contoso@dev.azure.com/contoso/Shop/_git/Web%20Api', 'web api', true],
    ['https://github.com/contoso/web-api.git', 'contoso/web-api', true],
    ['https://github.com/contoso/web-api', 'web-api', true],
    ['https://dev.azure.com/contoso/Shop/_git/web-api', 'payments', false],
    ['https://dev.azure.com/contoso/Shop/_git/web-api', 'Shop', false],
    ['not a url', 'not a url', false],
  ];
  for (const [url, name, gives] of cases) {
    it(`${gives ? 'reads' : 'does not read'} "${name}" as the name of ${url}`, () => assert.equal(isRepositoryNameOf(url, name), gives));
  }
});
