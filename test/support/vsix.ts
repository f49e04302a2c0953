/**
 * Builds the extension's .vsix exactly as `npm run package` does and extracts the task from it,
 * so that tests run the task as it ships: `node <entry>` on the bundled file, with no
 * node_modules anywhere above it.
 *
 * One build per set of options per test process: the first call builds (a few seconds), later
 * calls with the same options get the same files. Everything lives in a temporary folder that
 * is removed when the process exits; the repository's dist/ and build/extension/ are untouched
 * (the task bundler still writes build/tasks/, as `npm run build:tasks` always does).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import AdmZip from 'adm-zip';

const ROOT = resolve(__dirname, '..', '..');

/** What to build. Every field is optional. */
export interface VsixBuildOptions {
  /** Baked into the task's defaults.json. Default: http://127.0.0.1:9/ (loopback discard port: nothing answers). */
  serviceUrl?: string;
  /** Extension version, MAJOR.MINOR.PATCH; the task's MINOR.PATCH follow it. Default: {@link DEFAULT_VSIX_VERSION}. */
  version?: string;
  /** Marketplace publisher ID. Default: {@link DEFAULT_VSIX_PUBLISHER}. */
  publisher?: string;
  /** Extension ID. Default: the manifest's. */
  extensionId?: string;
}

/** A built package and the task extracted from it. */
export interface ExtractedTask {
  /** The .vsix file, named `<publisher>.<extension id>-<version>.vsix`. */
  vsixPath: string;
  /** The extracted task folder (task.json, defaults.json, icon.png, the bundle). */
  taskDir: string;
  /** The file the agent runs: `taskDir` joined with task.json's `execution.Node20_1.target`. */
  entry: string;
}

export const DEFAULT_VSIX_SERVICE_URL = 'http://127.0.0.1:9/';
export const DEFAULT_VSIX_VERSION = '1.3.7';
export const DEFAULT_VSIX_PUBLISHER = 'cm-test';
/** Where the task lives inside the .vsix (the manifest's task contribution `properties.name`). */
export const VSIX_TASK_FOLDER = 'tasks/ContainerMappingV1';

const builds = new Map<string, Promise<ExtractedTask>>();
// Builds run one at a time: each one runs the task bundler, which writes the shared build/tasks/.
let lastBuild: Promise<unknown> = Promise.resolve();
const workDirs: string[] = [];
process.once('exit', () => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

function runPackageScript(args: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'scripts', 'package-extension.mjs'), ...args],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 5 * 60 * 1000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`npm run package failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolveRun();
      },
    );
  });
}

async function build(options: Required<Omit<VsixBuildOptions, 'extensionId'>> & { extensionId?: string }): Promise<ExtractedTask> {
  const work = mkdtempSync(join(tmpdir(), 'cm-vsix-'));
  workDirs.push(work);
  const args = [
    '--no-typecheck',
    '--service-url',
    options.serviceUrl,
    '--version',
    options.version,
    '--publisher',
    options.publisher,
    '--output-path',
    join(work, 'dist'),
    '--staging-dir',
    join(work, 'staging'),
  ];
  if (options.extensionId) args.push('--extension-id', options.extensionId);
  await runPackageScript(args);

  const manifest = JSON.parse(readFileSync(join(ROOT, 'vss-extension.json'), 'utf8')) as { id: string };
  const vsixPath = join(work, 'dist', `${options.publisher}.${options.extensionId ?? manifest.id}-${options.version}.vsix`);
  const taskDir = join(work, 'extracted', ...VSIX_TASK_FOLDER.split('/'));
  const prefix = `${VSIX_TASK_FOLDER}/`;
  let found = 0;
  for (const e of new AdmZip(vsixPath).getEntries()) {
    if (e.isDirectory || !e.entryName.startsWith(prefix)) continue;
    const target = join(taskDir, ...e.entryName.slice(prefix.length).split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, e.getData());
    found++;
  }
  if (found === 0) throw new Error(`${vsixPath} holds no ${prefix}`);

  const taskJson = JSON.parse(readFileSync(join(taskDir, 'task.json'), 'utf8')) as { execution?: { Node20_1?: { target?: string } } };
  const target = taskJson.execution?.Node20_1?.target;
  if (!target) throw new Error('the packaged task.json has no execution.Node20_1.target');
  return { vsixPath, taskDir, entry: join(taskDir, target) };
}

/**
 * Builds the .vsix (once per distinct `options` in this process) and extracts its task folder.
 * Rejects with the packaging output when the build fails.
 */
export function buildAndExtractTask(options: VsixBuildOptions = {}): Promise<ExtractedTask> {
  const resolved = {
    serviceUrl: options.serviceUrl ?? DEFAULT_VSIX_SERVICE_URL,
    version: options.version ?? DEFAULT_VSIX_VERSION,
    publisher: options.publisher ?? DEFAULT_VSIX_PUBLISHER,
    ...(options.extensionId ? { extensionId: options.extensionId } : {}),
  };
  const key = JSON.stringify(resolved);
  let pending = builds.get(key);
  if (!pending) {
    pending = lastBuild.then(() => build(resolved));
    lastBuild = pending.catch(() => undefined);
    builds.set(key, pending);
  }
  return pending;
}
