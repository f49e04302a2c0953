import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { ROOT } from './artefacts';

const SCRIPT = join(ROOT, 'scripts', 'package-extension.mjs');

/** Runs `npm run package`'s script with only the given environment variables beyond PATH. */
function runPackage(args: string[], env: Record<string, string> = {}): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [SCRIPT, '--no-typecheck', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('npm run package (scripts/package-extension.mjs) options', function () {
  this.timeout(120_000);

  const refusals: Array<[string, string[], RegExp]> = [
    ['a version that is not MAJOR.MINOR.PATCH', ['--version', '1.2'], /--version "1\.2" is not MAJOR\.MINOR\.PATCH/],
    ['a major version other than the task’s', ['--version', '2.0.0'], /major version must be the task's \(1\)/],
    ['a service URL that is not http(s)', ['--service-url', 'ftp://mapping.example'], /--service-url must be http\(s\)/],
    ['a service URL carrying credentials', ['--service-url', 'https://user:secret@mapping.example'], /must not carry credentials/],
    ['a publisher ID the Marketplace would refuse', ['--publisher', 'has space'], /not a Marketplace publisher ID/],
    ['an option it does not know', ['--servce-url', 'https://mapping.example'], /unknown option --servce-url/],
    ['an option without its value', ['--version'], /--version needs a value/],
    ['a staging folder that would empty the repository', ['--staging-dir', '.'], /would be emptied/],
    ['a staging folder that would empty the bundler’s output', ['--staging-dir', 'build/tasks'], /would be emptied/],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what}, with exit code 2 and a message naming it`, () => {
      const { status, output } = runPackage(args);
      assert.equal(status, 2, output);
      assert.match(output, message);
    });
  }

  it('never echoes the credentials of a refused service URL', () => {
    const { output } = runPackage(['--service-url', 'https://user:s3cr3t@mapping.example']);
    assert.doesNotMatch(output, /s3cr3t/);
  });

  describe('with its options in environment variables', () => {
    let work: string;
    before(() => {
      work = mkdtempSync(join(tmpdir(), 'cm-package-env-'));
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    it('builds <publisher>.<id>-<version>.vsix with the service URL baked in', () => {
      const { status, output } = runPackage([], {
        CM_PUBLISHER: 'fabrikam',
        CM_EXTENSION_ID: 'cm-fabrikam',
        CM_EXTENSION_VERSION: '1.4.9',
        CM_SERVICE_URL: 'https://mapping.fabrikam.example/',
        CM_OUTPUT_PATH: join(work, 'out'),
        CM_STAGING_DIR: join(work, 'staging'),
      });
      assert.equal(status, 0, output);
      const vsix = join(work, 'out', 'fabrikam.cm-fabrikam-1.4.9.vsix');
      assert.ok(existsSync(vsix), output);
      const defaults = new AdmZip(vsix).readAsText('tasks/ContainerMappingV1/defaults.json');
      assert.equal((JSON.parse(defaults) as { serviceUrl?: string }).serviceUrl, 'https://mapping.fabrikam.example/');
    });

    it('lets a flag win over its environment variable', () => {
      const { status, output } = runPackage(['--version', '1.4.10'], {
        CM_PUBLISHER: 'fabrikam',
        CM_EXTENSION_VERSION: '1.4.9',
        CM_OUTPUT_PATH: join(work, 'out2'),
        CM_STAGING_DIR: join(work, 'staging2'),
      });
      assert.equal(status, 0, output);
      assert.ok(existsSync(join(work, 'out2', 'fabrikam.container-mapping-1.4.10.vsix')), output);
    });
  });
});
