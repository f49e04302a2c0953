import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DECORATOR_TYPE, ROOT, TASK_TYPE, pngSize, readManifest, readTaskJson, taskFolder } from './artefacts';

const manifest = readManifest();

/** True when `path` is a listed file, or lies inside a listed folder. */
function listedInFiles(path: string): boolean {
  return manifest.files.some((f) => f.path === path || path.startsWith(`${f.path}/`));
}

describe('the extension manifest (vss-extension.json)', () => {
  it('is private, because only private extensions may contribute pipeline decorators', () => {
    assert.equal(manifest.public, false);
  });

  it('is listed under Azure Pipelines and installs into Azure DevOps Services and Server', () => {
    assert.deepEqual(manifest.categories, ['Azure Pipelines']);
    assert.deepEqual(
      manifest.targets.map((t) => t.id),
      ['Microsoft.VisualStudio.Services'],
    );
  });

  it('has a version the Marketplace accepts, with the same major version as the task', () => {
    assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    assert.equal(Number(manifest.version.split('.')[0]), readTaskJson().version.Major);
  });

  it('has a 128×128 PNG icon', () => {
    assert.deepEqual(pngSize(readFileSync(join(ROOT, manifest.icons.default))), { width: 128, height: 128 });
  });

  it('has an overview page that documents the opt-out variable, the service URL and privacy', () => {
    const overview = readFileSync(join(ROOT, manifest.content.details.path), 'utf8');
    assert.match(overview, /ContainerMapping\.Disabled/);
    assert.match(overview, /service URL/i);
    assert.match(overview, /personal data/i);
  });

  it('links to where users get started and get support', () => {
    assert.ok(manifest.links?.getstarted?.uri.startsWith('https://'));
    assert.ok(manifest.links?.support?.uri.startsWith('https://'));
  });

  it('contributes one build task, from a folder that holds its task.json and is listed in files', () => {
    const tasks = manifest.contributions.filter((c) => c.type === TASK_TYPE);
    assert.equal(tasks.length, 1);
    assert.deepEqual(tasks[0]?.targets, ['ms.vss-distributed-task.tasks']);
    const folder = taskFolder(manifest);
    assert.ok(existsSync(join(ROOT, folder, 'task.json')), `${folder}/task.json exists`);
    assert.ok(listedInFiles(folder), `${folder} is listed in files`);
  });

  it('names the task folder after the task and its major version', () => {
    const task = readTaskJson();
    assert.equal(taskFolder(manifest).split('/').pop(), `${task.name}V${task.version.Major}`);
  });

  it('contributes post-job decorators for build/YAML and classic release agent jobs, and no pre-job one', () => {
    const targets = manifest.contributions.filter((c) => c.type === DECORATOR_TYPE).flatMap((c) => c.targets);
    assert.deepEqual(targets.sort(), [
      'ms.azure-pipelines-agent-job.post-job-tasks',
      'ms.azure-release-pipelines-agent-job.post-job-tasks',
    ]);
  });

  it('points each decorator at an existing template that files lists as addressable text', () => {
    for (const c of manifest.contributions.filter((d) => d.type === DECORATOR_TYPE)) {
      const template = c.properties.template ?? '';
      assert.match(template, /^decorators\/[^/]+\.yml$/);
      assert.ok(statSync(join(ROOT, template)).isFile(), `${template} exists`);
      const entry = manifest.files.find((f) => f.path === template);
      assert.ok(entry, `${template} is listed in files`);
      assert.equal(entry.addressable, true);
      assert.equal(entry.contentType, 'text/plain');
    }
  });

  it('has unique contribution IDs', () => {
    const ids = manifest.contributions.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('lists only files that exist in the repository', () => {
    for (const f of manifest.files) assert.ok(existsSync(join(ROOT, f.path)), `${f.path} exists`);
  });

  it('ships a 32×32 PNG task icon for the pipeline editor', () => {
    assert.deepEqual(pngSize(readFileSync(join(ROOT, 'images', 'task-icon.png'))), { width: 32, height: 32 });
  });
});
