/**
 * Where the tests find the real services that `scripts/services.sh start` (run by `npm test`
 * and `.ci/run`) starts on loopback, and a guard that makes a test fail, never skip,
 * when one is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The two registries: two different registry hosts, so a test can push one image to both. */
export const REGISTRY = process.env.CM_TEST_REGISTRY ?? '127.0.0.1:5000';
export const SECOND_REGISTRY = process.env.CM_TEST_REGISTRY_2 ?? '127.0.0.1:5001';
/** PostgreSQL 15 with a database the tests may change freely. */
export const POSTGRES_URL = process.env.CM_TEST_DATABASE_URL ?? 'postgres://cm:cm@127.0.0.1:5432/cm_test';
/**
 * A second PostgreSQL 15 cluster that only the database fault tests use: they terminate its
 * backends and stop and start it, which must never disturb tests on POSTGRES_URL.
 * `scripts/services.sh start` creates it (cluster 15/faults, port 5439).
 */
export const FAULTS_POSTGRES_URL = process.env.CM_TEST_FAULTS_DATABASE_URL ?? 'postgres://cm:cm@127.0.0.1:5439/cm_faults';
/** That cluster, as `pg_ctlcluster` names it: version and name. */
export const FAULTS_POSTGRES_CLUSTER = process.env.CM_TEST_FAULTS_CLUSTER ?? '15/faults';
/** The Docker engine's socket. */
export const DOCKER_SOCKET = process.env.CM_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock';

function get(options: { socketPath?: string; host?: string; port?: number; path: string }): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ ...options, method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Throws a clear error unless the Docker engine answers `/_ping`. */
export async function requireDocker(): Promise<void> {
  if ((await get({ socketPath: DOCKER_SOCKET, path: '/_ping' })) !== 200) {
    throw new Error(`this test needs a Docker engine on ${DOCKER_SOCKET}: run scripts/services.sh start (as root)`);
  }
}

/** Throws a clear error unless the registry at `host:port` answers `/v2/`. */
export async function requireRegistry(registry: string = REGISTRY): Promise<void> {
  const [host, port] = registry.split(':');
  if ((await get({ host: host ?? '127.0.0.1', port: Number(port ?? 5000), path: '/v2/' })) !== 200) {
    throw new Error(`this test needs a registry on ${registry}: run scripts/services.sh start`);
  }
}

/** Throws a clear error unless PostgreSQL accepts a connection at `url` (default POSTGRES_URL). */
export async function requirePostgres(url: string = POSTGRES_URL): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`this test needs PostgreSQL at ${url}: run scripts/services.sh start (as root) (${(err as Error).message})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The Node.js version the agent runs each execution handler with, from
 * `scripts/agent-node-versions.txt` (the agent's own `src/Misc/externals.sh`).
 */
export function agentNodeVersions(): Map<string, string> {
  const text = readFileSync(resolve(__dirname, '..', '..', 'scripts', 'agent-node-versions.txt'), 'utf8');
  const versions = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [handler, version] = line.trim().split(/\s+/);
    if (handler && version && !handler.startsWith('#')) versions.set(handler, version);
  }
  return versions;
}

/** Where `scripts/services.sh start` puts those binaries: `<cache>/<version>/bin/node`. */
export const AGENT_NODE_CACHE =
  process.env.CM_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'container-mapping', 'node');

/**
 * The Node.js binary the agent's `handler` (`Node10`, `Node16`, `Node20_1`, `Node24`) runs a task
 * with. Throws a clear error when it is not installed or not that version (never a skip).
 */
export function requireAgentNode(handler: string): string {
  const version = agentNodeVersions().get(handler);
  if (!version) throw new Error(`scripts/agent-node-versions.txt names no Node.js version for the handler ${handler}: add it`);
  const node = join(AGENT_NODE_CACHE, version, 'bin', 'node');
  let actual = '';
  try {
    if (existsSync(node)) actual = execFileSync(node, ['--version'], { encoding: 'utf8', timeout: 10000 }).trim();
  } catch {
    actual = '';
  }
  if (actual !== `v${version}`) {
    throw new Error(
      `this test needs Node.js ${version} (the agent's ${handler} handler) at ${node}${actual ? `, found ${actual}` : ''}: run scripts/services.sh start`,
    );
  }
  return node;
}
