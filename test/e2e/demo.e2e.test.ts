/**
 * `npm run demo` is in the README: it must work on a machine with a Docker engine and leave
 * nothing behind.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { requireDocker } from '../support/services';
import { ROOT } from './support/serviceProcess';

const demoFolders = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('container-mapping-demo-')));

describe('npm run demo', function () {
  this.timeout(180_000);
  before(requireDocker);

  it('pushes an image, runs the packaged task, prints who built the digest, and cleans up', async () => {
    const before = demoFolders();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
      execFile('npm', ['run', '--silent', 'demo'], { cwd: ROOT, timeout: 170_000 }, (err, out, errOut) =>
        ok({ code: err ? Number(err.code ?? 1) : 0, stdout: out, stderr: errOut }),
      );
    });
    assert.equal(code, 0, stderr);
    const mapped = /Mapped 1 pushed image to run 20261128\.3: (\S+) → (sha256:[0-9a-f]{64})/.exec(stdout);
    assert.ok(mapped, `the task's line is missing:\n${stdout}`);
    assert.match(stdout, new RegExp(`container-mapping query image ${mapped[2]}`));
    assert.match(stdout, new RegExp(`pushed as:\\s+${mapped[1]?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(stdout, /run 1234 \(20261128\.3\)\s+https:\/\/dev\.azure\.com\/contoso\/Shop\/_build\/results\?buildId=1234/);
    assert.match(stdout, /source\s+https:\/\/dev\.azure\.com\/contoso\/Shop\/_git\/web-api\s+refs\/heads\/main\s+4f9c2a7d/);
    assert.doesNotMatch(stdout, /##vso\[task\.setsecret\]/, 'no secret is shown');
    const left = [...demoFolders()].filter((f) => !before.has(f));
    assert.deepEqual(left, [], 'the demo removes its temporary folder');
  });
});
