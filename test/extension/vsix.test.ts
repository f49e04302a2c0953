import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import AdmZip from 'adm-zip';
import { REPORT_ATTACHMENT_TYPE, REPORTS_PATH } from '../../common/contract';
import {
  DEFAULT_VSIX_PUBLISHER,
  DEFAULT_VSIX_SERVICE_URL,
  DEFAULT_VSIX_VERSION,
  VSIX_TASK_FOLDER,
  buildAndExtractTask,
  type ExtractedTask,
} from '../support/vsix';
import { DECORATOR_TYPE, ROOT, pngSize, readManifest, readTaskJson, taskFolder, type TaskJson } from './artefacts';

describe('the packaged extension (.vsix)', function () {
  // Bundling and tfx take a few seconds; the build is shared with every other test in this process.
  this.timeout(180_000);

  const manifest = readManifest();
  const sourceTask = readTaskJson();
  let built: ExtractedTask;
  let zip: AdmZip;
  let entries: string[];
  const text = (name: string): string => {
    const entry = zip.getEntry(name);
    if (!entry) throw new Error(`${name} is not in the package`);
    return entry.getData().toString('utf8');
  };

  before(async () => {
    built = await buildAndExtractTask();
    zip = new AdmZip(built.vsixPath);
    entries = zip
      .getEntries()
      .filter((e) => !e.isDirectory)
      .map((e) => e.entryName);
  });

  it('is named <publisher>.<extension id>-<version>.vsix', () => {
    assert.equal(basename(built.vsixPath), `${DEFAULT_VSIX_PUBLISHER}.${manifest.id}-${DEFAULT_VSIX_VERSION}.vsix`);
  });

  it('holds the manifests tfx writes, with the requested publisher and version, and stays private', () => {
    const vsixManifest = text('extension.vsixmanifest');
    assert.match(vsixManifest, new RegExp(`<Identity [^>]*Id="${manifest.id}"`));
    assert.match(vsixManifest, new RegExp(`<Identity [^>]*Publisher="${DEFAULT_VSIX_PUBLISHER}"`));
    assert.match(vsixManifest, new RegExp(`<Identity [^>]*Version="${DEFAULT_VSIX_VERSION.replace(/\./g, '\\.')}"`));
    assert.doesNotMatch(vsixManifest, /<GalleryFlags>[^<]*Public/);
  });

  it('carries the manifest contributions unchanged', () => {
    const contributions = (JSON.parse(text('extension.vsomanifest')) as { contributions: unknown[] }).contributions;
    assert.deepEqual(contributions, manifest.contributions);
  });

  it('holds both decorator templates, byte for byte', () => {
    for (const c of manifest.contributions.filter((d) => d.type === DECORATOR_TYPE)) {
      const template = c.properties.template ?? '';
      assert.equal(text(template), readFileSync(join(ROOT, template), 'utf8'));
    }
  });

  it('holds the overview and the 128×128 icon', () => {
    assert.ok(entries.includes(manifest.content.details.path));
    const icon = zip.getEntry(manifest.icons.default);
    assert.ok(icon, 'icon in the package');
    assert.deepEqual(pngSize(icon.getData()), { width: 128, height: 128 });
  });

  it('holds the task folder with task.json, the bundled entry, defaults.json and a 32×32 icon', () => {
    assert.equal(taskFolder(manifest), VSIX_TASK_FOLDER);
    const entry = `${VSIX_TASK_FOLDER}/${sourceTask.execution.Node20_1?.target ?? '?'}`;
    for (const name of [`${VSIX_TASK_FOLDER}/task.json`, entry, `${VSIX_TASK_FOLDER}/defaults.json`, `${VSIX_TASK_FOLDER}/icon.png`]) {
      assert.ok(entries.includes(name), `${name} is in the package`);
    }
    assert.deepEqual(pngSize(readFileSync(join(built.taskDir, 'icon.png'))), { width: 32, height: 32 });
    assert.ok(existsSync(built.entry), 'the entry was extracted');
  });

  it('bakes the service URL into defaults.json', () => {
    const defaults = JSON.parse(readFileSync(join(built.taskDir, 'defaults.json'), 'utf8')) as { serviceUrl?: string };
    assert.equal(defaults.serviceUrl, DEFAULT_VSIX_SERVICE_URL);
  });

  it('gives the task the extension version’s minor and patch, keeping its GUID and major version', () => {
    const task = JSON.parse(readFileSync(join(built.taskDir, 'task.json'), 'utf8')) as TaskJson;
    const [, minor, patch] = DEFAULT_VSIX_VERSION.split('.').map(Number);
    assert.deepEqual(task.version, { Major: sourceTask.version.Major, Minor: minor, Patch: patch });
    assert.equal(task.id, sourceTask.id);
    assert.deepEqual(task.execution, sourceTask.execution);
  });

  it('ships no node_modules, no TypeScript sources and no source maps', () => {
    assert.deepEqual(
      entries.filter((e) => e.split('/').includes('node_modules')),
      [],
    );
    assert.deepEqual(
      entries.filter((e) => /\.(ts|map)$/.test(e)),
      [],
    );
  });

  it('ships nothing the manifest does not name', () => {
    const named = [
      '[Content_Types].xml',
      'extension.vsixmanifest',
      'extension.vsomanifest',
      manifest.content.details.path,
      manifest.icons.default,
      ...manifest.files.map((f) => f.path),
    ];
    const extra = entries.filter((e) => !named.some((n) => e === n || e.startsWith(`${n}/`)));
    assert.deepEqual(extra, []);
  });

  it('bundles the task: it requires only Node built-ins and files shipped beside it', () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const jsFiles = entries.filter((e) => e.startsWith(`${VSIX_TASK_FOLDER}/`) && /\.[cm]?js$/.test(e));
    for (const file of jsFiles) {
      const source = text(file);
      const specifiers = [...source.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? '');
      for (const specifier of specifiers) {
        if (builtins.has(specifier)) continue;
        assert.ok(specifier.startsWith('./'), `${file} loads "${specifier}", which is neither a Node built-in nor a shipped file`);
        const target = `${VSIX_TASK_FOLDER}/${specifier.slice(2)}`;
        assert.ok(entries.includes(target) || entries.includes(`${target}.js`), `${file} loads ${specifier}, which is not shipped`);
      }
    }
  });

  it('takes the contract constants from common/contract.ts without carrying the report schema’s TypeBox', () => {
    const bundles = entries
      .filter((e) => e.startsWith(`${VSIX_TASK_FOLDER}/`) && /\.[cm]?js$/.test(e))
      .map(text)
      .join('\n');
    assert.ok(bundles.includes(`"${REPORTS_PATH}"`), 'the reports path is in the task');
    assert.ok(bundles.includes(`"${REPORT_ATTACHMENT_TYPE}"`), 'the attachment type is in the task');
    // TypeBox registers its schemas under Symbol.for("TypeBox.Kind"); importing any value from
    // common/report.ts (not only types) would bundle it.
    assert.ok(!bundles.includes('TypeBox.Kind'), 'TypeBox is not bundled into the task');
  });

  it('ships every file the task bundler wrote, lazily loaded bundles included', () => {
    // The bundler ran for this build; build/tasks/<Task>/ holds what it wrote.
    const bundled = join(ROOT, 'build', 'tasks', basename(VSIX_TASK_FOLDER));
    const written = readdirSync(bundled).filter((f) => !f.endsWith('.map'));
    assert.ok(written.length > 0, 'the bundler wrote files');
    for (const file of written) assert.ok(entries.includes(`${VSIX_TASK_FOLDER}/${file}`), `${file} is in the package`);
  });

  it('runs with plain node outside the repository and ends without failing when opted out', () => {
    const result = spawnSync(process.execPath, [built.entry], {
      cwd: built.taskDir,
      encoding: 'utf8',
      timeout: 60_000,
      // The agent passes pipeline variables to a task as upper-cased environment variables.
      env: { PATH: process.env.PATH ?? '', CONTAINERMAPPING_DISABLED: 'true', AGENT_TEMPDIRECTORY: built.taskDir },
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stdout, /result=Failed/);
  });
});
