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

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The lines of the table the demo printed under `command` (indented by three spaces), up to the next blank line. */
function tableAfter(stdout: string, command: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.trim() === command);
  assert.ok(start >= 0, `the demo did not run ${command}:\n${stdout}`);
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.replace(/^ {3}/, ''));
}

const demoFolders = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('container-mapping-demo-')));

describe('npm run demo', function () {
  this.timeout(300_000);
  before(requireDocker);

  it('pushes an image, runs the packaged task, prints who built the digest, which exposed workloads run it with findings, and cleans up', async () => {
    const before = demoFolders();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
      execFile('npm', ['run', '--silent', 'demo'], { cwd: ROOT, timeout: 290_000 }, (err, out, errOut) =>
        ok({ code: err ? Number(err.code ?? 1) : 0, stdout: out, stderr: errOut }),
      );
    });
    assert.equal(code, 0, stderr);
    // The engine is shared: another engineer's push in the same window is mapped to the demo's run too.
    const mapped = /Mapped \d+ pushed images? to run 20261128\.3: .*?(\S+\/demo\/web-api:\S+) → (sha256:[0-9a-f]{64})/.exec(stdout);
    assert.ok(mapped, `the task's line is missing:\n${stdout}`);
    assert.match(stdout, new RegExp(`container-mapping query image ${mapped[2]}`));
    assert.match(stdout, new RegExp(`pushed as:\\s+${escape(mapped[1] ?? '')}`));
    assert.match(stdout, /run 1234 \(20261128\.3\)\s+https:\/\/dev\.azure\.com\/contoso\/Shop\/_build\/results\?buildId=1234/);
    assert.match(stdout, /source\s+https:\/\/dev\.azure\.com\/contoso\/Shop\/_git\/web-api\s+refs\/heads\/main\s+4f9c2a7d/);
    assert.match(stdout, /cluster aks-prod-weu: 2 workloads, 2 internet-exposed, 2 images \(0 unresolved\)/);

    const exposed = tableAfter(stdout, 'container-mapping query exposed --min-severity high');
    assert.match(exposed[0] ?? '', /^CLUSTER\s+NAMESPACE\s+WORKLOAD\s+EXPOSURE\s+IMAGE\s+CRIT\s+HIGH\s+MED\s+LOW\s+RUNS$/);
    assert.equal(exposed.length, 3, `a header and two rows:\n${exposed.join('\n')}`);
    assert.match(
      exposed[1] ?? '',
      /^aks-prod-weu\s+shop\s+Deployment\/checkout\s+Ingress\s+ghcr\.io\/contoso-vendor\/checkout:2\.1\.0@sha256:[0-9a-f]{12}\s+0\s+2\s+0\s+0\s+unmapped$/,
      'the vendor image no pipeline reported is listed, as unmapped',
    );
    const pushed = `${escape(mapped[1] ?? '')}@${mapped[2]?.slice(0, 19)}`;
    assert.match(
      exposed[2] ?? '',
      new RegExp(
        `^aks-prod-weu\\s+shop\\s+Deployment/web-api\\s+LoadBalancer\\s+${pushed}\\s+1\\s+1\\s+0\\s+0\\s+web-api CI #1234 \\(20261128\\.3\\) web-api@4f9c2a7d main$`,
      ),
      'the pushed digest, behind the load balancer, with its critical and high finding and the run, repository and commit that built it',
    );
    const coverage = tableAfter(stdout, 'container-mapping query coverage');
    assert.deepEqual(
      coverage.map((line) => line.split(/\s+/)),
      [
        ['CLUSTER', 'NAMESPACE', 'IMAGES', 'MAPPED', 'UNMAPPED', 'UNRESOLVED'],
        ['aks-prod-weu', 'shop', '2', '1', '1', '0'],
      ],
    );
    assert.match(
      stdout,
      /unmapped in aks-prod-weu\/shop:\n\s+sha256:[0-9a-f]{64}\s+ghcr\.io\/contoso-vendor\/checkout:2\.1\.0\s+Deployment\/checkout\n/,
      'coverage lists the unmapped digest and the workload running it',
    );
    assert.doesNotMatch(stdout, /##vso\[task\.setsecret\]/, 'no secret is shown');
    const left = [...demoFolders()].filter((f) => !before.has(f));
    assert.deepEqual(left, [], 'the demo removes its temporary folder');
  });
});
