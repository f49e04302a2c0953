/**
 * A registry that requires a login with HTTP Basic: Debian's docker-registry (Distribution 2.8)
 * with its `htpasswd` access controller, started by the test on a free loopback port and stopped
 * after it. Distribution reads only bcrypt entries from the htpasswd file (registry/auth/htpasswd);
 * its docs say the scheme "MUST be used under TLS", but 2.8 does not enforce it, and the engines
 * treat 127.0.0.0/8 as an insecure registry, so plain HTTP on loopback is what the tests use.
 * The bcrypt hash comes from Python's `crypt` (libxcrypt's `$2b$`), read from stdin so the
 * password is on no command line.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './waitFor';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A bcrypt (`$2b$`) hash of `password`, as htpasswd -B would write it. */
function bcrypt(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH)))'],
      (err, stdout, stderr) => {
        const hash = stdout.trim();
        if (err || !hash.startsWith('$2'))
          reject(new Error(`this test needs python3's crypt with bcrypt to write the htpasswd file: ${stderr || err?.message || hash}`));
        else resolve(hash);
      },
    );
    child.stdin?.end(password);
  });
}

/** A manifest request to the registry with the login: status and `Docker-Content-Digest`. */
function headManifest(host: string, authorization: string, repository: string, tag: string): Promise<{ status: number; digest?: string }> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port: Number(port),
        method: 'HEAD',
        path: `/v2/${repository}/manifests/${tag}`,
        headers: {
          Authorization: authorization,
          Accept: [
            'application/vnd.oci.image.index.v1+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
          ].join(', '),
        },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        const digest = res.headers['docker-content-digest'];
        resolve({ status: res.statusCode ?? 0, ...(typeof digest === 'string' ? { digest } : {}) });
      },
    );
    req.on('timeout', () => req.destroy(new Error('registry timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** One running Basic-auth registry. */
export class BasicAuthRegistry {
  private constructor(
    /** `127.0.0.1:<port>`. */
    readonly host: string,
    readonly username: string,
    readonly password: string,
    private readonly folder: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts one with a single user; fails (never skips) when docker-registry or bcrypt is missing. */
  static async start(username: string, password: string): Promise<BasicAuthRegistry> {
    const folder = mkdtempSync(join(tmpdir(), 'cm-basic-registry-'));
    writeFileSync(join(folder, 'htpasswd'), `${username}:${await bcrypt(password)}\n`);
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    writeFileSync(
      join(folder, 'registry.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(folder, 'storage')}`,
        'http:',
        `  addr: ${host}`,
        'auth:',
        '  htpasswd:',
        '    realm: cm-test-basic',
        `    path: ${join(folder, 'htpasswd')}`,
        '',
      ].join('\n'),
    );
    const child = spawn('docker-registry', ['serve', join(folder, 'registry.yml')], { stdio: 'ignore' });
    let failure = '';
    child.on('error', (err) => (failure = err.message));
    const registry = new BasicAuthRegistry(host, username, password, folder, child);
    await waitFor(
      `docker-registry (Debian's docker-registry package) to ask for a Basic login on ${host}${failure ? `: ${failure}` : ''}`,
      async () => (await headManifest(host, '', 'none', 'none').catch(() => ({ status: 0 }))).status === 401,
      20_000,
    );
    return registry;
  }

  /** `Basic …` for this registry's user. */
  get authorization(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
  }

  /** The registry's `Docker-Content-Digest` for `repository:tag`, asked with the login. */
  async digest(repository: string, tag: string): Promise<string> {
    const answer = await headManifest(this.host, this.authorization, repository, tag);
    if (answer.status !== 200 || !answer.digest)
      throw new Error(`registry ${this.host} answered ${answer.status} for ${repository}:${tag}`);
    return answer.digest;
  }

  /** Stops it and removes its storage. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        this.child.kill();
      });
    }
    rmSync(this.folder, { recursive: true, force: true });
  }
}
