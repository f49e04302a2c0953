/**
 * Sends the report to the mapping service: `POST {serviceUrl}/api/v1/reports`, within a time
 * budget, with one retry on network errors, 429 and 5xx: after `Retry-After` when the answer
 * says how long to wait and that wait is short (`MAX_RETRY_AFTER_MS`) and fits in the budget,
 * otherwise not at all (the host keeps the report). When the service refuses a credential
 * (401/403) and another one is left (the job's OIDC token first, then the static
 * `ContainerMapping.Token`), the report is sent once more with the next credential. Through
 * the host's web proxy when it has one and the service is not in its bypass list (http.ts).
 */
import { REPORTS_PATH } from '../common/contract';
import type { ProxySettings } from './proxy';
import { proxyFor } from './proxy';
import { sendRequest, TunnelRefused } from './http';

/** Which kind of bearer token a credential is; the log names the kind, never the token. */
export type CredentialKind = 'oidc' | 'static';

/** A bearer token for the service. */
export interface Credential {
  kind: CredentialKind;
  token: string;
}

/** How the log names a credential: the task's names (a host with other settings gives its own, `DeliveryOptions.credentialName`). */
export function describeCredential(kind: CredentialKind): string {
  return kind === 'oidc' ? "the job's OIDC token" : 'the static token (ContainerMapping.Token)';
}

/** What happened to the report. */
export interface DeliveryResult {
  delivered: boolean;
  /** The last HTTP status, when the service answered. */
  status?: number;
  /** Why it was not delivered (no token inside). */
  problem?: string;
  attempts: number;
  /** The credential of the last attempt (the accepted one when delivered); absent when none was sent. */
  credential?: CredentialKind;
  /** The credential the service refused before the next one was tried, and its answer. */
  refused?: { credential: CredentialKind; status: number };
}

/** Options for one delivery. */
export interface DeliveryOptions {
  serviceUrl: string;
  /**
   * Bearer tokens in order of preference; the next one is used only when the service answers
   * 401 or 403 to the current one. None: the report is sent without `Authorization`.
   */
  credentials?: readonly Credential[];
  body: string;
  attemptTimeoutMs: number;
  /** Epoch ms after which no attempt starts. */
  deadlineMs: number;
  retryDelayMs?: number;
  /** The agent's web proxy; its bypass list decides whether the service is reached through it. */
  proxy?: ProxySettings;
  /** How the problem names a credential; default `describeCredential` (the task's settings). */
  credentialName?: (kind: CredentialKind) => string;
}

/**
 * The longest `Retry-After` the one retry waits for. The service asks for 2 s when its database
 * does not answer; a longer wait (a proxy's rate limit, a maintenance window) would hold every
 * job that pushed for that long, while a report not delivered is kept by the host and collected
 * later, so the step gives up at once instead.
 */
export const MAX_RETRY_AFTER_MS = 5000;

/**
 * The wait an answer's `Retry-After` asks for, in ms (RFC 9110 §10.2.3: a number of seconds or
 * an HTTP date); undefined when there is none or it cannot be read.
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  // Only an IMF-fixdate or an obsolete HTTP date (they name a weekday or a month); a bare number was handled above.
  if (Number.isNaN(date) || !/[A-Za-z]{3}/.test(text)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Whether a failed attempt is worth one more try. */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}

/** What follows an attempt that did not deliver. */
export type NextStep = 'next-credential' | 'retry' | 'give-up';

/**
 * The decision after an attempt that did not deliver (`status` undefined: no answer).
 * 401/403 with a credential left: send again with it, at once (the service refused the
 * credential, not the report: an organisation not configured for OIDC, or a server whose
 * tokens it cannot verify). Otherwise the one retry on network errors, 429 and 5xx.
 */
export function nextStep(status: number | undefined, state: { retried: boolean; credentialLeft: boolean }): NextStep {
  if ((status === 401 || status === 403) && state.credentialLeft) return 'next-credential';
  if (isRetryable(status) && !state.retried) return 'retry';
  return 'give-up';
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
  const credentials = options.credentials ?? [];
  const nameOf = options.credentialName ?? describeCredential;
  const proxy = proxyFor(options.proxy, url.href);
  const via = proxy ? ' through the proxy' : '';
  let result: DeliveryResult = { delivered: false, problem: 'no time left to send', attempts: 0 };
  let index = 0;
  let retried = false;
  let refused: DeliveryResult['refused'];
  let refusedProblem = '';
  for (let attempt = 1; ; attempt++) {
    const left = options.deadlineMs - Date.now();
    if (left <= 100) break;
    const credential = credentials[index];
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (credential) headers.Authorization = `Bearer ${credential.token}`;
    const sent: Pick<DeliveryResult, 'credential' | 'refused'> = {};
    if (credential) sent.credential = credential.kind;
    if (refused) sent.refused = refused;
    let status: number | undefined;
    let asked: number | undefined;
    try {
      const answer = await sendRequest(url, {
        method: 'POST',
        headers,
        body: options.body,
        timeoutMs: Math.min(options.attemptTimeoutMs, left),
        proxy,
      });
      status = answer.status;
      if (status >= 200 && status < 300) return { delivered: true, status, attempts: attempt, ...sent };
      asked = retryAfterMs(answer.headers['retry-after'], Date.now());
      if (proxy && status === 407) {
        result = { delivered: false, status, problem: 'the proxy refused its credentials (407)', attempts: attempt, ...sent };
        break;
      }
      const notAccepted =
        status === 401 || status === 403
          ? ` (the service did not accept ${credential ? nameOf(credential.kind) : 'a request without a token'})`
          : '';
      result = {
        delivered: false,
        status,
        problem: `${refusedProblem}the service answered ${status}${notAccepted}${problemDetail(answer.body.slice(0, 2000))}`,
        attempts: attempt,
        ...sent,
      };
    } catch (err) {
      if (err instanceof TunnelRefused && err.status === 407) {
        result = { delivered: false, problem: 'the proxy refused its credentials (407)', attempts: attempt, ...sent };
        break;
      }
      result = {
        delivered: false,
        problem: `${refusedProblem}the service could not be reached${via} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        attempts: attempt,
        ...sent,
      };
    }
    const step = nextStep(status, { retried, credentialLeft: index + 1 < credentials.length });
    if (step === 'give-up') break;
    if (step === 'next-credential' && credential && status !== undefined) {
      refused = { credential: credential.kind, status };
      refusedProblem = `${result.problem ?? ''}; then, with ${nameOf(credentials[index + 1]?.kind ?? 'static')}, `;
      index++;
      continue;
    }
    retried = true;
    const wait = asked ?? options.retryDelayMs ?? 250;
    // A wait longer than asked for is not allowed, nor one that leaves no time for the attempt: no retry then.
    if (asked !== undefined && (asked > MAX_RETRY_AFTER_MS || Date.now() + asked > options.deadlineMs - 100)) {
      result.problem = `${result.problem ?? ''}; it asked to be sent again after ${Math.ceil(asked / 1000)} s, longer than this step waits`;
      break;
    }
    await new Promise((r) => setTimeout(r, wait));
  }
  return result;
}
