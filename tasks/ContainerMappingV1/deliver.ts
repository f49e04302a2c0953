/**
 * Sends the report to the mapping service: `POST {serviceUrl}/api/v1/reports`, within a time
 * budget, with one retry on network errors, 429 and 5xx. Uses node:http(s) directly: it is
 * cheaper to load than fetch and lets us bound every attempt. Through the agent's web proxy
 * when it has one (and the service is not in its bypass list): an `http:` service is asked in
 * absolute form through the proxy, an `https:` one through a CONNECT tunnel, TLS end to end.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { REPORTS_PATH } from '../../common/contract';
import type { ProxySettings } from './settings';
import { proxyAuthorization, proxyFor } from './proxy';

/** What happened to the report. */
export interface DeliveryResult {
  delivered: boolean;
  /** The last HTTP status, when the service answered. */
  status?: number;
  /** Why it was not delivered (no token inside). */
  problem?: string;
  attempts: number;
}

/** Options for one delivery. */
export interface DeliveryOptions {
  serviceUrl: string;
  token?: string;
  body: string;
  attemptTimeoutMs: number;
  /** Epoch ms after which no attempt starts. */
  deadlineMs: number;
  retryDelayMs?: number;
  /** The agent's web proxy; its bypass list decides whether the service is reached through it. */
  proxy?: ProxySettings;
}

interface Answer {
  status: number;
  body: string;
}

/** The proxy refused to open a tunnel. */
class TunnelRefused extends Error {
  constructor(readonly status: number) {
    super(`the proxy answered ${status} to CONNECT`);
  }
}

/** One POST, directly or through `proxy`; settles once, whatever fails first. */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, proxy: ProxySettings | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const open: { destroy(error?: Error): unknown }[] = [];
    let settled = false;
    const finish = (error: Error | undefined, answer?: Answer) => {
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
    const send = (req: ClientRequest) => {
      open.push(req);
      req.on('error', (err) => finish(err));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 64) chunks.push(c);
        });
        res.on('error', (err) => finish(err));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 2000) }));
      });
      req.end(body);
    };
    const postHeaders = { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };

    if (!proxy) {
      send((url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers: postHeaders }));
      return;
    }
    const proxyUrl = new URL(proxy.url);
    const toProxy = proxyUrl.protocol === 'https:' ? httpsRequest : httpRequest;
    const at = { protocol: proxyUrl.protocol, hostname: proxyUrl.hostname.replace(/^\[|\]$/g, ''), port: proxyUrl.port || (proxyUrl.protocol === 'https:' ? 443 : 80) };
    const authorization = proxyAuthorization(proxy);
    const proxyHeaders: Record<string, string> = authorization ? { 'Proxy-Authorization': authorization } : {};
    if (url.protocol === 'http:') {
      // A plain-HTTP service: the whole request goes to the proxy, its target in absolute form.
      send(toProxy({ ...at, method: 'POST', path: url.href, headers: { ...postHeaders, Host: url.host, ...proxyHeaders } }));
      return;
    }
    // An HTTPS service: a CONNECT tunnel, then TLS with the service itself through it.
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
      send(httpsRequest(url, { method: 'POST', headers: postHeaders, createConnection: () => tlsConnect(tls) }));
    });
    tunnel.end();
  });
}

/** Whether a failed attempt is worth one more try. */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}

function problemDetail(body: string): string {
  try {
    const json = JSON.parse(body) as { detail?: unknown; title?: unknown };
    const text = typeof json.detail === 'string' ? json.detail : typeof json.title === 'string' ? json.title : '';
    return text ? `: ${text.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}

/** Posts the report; never throws. */
export async function deliverReport(options: DeliveryOptions): Promise<DeliveryResult> {
  let url: URL;
  try {
    url = new URL(`${options.serviceUrl.replace(/\/+$/, '')}${REPORTS_PATH}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { delivered: false, problem: 'the service URL is not an http(s) URL', attempts: 0 };
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const proxy = proxyFor(options.proxy, url.href);
  const via = proxy ? ' through the proxy' : '';
  let result: DeliveryResult = { delivered: false, problem: 'no time left to send', attempts: 0 };
  for (let attempt = 1; attempt <= 2; attempt++) {
    const left = options.deadlineMs - Date.now();
    if (left <= 100) break;
    try {
      const answer = await post(url, headers, options.body, Math.min(options.attemptTimeoutMs, left), proxy);
      if (answer.status >= 200 && answer.status < 300) return { delivered: true, status: answer.status, attempts: attempt };
      if (proxy && answer.status === 407) {
        result = { delivered: false, status: 407, problem: 'the proxy refused its credentials (407)', attempts: attempt };
        break;
      }
      const refused = answer.status === 401 || answer.status === 403 ? ' (the service did not accept the token)' : '';
      result = { delivered: false, status: answer.status, problem: `the service answered ${answer.status}${refused}${problemDetail(answer.body)}`, attempts: attempt };
      if (!isRetryable(answer.status)) break;
    } catch (err) {
      if (err instanceof TunnelRefused && err.status === 407) {
        result = { delivered: false, problem: 'the proxy refused its credentials (407)', attempts: attempt };
        break;
      }
      result = { delivered: false, problem: `the service could not be reached${via} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, attempts: attempt };
    }
    if (attempt === 1) await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 250));
  }
  return result;
}
