/**
 * Reads the extension's source artefacts (manifest, task.json, decorator templates) from the
 * repository for the tests in this folder.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';

export const ROOT = resolve(__dirname, '..', '..');

export interface ManifestContribution {
  id: string;
  type: string;
  targets: string[];
  properties: { name?: string; template?: string };
}

export interface ExtensionManifest {
  id: string;
  publisher: string;
  version: string;
  public?: boolean;
  categories: string[];
  targets: Array<{ id: string; version?: string }>;
  icons: { default: string };
  content: { details: { path: string } };
  links?: Record<string, { uri: string }>;
  files: Array<{ path: string; addressable?: boolean; contentType?: string }>;
  contributions: ManifestContribution[];
}

export interface TaskJson {
  id: string;
  name: string;
  version: { Major: number; Minor: number; Patch: number };
  execution: Record<string, { target: string }>;
  [key: string]: unknown;
}

export const DECORATOR_TYPE = 'ms.azure-pipelines.pipeline-decorator';
export const TASK_TYPE = 'ms.vss-distributed-task.task';

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function readManifest(): ExtensionManifest {
  return readJson<ExtensionManifest>(join(ROOT, 'vss-extension.json'));
}

/** The task folder the manifest contributes (e.g. `tasks/ContainerMappingV1`). */
export function taskFolder(manifest: ExtensionManifest = readManifest()): string {
  const tasks = manifest.contributions.filter((c) => c.type === TASK_TYPE);
  if (tasks.length !== 1 || !tasks[0]?.properties.name) throw new Error('the manifest must contribute exactly one task');
  return tasks[0].properties.name;
}

export function readTaskJson(): TaskJson {
  return readJson<TaskJson>(join(ROOT, taskFolder(), 'task.json'));
}

/** Each decorator contribution with its template parsed as YAML. */
export function readDecorators(): Array<{ contribution: ManifestContribution; path: string; template: unknown }> {
  return readManifest()
    .contributions.filter((c) => c.type === DECORATOR_TYPE)
    .map((contribution) => {
      const path = contribution.properties.template ?? '';
      return { contribution, path, template: load(readFileSync(join(ROOT, path), 'utf8')) };
    });
}

/** Width and height of a PNG file, from its IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('ascii', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG file');
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
