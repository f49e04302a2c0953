/**
 * Sends the report to the mapping service: `POST {serviceUrl}/api/v1/reports`, within a time
 * budget, with one retry on network errors, 429 and 5xx. Uses node:http(s) directly: it is
 * cheaper to load than fetch and lets us bound every attempt.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The reports endpoint, relative to the service's base URL (see common/report.ts REPORTS_PATH). */
export const REPORTS_PATH = '/api/v1/reports';

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
}

interface Answer {
  status: number;
  body: string;
}

function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (chunks.length < 64) chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 2000) });
      });
    });
    req.end(body);
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
  let result: DeliveryResult = { delivered: false, problem: 'no time left to send', attempts: 0 };
  for (let attempt = 1; attempt <= 2; attempt++) {
    const left = options.deadlineMs - Date.now();
    if (left <= 100) break;
    try {
      const answer = await post(url, headers, options.body, Math.min(options.attemptTimeoutMs, left));
      if (answer.status >= 200 && answer.status < 300) return { delivered: true, status: answer.status, attempts: attempt };
      const refused = answer.status === 401 || answer.status === 403 ? ' (the service did not accept the token)' : '';
      result = { delivered: false, status: answer.status, problem: `the service answered ${answer.status}${refused}${problemDetail(answer.body)}`, attempts: attempt };
      if (!isRetryable(answer.status)) break;
    } catch (err) {
      result = { delivered: false, problem: `the service could not be reached (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, attempts: attempt };
    }
    if (attempt === 1) await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 250));
  }
  return result;
}
