#!/usr/bin/env node
// Bundles each task under tasks/ into build/tasks/<Task>/ for packaging:
//   index.js    the entry named in task.json: the cheap first look (node built-ins only)
//   collect.js  the collector, required lazily by index.js when there is something to report
//               (the task's entries import the shared collector/ and bundle what they use)
//   task.json   copied
//   defaults.json  { "serviceUrl": "<--service-url or empty>" }
// Usage: node scripts/build-tasks.mjs [--service-url <url>]
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

const serviceUrl = option('--service-url') ?? '';
if (serviceUrl && !/^https?:\/\/[^\s]+$/.test(serviceUrl)) {
  console.error(`build-tasks: --service-url must be an http(s) URL, got "${serviceUrl}"`);
  process.exit(2);
}

/**
 * The Node.js major version each agent execution handler runs a task with
 * (microsoft/azure-pipelines-task-lib, node/docs/nodeVersioning.md).
 */
const HANDLER_NODE = { Node: 6, Node10: 10, Node16: 16, Node20_1: 20, Node24: 24 };

/** The oldest Node.js any handler in task.json's `execution` runs: the bundle must run there. */
function oldestNode(task) {
  const majors = Object.keys(task.execution ?? {}).map((handler) => {
    const major = HANDLER_NODE[handler];
    if (major === undefined) throw new Error(`task.json: unknown execution handler ${handler}`);
    return major;
  });
  if (majors.length === 0) throw new Error('task.json declares no execution handler');
  return Math.min(...majors);
}

const tasksDir = join(root, 'tasks');
const tasks = readdirSync(tasksDir).filter((name) => {
  const dir = join(tasksDir, name);
  return statSync(dir).isDirectory() && readdirSync(dir).includes('task.json');
});

for (const name of tasks) {
  const source = join(tasksDir, name);
  const out = join(root, 'build', 'tasks', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const task = JSON.parse(readFileSync(join(source, 'task.json'), 'utf8'));
  const version = `${task.version.Major}.${task.version.Minor}.${task.version.Patch}`;
  const entries = ['index', 'collect'].filter((entry) => readdirSync(source).includes(`${entry}.ts`));
  // collect.js first: index.js carries its content hash, which names its code cache on the agent
  // (collector/codeCache.ts), so that a cache is never read by another build.
  const define = { __TASK_VERSION__: JSON.stringify(version) };
  for (const entry of [...entries].reverse()) {
    await build(bundleOptions(join(source, `${entry}.ts`), out, task, define));
    if (entry === 'collect') {
      const hash = createHash('sha256')
        .update(readFileSync(join(out, 'collect.js')))
        .digest('hex')
        .slice(0, 16);
      define.__COLLECTOR_HASH__ = JSON.stringify(hash);
    }
  }
  copyFileSync(join(source, 'task.json'), join(out, 'task.json'));
  writeFileSync(join(out, 'defaults.json'), `${JSON.stringify({ serviceUrl }, null, 2)}\n`);
  const files = readdirSync(out).map((f) => `${f} (${Math.round(statSync(join(out, f)).size / 1024)} KiB)`);
  console.log(`build-tasks: ${name} ${version} → build/tasks/${name}: ${files.join(', ')}`);
}

/** esbuild's options for one entry of a task. */
function bundleOptions(entry, out, task, define) {
  return {
    entryPoints: [entry],
    outdir: out,
    bundle: true,
    platform: 'node',
    target: `node${oldestNode(task)}`,
    format: 'cjs',
    // TASK_BUILD_MINIFY=0: readable names in a CPU profile (npm run bench:task:profile); never for a release.
    minify: process.env.TASK_BUILD_MINIFY !== '0',
    legalComments: 'none',
    logLevel: 'warning',
    define,
    // dockerode's optional transports: ssh:// engines are not supported by the task
    // (see tasks/README.md), and BuildKit sessions (grpc) are never opened. Left out,
    // they cost nothing at start-up.
    alias: {
      ssh2: join(root, 'collector', 'shims', 'unavailable.cjs'),
      '@grpc/grpc-js': join(root, 'collector', 'shims', 'unavailable.cjs'),
      '@grpc/proto-loader': join(root, 'collector', 'shims', 'unavailable.cjs'),
    },
  };
}
