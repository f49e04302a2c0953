/**
 * A unix-socket proxy in front of a real engine's socket that records the paths it is asked and,
 * when given a minimum, refuses versioned paths below it as Docker 29.0–29.2 refuse API 1.41:
 * HTTP 400, `{"message":"client version 1.41 is too old. Minimum supported API version is 1.44,
 * please upgrade your client to a newer version"}` (moby daemon/server/middleware/version.go,
 * `versionUnsupportedError`, an InvalidParameter error, i.e. 400). Unversioned paths pass, as on a
 * real engine (they mean its newest version). With `advertise`, every answer says that version in
 * `Api-Version` and accepted versioned paths reach the real engine unversioned: an engine newer than
 * the one behind the proxy, for its version gate only.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface GateOptions {
  /** Refuse versioned paths below this (`1.44`). */
  minimum?: string;
  /** The engine's newest version to announce (`1.52`), instead of the real engine's. */
  advertise?: string;
}

function older(a: string, b: string): boolean {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am < bm || (am === bm && an < bn);
}

export class ApiVersionGate {
  /** Every request path, in order. */
  readonly paths: string[] = [];
  /** The paths it refused. */
  readonly refused: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly directory: string,
  ) {}

  /** The proxy's socket. */
  get socket(): string {
    return join(this.directory, 'docker.sock');
  }

  /** Starts the proxy in front of `engineSocket`. */
  static async start(engineSocket: string, options: GateOptions = {}): Promise<ApiVersionGate> {
    const directory = mkdtempSync('/tmp/cm-gate-');
    const server = createServer();
    const gate = new ApiVersionGate(server, directory);
    server.on('request', (req, res) => {
      const path = req.url ?? '/';
      gate.paths.push(path);
      const versioned = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
      const headers = (from: IncomingHttpHeaders): IncomingHttpHeaders =>
        options.advertise ? { ...from, 'api-version': options.advertise } : from;
      if (versioned?.[1] && options.minimum && older(versioned[1], options.minimum)) {
        gate.refused.push(path);
        const body = JSON.stringify({
          message: `client version ${versioned[1]} is too old. Minimum supported API version is ${options.minimum}, please upgrade your client to a newer version`,
        });
        res.writeHead(400, headers({ 'content-type': 'application/json', 'api-version': options.advertise ?? options.minimum }));
        res.end(`${body}\n`);
        return;
      }
      const forwarded = options.advertise && versioned?.[2] ? versioned[2] : path;
      const upstream = request({ socketPath: engineSocket, path: forwarded, method: req.method, headers: req.headers }, (answer) => {
        const out = headers(answer.headers);
        delete out['transfer-encoding'];
        delete out.connection;
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      });
      upstream.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: err.message }));
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(gate.socket, () => resolve());
    });
    return gate;
  }

  /** Paths that named a version, with it: `['1.51', '/images/…/json?manifests=true']`. */
  versionedPaths(): Array<[string, string]> {
    return this.paths.flatMap((p) => {
      const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(p);
      return m?.[1] && m[2] ? [[m[1], m[2]] as [string, string]] : [];
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    rmSync(this.directory, { recursive: true, force: true });
  }
}
