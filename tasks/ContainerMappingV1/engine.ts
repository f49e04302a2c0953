/**
 * The Docker Engine API over node:http (or node:https for TLS), with a hard deadline per
 * request. Deliberately tiny: it runs before anything heavy is loaded, in every job.
 */
import type { IncomingHttpHeaders, RequestOptions } from 'node:http';
import { readFileSync } from 'node:fs';
import type { DockerEndpoint } from './dockerHost';

/** A complete engine answer. */
export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Thrown when the engine does not answer: refused, missing socket, or too slow. */
export class EngineUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EngineUnavailableError';
  }
}

const MAX_BODY = 8 * 1024 * 1024;

/** Connection options for an endpoint (TLS files read here, at the edge). */
export function connectionOptions(endpoint: DockerEndpoint): RequestOptions & { tls: boolean } {
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      return { socketPath: endpoint.socketPath, tls: false };
    case 'tcp': {
      if (!endpoint.tls) return { host: endpoint.host, port: endpoint.port, tls: false };
      const file = (name: string) => {
        try {
          return readFileSync(`${endpoint.tls?.certPath}/${name}`);
        } catch {
          return undefined;
        }
      };
      const options: RequestOptions & { tls: boolean; ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean } = {
        host: endpoint.host,
        port: endpoint.port,
        tls: true,
        rejectUnauthorized: endpoint.tls.verify,
      };
      const ca = file('ca.pem');
      const cert = file('cert.pem');
      const key = file('key.pem');
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      return options;
    }
    default:
      throw new EngineUnavailableError(endpoint.reason);
  }
}

/** GETs `path` from the engine; rejects with `EngineUnavailableError` on any failure or after `timeoutMs`. */
export function engineGet(endpoint: DockerEndpoint, path: string, timeoutMs: number): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    let options: RequestOptions & { tls: boolean };
    try {
      options = connectionOptions(endpoint);
    } catch (err) {
      reject(err);
      return;
    }
    const { tls, ...rest } = options;
    // node:http is loaded only when there is a socket to talk to, node:https only for a TLS engine:
    // each costs milliseconds, in every job of the organisation.
    /* eslint-disable @typescript-eslint/no-require-imports -- deliberately lazy, see above */
    const send = tls ? (require('node:https') as typeof import('node:https')).request : (require('node:http') as typeof import('node:http')).request;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const req = send({ ...rest, path, method: 'GET', headers: { Host: 'docker' }, agent: false });
    const timer = setTimeout(() => req.destroy(new EngineUnavailableError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof EngineUnavailableError ? err : new EngineUnavailableError((err as NodeJS.ErrnoException).code ?? err.message));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new EngineUnavailableError('answer too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', () => undefined);
    });
    req.end();
  });
}

/** What `/_ping` tells about the engine. */
export interface EngineIdentity {
  apiVersion?: string;
  serverVersion?: string;
}

/** Reads the engine's versions from the `/_ping` headers (`Api-Version`, `Server: Docker/20.10.24 (linux)`). */
export function identityFromHeaders(headers: IncomingHttpHeaders): EngineIdentity {
  const identity: EngineIdentity = {};
  const api = headers['api-version'];
  if (typeof api === 'string' && api) identity.apiVersion = api.slice(0, 20);
  const server = headers.server;
  const match = typeof server === 'string' ? /Docker\/(\S+)/.exec(server) : null;
  if (match?.[1]) identity.serverVersion = match[1].slice(0, 100);
  return identity;
}
