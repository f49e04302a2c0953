#!/usr/bin/env node
// Bundles the GitHub Action (github-action/) into github-action/dist/, the files action.yml runs:
//   pre.js, main.js, post.js  the cheap runs: node built-ins and the light part of @actions/core
//                             (its HTTP client, needed only by getIDToken, and @actions/exec,
//                             needed only by core.platform, left out by stubs)
//   collect.js                the collector, required lazily by main.js and post.js when the first
//                             look found pushes: dockerode, registries, BuildKit, the full
//                             @actions/core (getIDToken), delivery
//   artifact.js               the artifact fallback (@actions/artifact), required lazily by
//                             collect.js only when the report could not be delivered
// No node_modules: each file is self-contained. The dist/ folder is not committed; a release
// gets it from `npm run package:action` (see github-action/README.md, "Releases").
// Usage: node scripts/build-action.mjs [--out <folder>]
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'github-action', 'src');
const outIndex = process.argv.indexOf('--out');
const out = outIndex >= 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(root, 'github-action', 'dist');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

// dockerode's optional transports (ssh://, grpc): never used by the collector, left out as in build-tasks.mjs.
const unavailable = [
  join(root, 'collector', 'shims', 'unavailable.cjs'),
  join(root, 'tasks', 'ContainerMappingV1', 'shims', 'unavailable.cjs'),
].find((path) => existsSync(path));

/**
 * The light part of @actions/core: its HTTP client (and subpaths), needed only by getIDToken, and
 * @actions/exec, needed only by core.platform.getDetails(), replaced by stubs that throw if used.
 */
const lightCore = {
  name: 'light-core',
  setup(b) {
    b.onResolve({ filter: /^@actions\/http-client(\/|$)/ }, () => ({ path: join(root, 'github-action', 'shims', 'no-http-client.cjs') }));
    b.onResolve({ filter: /^@actions\/exec$/ }, () => ({ path: join(root, 'github-action', 'shims', 'no-exec.cjs') }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  // The oldest Node.js action.yml's `runs.using` may name (node20); the bundle runs on node24 too.
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __ACTION_VERSION__: JSON.stringify(version) },
  alias: unavailable ? { ssh2: unavailable, '@grpc/grpc-js': unavailable, '@grpc/proto-loader': unavailable } : {},
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  ...common,
  entryPoints: ['pre', 'main', 'post'].map((e) => join(source, `${e}.ts`)),
  outdir: out,
  plugins: [lightCore],
});
await build({ ...common, entryPoints: [join(source, 'collect.ts')], outdir: out });
// The artifact fallback (@actions/artifact and its storage client: large), loaded by collect.js
// only when a report could not be delivered.
// Some of its ESM dependencies call createRequire(import.meta.url) at load; in a CommonJS bundle
// esbuild leaves `import.meta` empty, so `import.meta.url` is set to this file's own URL.
if (existsSync(join(source, 'artifact.ts'))) {
  await build({
    ...common,
    entryPoints: [join(source, 'artifact.ts')],
    outdir: out,
    banner: { js: 'var __cmImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { ...common.define, 'import.meta.url': '__cmImportMetaUrl' },
  });
}
const files = readdirSync(out).map((f) => `${f} (${Math.round(statSync(join(out, f)).size / 1024)} KiB)`);
console.log(`build-action: ${version} → ${out}: ${files.join(', ')}`);
