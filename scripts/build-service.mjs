// Bundles the service CLI into build/service/cli.js (node_modules stay external) and copies
// the migration files beside it, where the store looks for them at run time.
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'service');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'service', 'src', 'cli', 'main.ts')],
  outfile: join(out, 'cli.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
cpSync(join(root, 'service', 'src', 'store', 'migrations'), join(out, 'migrations'), { recursive: true });

// The page the service serves at `/` is built with it.
const { buildWeb } = await import('./build-web.mjs');
await buildWeb();
