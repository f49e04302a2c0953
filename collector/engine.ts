/**
 * The Docker Engine API for the first look: one GET over a plain socket (node:net, or node:tls
 * for a TLS engine) speaking HTTP/1.0, with a deadline for the first byte and one for the
 * whole answer. Deliberately tiny: it runs in every job, before anything heavy is loaded.
 *
 * Why not node:http: measured here, node:http's load and first request cost ≈ 15 ms more
 * than this (node:net loads in ≈ 2.5 ms; the engine answers a short `/events` in ≈ 4 ms).
 * HTTP/1.0 keeps the answer simple: the engine closes the connection at its end.
 */
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { DockerEndpoint } from './dockerHost';

/** A complete engine answer; header names are lowercase. */
export interface EngineResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Thrown when the engine does not answer: refused, missing socket, or too slow. */
export class EngineUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EngineUnavailableError';
  }
}

/** Deadlines for one request. */
export interface EngineTimeouts {
  /** Until the first byte of the answer. */
  firstByteMs: number;
  /** Until the end of the answer. */
  totalMs: number;
}

const MAX_ANSWER = 8 * 1024 * 1024;

/** The TLS material of a tcp endpoint (files read here, at the edge). */
export function tlsMaterial(
  endpoint: DockerEndpoint,
): { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } | undefined {
  if (endpoint.kind !== 'tcp' || !endpoint.tls) return undefined;
  const file = (name: string) => {
    try {
      return readFileSync(`${endpoint.tls?.certPath}/${name}`);
    } catch {
      return undefined;
    }
  };
  const material: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } = { rejectUnauthorized: endpoint.tls.verify };
  const ca = file('ca.pem');
  const cert = file('cert.pem');
  const key = file('key.pem');
  if (ca) material.ca = ca;
  if (cert) material.cert = cert;
  if (key) material.key = key;
  return material;
}

/* eslint-disable @typescript-eslint/no-require-imports -- node:net and node:tls are loaded only when needed: see the file's comment */
function connect(endpoint: DockerEndpoint): Socket {
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      return (require('node:net') as typeof import('node:net')).connect(endpoint.socketPath);
    case 'tcp': {
      const tls = tlsMaterial(endpoint);
      if (!tls) return (require('node:net') as typeof import('node:net')).connect({ host: endpoint.host, port: endpoint.port });
      return (require('node:tls') as typeof import('node:tls')).connect({
        host: endpoint.host,
        port: endpoint.port,
        servername: endpoint.host,
        ...tls,
      });
    }
    default:
      throw new EngineUnavailableError(endpoint.reason);
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Decodes a `Transfer-Encoding: chunked` body; undefined when it is malformed. */
export function decodeChunked(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (start + size > body.length) return undefined;
    parts.push(body.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** Parses a complete HTTP/1.x answer. Pure. */
export function parseHttpResponse(raw: Buffer): EngineResponse {
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd < 0) throw new EngineUnavailableError('incomplete answer');
  const lines = raw.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
  if (!status) throw new EngineUnavailableError('not an HTTP answer');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body: Buffer | undefined = raw.subarray(headerEnd + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    body = decodeChunked(body);
    if (!body) throw new EngineUnavailableError('malformed chunked answer');
  }
  return { status: Number(status[1]), headers, body: body.toString('utf8') };
}

/** GETs `path` from the engine; rejects with `EngineUnavailableError` on any failure or past a deadline. */
export function engineGet(endpoint: DockerEndpoint, path: string, timeouts: EngineTimeouts): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      socket = connect(endpoint);
    } catch (err) {
      reject(err instanceof EngineUnavailableError ? err : new EngineUnavailableError((err as Error).message));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(firstByte);
      clearTimeout(total);
      socket.destroy();
      if (err) {
        reject(err);
        return;
      }
      try {
        resolve(parseHttpResponse(Buffer.concat(chunks)));
      } catch (parseError) {
        reject(parseError as Error);
      }
    };
    const firstByte = setTimeout(
      () => finish(new EngineUnavailableError(`no answer within ${timeouts.firstByteMs} ms`)),
      timeouts.firstByteMs,
    );
    const total = setTimeout(
      () => finish(new EngineUnavailableError(`answer not complete within ${timeouts.totalMs} ms`)),
      timeouts.totalMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new EngineUnavailableError(err.code ?? err.message)));
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(firstByte);
      size += chunk.length;
      if (size > MAX_ANSWER) finish(new EngineUnavailableError('answer too large'));
      else chunks.push(chunk);
    });
    socket.on('end', () => finish(undefined));
    socket.on('close', () => finish(chunks.length > 0 ? undefined : new EngineUnavailableError('connection closed without an answer')));
    // HTTP/1.0: no chunking expected, and the engine closes the connection when the answer is complete.
    socket.write(`GET ${path} HTTP/1.0\r\nHost: docker\r\nUser-Agent: container-mapping-task\r\nAccept: application/json\r\n\r\n`);
  });
}

/** What an answer's headers tell about the engine. */
export interface EngineIdentity {
  apiVersion?: string;
  serverVersion?: string;
}

/** Reads the engine's versions from any answer's headers (`Api-Version`, `Server: Docker/20.10.24 (linux)`). */
export function identityFromHeaders(headers: Record<string, string>): EngineIdentity {
  const identity: EngineIdentity = {};
  const api = headers['api-version'];
  if (api) identity.apiVersion = api.slice(0, 20);
  const match = headers.server ? /Docker\/(\S+)/.exec(headers.server) : null;
  if (match?.[1]) identity.serverVersion = match[1].slice(0, 100);
  return identity;
}
