/**
 * `npm run docs:screenshot`: makes the README's picture of the explorer page from the real thing. It runs the
 * browser test of `npm run demo -- --keep` (test/e2e/demoKeep.e2e.test.ts: the demo's push, task run, cluster
 * and scans, then the first template's query in Chromium, signed in, the image → run edge opened), which saves
 * its screenshot in the test artefacts (.tmp/artefacts/web/, not committed); once the test has passed, this
 * copies that one PNG to docs/explorer.png. Needs what the demo and the browser tests need (Docker, chromium).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARTEFACTS, DEMO_SCREENSHOT } from '../test/web/support/browser';

const ROOT = resolve(__dirname, '..');
const SOURCE = join(ARTEFACTS, `${DEMO_SCREENSHOT}.png`);
const TARGET = join(ROOT, 'docs', 'explorer.png');

const started = Date.now();
const test = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), 'test/e2e/demoKeep.e2e.test.ts'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (test.status !== 0) {
  process.stderr.write('docs:screenshot: the browser test failed; docs/explorer.png is unchanged\n');
  process.exit(1);
}
// A screenshot older than this run is not the one the test just checked.
if (!existsSync(SOURCE) || statSync(SOURCE).mtimeMs < started) {
  process.stderr.write(`docs:screenshot: the test wrote no new ${SOURCE}\n`);
  process.exit(1);
}
copyFileSync(SOURCE, TARGET);
process.stdout.write(`docs:screenshot: ${SOURCE} → docs/explorer.png\n`);
