#!/usr/bin/env node
// Builds the Azure DevOps extension (.vsix) an organisation installs:
//   typecheck → bundle the task (scripts/build-tasks.mjs) → stage exactly what ships → tfx extension create.
//
//   npm run package -- --publisher contoso --service-url https://mapping.contoso.com --version 1.0.7
//
// Options (flag, or environment variable; the flag wins):
//   --publisher     CM_PUBLISHER          Marketplace publisher ID        (default: the manifest's)
//   --extension-id  CM_EXTENSION_ID       extension ID                    (default: the manifest's)
//   --version       CM_EXTENSION_VERSION  extension version, MAJOR.MINOR.PATCH (default: the manifest's)
//   --service-url   CM_SERVICE_URL        mapping service URL baked into the task's defaults.json
//   --output-path   CM_OUTPUT_PATH        folder for the .vsix            (default: dist/)
//   --staging-dir   CM_STAGING_DIR        folder the package is assembled in (default: build/extension/)
//   --no-typecheck                        skip `tsc -p .` (the tests do: they typecheck separately)
//
// The task's version follows the extension's: task MAJOR stays the task folder's major (the
// decorators reference @MAJOR), MINOR.PATCH are the extension's. Agents cache tasks by version, so
// publish every new package with a higher extension version (bump PATCH at least).
// Nothing here talks to the network: tfx extension create only reads and writes local files.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

class UsageError extends Error {}

const FLAGS = {
  '--publisher': 'CM_PUBLISHER',
  '--extension-id': 'CM_EXTENSION_ID',
  '--version': 'CM_EXTENSION_VERSION',
  '--service-url': 'CM_SERVICE_URL',
  '--output-path': 'CM_OUTPUT_PATH',
  '--staging-dir': 'CM_STAGING_DIR',
};

/** Flags (`--name value` or `--name=value`) over environment variables. */
function parseOptions(argv, env) {
  const options = { typecheck: true };
  for (const [flag, variable] of Object.entries(FLAGS)) if (env[variable]) options[flag] = env[variable];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-typecheck') {
      options.typecheck = false;
      continue;
    }
    if (arg === '--help' || arg === '-h') {
      options.help = true;
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    if (!(flag in FLAGS)) throw new UsageError(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    options[flag] = value;
  }
  return options;
}

function validate(options, manifest) {
  const publisher = options['--publisher'] ?? manifest.publisher;
  const extensionId = options['--extension-id'] ?? manifest.id;
  const version = options['--version'] ?? manifest.version;
  const serviceUrl = options['--service-url'];
  // Marketplace IDs: letters, digits, '-' and '_', starting with a letter or digit.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(publisher)) throw new UsageError(`--publisher "${publisher}" is not a Marketplace publisher ID`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(extensionId)) throw new UsageError(`--extension-id "${extensionId}" is not a valid extension ID`);
  if (!/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.test(version)) throw new UsageError(`--version "${version}" is not MAJOR.MINOR.PATCH`);
  if (serviceUrl !== undefined) {
    let url;
    try {
      url = new URL(serviceUrl);
    } catch {
      throw new UsageError(`--service-url "${serviceUrl}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--service-url must be http(s), not ${url.protocol}`);
    if (url.username || url.password)
      throw new UsageError('--service-url must not carry credentials: use the ContainerMapping.Token variable');
  }
  // The staging folder is emptied first: never let that be the repository, the bundler's output, or anything outside build/ in the repository.
  const stagingDir = resolve(root, options['--staging-dir'] ?? join('build', 'extension'));
  const fromRoot = relative(root, stagingDir);
  const insideRoot = !fromRoot.startsWith('..') && !isAbsolute(fromRoot);
  const holds = (dir) => !relative(stagingDir, dir).startsWith('..');
  const bundles = join(root, 'build', 'tasks');
  if (
    holds(root) ||
    holds(bundles) ||
    !relative(bundles, stagingDir).startsWith('..') ||
    (insideRoot && !fromRoot.startsWith(`build${sep}`))
  ) {
    throw new UsageError(`--staging-dir ${stagingDir} would be emptied: choose a folder under build/ or outside the repository`);
  }
  // The task's version is MAJOR (its own).MINOR.PATCH (the extension's): with equal majors it
  // only ever grows when the extension's does, so agents never run a stale cached task.
  for (const folder of taskFolders(manifest)) {
    const taskMajor = readJson(join(root, folder, 'task.json')).version.Major;
    if (Number(version.split('.')[0]) !== taskMajor) {
      throw new UsageError(
        `--version ${version}: the extension's major version must be the task's (${taskMajor}), so that the task's version only ever grows`,
      );
    }
  }
  return {
    publisher,
    extensionId,
    version,
    serviceUrl,
    outputPath: resolve(root, options['--output-path'] ?? 'dist'),
    stagingDir,
    typecheck: options.typecheck,
  };
}

function run(command, args, what, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Every file under `dir`, as paths relative to it with '/' separators. */
function listFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => p.split(sep).join('/'))
    .sort();
}

/** The task folders the manifest contributes, e.g. `tasks/ContainerMappingV1`. */
function taskFolders(manifest) {
  return manifest.contributions.filter((c) => c.type === 'ms.vss-distributed-task.task').map((c) => c.properties.name);
}

function bundleTasks(settings) {
  // The same program `npm run build:tasks` runs, called directly: no npm start-up on every package.
  const bundler = join(root, 'scripts', 'build-tasks.mjs');
  if (!existsSync(bundler)) {
    throw new Error(
      'the task bundler scripts/build-tasks.mjs is missing: it writes build/tasks/<TaskFolder>/ (index.js, task.json, defaults.json)',
    );
  }
  const args = [bundler];
  if (settings.serviceUrl !== undefined) args.push('--service-url', settings.serviceUrl);
  run(process.execPath, args, 'the task bundler (scripts/build-tasks.mjs)');
}

/** Copies one built task into the staging folder, with its icon, version and baked defaults. */
function stageTask(settings, folder) {
  const name = folder.split('/').pop();
  const built = join(root, 'build', 'tasks', name);
  if (!existsSync(join(built, 'task.json'))) throw new Error(`the task bundler did not write ${relative(root, built)}/task.json`);
  const target = join(settings.stagingDir, folder);
  cpSync(built, target, {
    recursive: true,
    // A bundled task ships no node_modules (and no source maps: they only add download time to every job).
    filter: (src) => !src.split(sep).includes('node_modules') && !src.endsWith('.map'),
  });
  copyFileSync(join(root, 'images', 'task-icon.png'), join(target, 'icon.png'));

  const taskJson = readJson(join(target, 'task.json'));
  const [, minor, patch] = settings.version.split('.').map(Number);
  taskJson.version = { Major: taskJson.version.Major, Minor: minor, Patch: patch };
  writeFileSync(join(target, 'task.json'), `${JSON.stringify(taskJson, null, 2)}\n`);

  for (const handler of Object.values(taskJson.execution ?? {})) {
    if (!existsSync(join(target, handler.target))) throw new Error(`${folder}: execution target ${handler.target} was not built`);
  }

  const defaultsPath = join(target, 'defaults.json');
  const defaults = existsSync(defaultsPath) ? readJson(defaultsPath) : {};
  if (settings.serviceUrl !== undefined) defaults.serviceUrl = settings.serviceUrl;
  writeFileSync(defaultsPath, `${JSON.stringify(defaults, null, 2)}\n`);
}

/** Assembles exactly what ships: manifest, overview, icons, decorator templates, bundled tasks. */
function stage(settings, manifest) {
  rmSync(settings.stagingDir, { recursive: true, force: true });
  mkdirSync(settings.stagingDir, { recursive: true });
  const copy = (path) => {
    mkdirSync(dirname(join(settings.stagingDir, path)), { recursive: true });
    copyFileSync(join(root, path), join(settings.stagingDir, path));
  };
  copy('vss-extension.json');
  copy(manifest.content.details.path);
  for (const icon of Object.values(manifest.icons)) copy(icon);
  for (const c of manifest.contributions) if (c.properties?.template) copy(c.properties.template);
  for (const folder of taskFolders(manifest)) stageTask(settings, folder);
  // Anything else the manifest lists (pictures the overview uses) is copied as it is.
  for (const file of manifest.files) {
    if (!existsSync(join(settings.stagingDir, file.path)))
      cpSync(join(root, file.path), join(settings.stagingDir, file.path), { recursive: true });
  }
}

/**
 * The environment for tfx: `extension create` only reads and writes local files, and should any
 * version of it try the network, its requests go to a closed loopback port and fail at once.
 */
function offline() {
  const closed = 'http://127.0.0.1:9';
  return { ...process.env, HTTP_PROXY: closed, HTTPS_PROXY: closed, http_proxy: closed, https_proxy: closed, NO_PROXY: '', no_proxy: '' };
}

function createVsix(settings) {
  mkdirSync(settings.outputPath, { recursive: true });
  const vsixPath = join(settings.outputPath, `${settings.publisher}.${settings.extensionId}-${settings.version}.vsix`);
  const overridesPath = join(dirname(settings.stagingDir), `${settings.extensionId}.overrides.json`);
  writeFileSync(overridesPath, JSON.stringify({ publisher: settings.publisher, id: settings.extensionId, version: settings.version }));
  rmSync(vsixPath, { force: true });
  const tfx = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tfx.cmd' : 'tfx');
  if (!existsSync(tfx)) throw new Error('tfx-cli is not installed: run npm install');
  run(
    tfx,
    [
      'extension',
      'create',
      '--root',
      settings.stagingDir,
      '--manifests',
      'vss-extension.json',
      '--overrides-file',
      overridesPath,
      '--output-path',
      vsixPath,
      '--no-prompt',
      '--no-color',
    ],
    'tfx extension create',
    offline(),
  );
  rmSync(overridesPath, { force: true });
  if (!existsSync(vsixPath)) throw new Error(`tfx extension create wrote no ${vsixPath}`);
  return vsixPath;
}

/** Refuses a package that ships node_modules or misses a file the manifest names. */
function check(vsixPath, manifest) {
  const AdmZip = require('adm-zip');
  const entries = new AdmZip(vsixPath).getEntries().map((e) => e.entryName);
  const bad = entries.filter((e) => e.split('/').includes('node_modules'));
  if (bad.length > 0) throw new Error(`the package ships node_modules: ${bad.slice(0, 3).join(', ')}`);
  const needed = [
    'extension.vsixmanifest',
    'extension.vsomanifest',
    manifest.content.details.path,
    ...Object.values(manifest.icons),
    ...manifest.contributions.flatMap((c) => (c.properties?.template ? [c.properties.template] : [])),
    ...taskFolders(manifest).flatMap((f) => [`${f}/task.json`, `${f}/defaults.json`, `${f}/icon.png`]),
  ];
  const missing = needed.filter((n) => !entries.includes(n));
  if (missing.length > 0) throw new Error(`the package misses ${missing.join(', ')}`);
  return entries;
}

function main() {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(1, 20)
        .map((l) => l.replace(/^\/\/ ?/, ''))
        .join('\n'),
    );
    return;
  }
  const manifest = readJson(join(root, 'vss-extension.json'));
  const settings = validate(options, manifest);

  if (settings.typecheck) {
    console.log('package: typecheck (tsc -p .)');
    run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.', '--noEmit'], 'tsc -p .');
  }
  console.log('package: bundle the task (scripts/build-tasks.mjs)');
  bundleTasks(settings);
  console.log(`package: stage ${settings.stagingDir}`);
  stage(settings, manifest);
  const staged = listFiles(settings.stagingDir);
  console.log(`package: tfx extension create (${staged.length} files)`);
  const vsixPath = createVsix(settings);
  const entries = check(vsixPath, manifest);
  const size = statSync(vsixPath).size;
  console.log(`package: ${entries.filter((e) => !e.endsWith('/')).length} files, ${(size / 1024).toFixed(0)} KiB`);
  console.log(`package: wrote ${vsixPath}`);
}

try {
  main();
} catch (err) {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
