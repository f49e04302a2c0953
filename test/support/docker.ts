/**
 * Building and pushing test images on the real Docker engine, and reading digests back from
 * the real registries. Images are `FROM scratch` (nothing can be pulled here) and built with
 * the classic builder (`DOCKER_BUILDKIT=0`) so that their pushes go through the engine and
 * show up in its events. Test code only: the task itself never runs the docker CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { DOCKER_SOCKET } from './services';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** Runs the docker CLI with arguments (never a shell string); resolves with stdout. */
export function docker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'docker',
      args,
      { env: { ...process.env, DOCKER_BUILDKIT: '0', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`docker ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** A repository path no other test run uses: `cm-test/<prefix>-<random>`. */
export function uniqueRepository(prefix: string): string {
  return `cm-test/${prefix}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Builds a `FROM scratch` image holding one file with `content`, tagged `tag`; returns its image ID. */
export async function buildScratchImage(tag: string, content: string, labels: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-image-'));
  try {
    await writeFile(join(dir, 'content.txt'), content);
    const labelLines = Object.entries(labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
    await writeFile(join(dir, 'Dockerfile'), ['FROM scratch', 'COPY content.txt /content.txt', ...labelLines, ''].join('\n'));
    const out = await docker(['build', '--quiet', '--tag', tag, dir]);
    return out.trim().split('\n').pop() ?? '';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `docker tag source target`. */
export async function tagImage(source: string, target: string): Promise<void> {
  await docker(['tag', source, target]);
}

/** `docker push reference` (through the engine, so it is an engine `push` event). */
export async function pushImage(reference: string): Promise<void> {
  await docker(['push', '--quiet', reference]);
}

/** Removes images by reference or ID, ignoring those already gone. */
export async function removeImages(references: string[]): Promise<void> {
  if (references.length === 0) return;
  await docker(['image', 'rm', '--force', ...references]).catch(() => undefined);
}

/** The registry's `Docker-Content-Digest` for `repository:tag` on `registry` (`127.0.0.1:5000`). */
export function registryDigest(registry: string, repository: string, tag: string): Promise<string> {
  const [host, port] = registry.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port ?? 80),
        method: 'HEAD',
        path: `/v2/${repository}/manifests/${tag}`,
        headers: { Accept: MANIFEST_TYPES },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        const digest = res.headers['docker-content-digest'];
        if (res.statusCode === 200 && typeof digest === 'string') resolve(digest);
        else reject(new Error(`registry ${registry} answered ${res.statusCode} for ${repository}:${tag}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('registry timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * When the engine recorded the push of `reference` (an `image` `push` event since `sinceMs`),
 * in epoch nanoseconds, read from the Engine API's `/events` (bounded by `until`, so the
 * stream ends). Throws when there is none.
 */
export function pushEventTimeNano(reference: string, sinceMs: number, socketPath: string = DOCKER_SOCKET): Promise<number> {
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const filters = encodeURIComponent(JSON.stringify({ type: ['image'], event: ['push'] }));
  const path = `/events?since=${seconds(sinceMs)}&until=${seconds(Date.now() + 1)}&filters=${filters}`;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const times = text
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as { Actor?: { ID?: string }; timeNano?: number })
          .filter((e) => e.Actor?.ID === reference && typeof e.timeNano === 'number')
          .map((e) => e.timeNano as number);
        const last = times.at(-1);
        if (res.statusCode === 200 && last !== undefined) resolve(last);
        else
          reject(
            new Error(`the engine has no push event for ${reference} since ${new Date(sinceMs).toISOString()} (status ${res.statusCode})`),
          );
      });
    });
    req.on('timeout', () => req.destroy(new Error('the engine did not finish listing its events')));
    req.on('error', reject);
    req.end();
  });
}
