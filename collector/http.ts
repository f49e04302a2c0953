/**
 * One HTTP(S) request with a deadline, directly or through the host's web proxy: the
 * transport of every request the collector and its hosts send outside the engine (the report to
 * the service, the task's two Azure DevOps calls). node:http(s) directly: cheaper to load than
 * fetch or a REST client library, and every request is bounded. Through a proxy, an `http:`
 * target is asked in absolute form, an `https:` one through a CONNECT tunnel, TLS end to end
 * (so the target's certificate is checked as on a direct connection, `NODE_EXTRA_CA_CERTS` included).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ProxySettings } from './proxy';
import { proxyAuthorization } from './proxy';

/** An answer: its status and the start of its body. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** One request. */
export interface HttpRequestOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Sent with a `Content-Length`; none for a GET. */
  body?: string;
  /** The whole exchange, connection to the answer's end. */
  timeoutMs: number;
  /** The proxy the request goes through (already decided by `proxyFor`); undefined: direct. */
  proxy: ProxySettings | undefined;
  /** How much of the body is kept (the rest is read and dropped); default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * Receives, at once, a function that abandons the request (it then rejects): for a request
   * started on speculation whose answer may not be wanted. Calling it after the end does nothing.
   */
  onStart?: (abandon: () => void) => void;
}

/**
 * `node:https`'s request, loaded at the first HTTPS request: with `node:tls` and `node:crypto` it
 * costs more to load than a plain request takes, and a job whose endpoints are all `http:` (an
 * agent beside its server, a service on the cluster network) never needs it.
 */
function httpsRequest(options: RequestOptions): ClientRequest;
function httpsRequest(url: URL, options: RequestOptions): ClientRequest;
function httpsRequest(first: URL | RequestOptions, options?: RequestOptions): ClientRequest {
  const https = require('node:https') as typeof import('node:https'); // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only for HTTPS
  return first instanceof URL && options !== undefined ? https.request(first, options) : https.request(first);
}

/** The proxy refused to open a tunnel. */
export class TunnelRefused extends Error {
  constructor(readonly status: number) {
    super(`the proxy answered ${status} to CONNECT`);
  }
}

/** Sends one request to `url`; settles once, whatever fails first (an error, the deadline, the answer's end). */
export function sendRequest(url: URL, options: HttpRequestOptions): Promise<HttpAnswer> {
  const { method, body, timeoutMs, proxy } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const open: { destroy(error?: Error): unknown }[] = [];
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error || !answer) {
        for (const stream of open) stream.destroy();
        reject(error ?? new Error('no answer'));
      } else {
        resolve(answer);
      }
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    options.onStart?.(() => finish(new Error('abandoned')));
    const send = (req: ClientRequest) => {
      open.push(req);
      req.on('error', (err) => finish(err));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept >= maxBodyBytes) return;
          const part = c.length > maxBodyBytes - kept ? c.subarray(0, maxBodyBytes - kept) : c;
          chunks.push(part);
          kept += part.length;
        });
        res.on('error', (err) => finish(err));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(body);
    };
    const headers = body !== undefined ? { ...options.headers, 'Content-Length': String(Buffer.byteLength(body)) } : options.headers;

    if (!proxy) {
      send((url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers }));
      return;
    }
    const proxyUrl = new URL(proxy.url);
    const toProxy = proxyUrl.protocol === 'https:' ? httpsRequest : httpRequest;
    const at = {
      protocol: proxyUrl.protocol,
      hostname: proxyUrl.hostname.replace(/^\[|\]$/g, ''),
      port: proxyUrl.port || (proxyUrl.protocol === 'https:' ? 443 : 80),
    };
    const authorization = proxyAuthorization(proxy);
    const proxyHeaders: Record<string, string> = authorization ? { 'Proxy-Authorization': authorization } : {};
    if (url.protocol === 'http:') {
      // A plain-HTTP target: the whole request goes to the proxy, its target in absolute form.
      send(toProxy({ ...at, method, path: url.href, headers: { ...headers, Host: url.host, ...proxyHeaders } }));
      return;
    }
    // An HTTPS target: a CONNECT tunnel, then TLS with the target itself through it.
    const authority = `${url.hostname}:${url.port || 443}`;
    const tunnel = toProxy({ ...at, method: 'CONNECT', path: authority, headers: { Host: authority, ...proxyHeaders } });
    open.push(tunnel);
    tunnel.on('error', (err) => finish(err));
    tunnel.on('connect', (res: IncomingMessage, socket: Socket) => {
      open.push(socket);
      if (res.statusCode !== 200) {
        finish(new TunnelRefused(res.statusCode ?? 0));
        return;
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const tls: ConnectionOptions = { socket, host };
      // SNI carries host names only, never addresses.
      if (isIP(host) === 0) tls.servername = host;
      const tlsConnect = (require('node:tls') as typeof import('node:tls')).connect; // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only for HTTPS
      send(httpsRequest(url, { method, headers, createConnection: () => tlsConnect(tls) }));
    });
    tunnel.end();
  });
}
