/**
 * The two Azure DevOps calls the task makes, with the job's own token (the SystemVssConnection
 * endpoint, so no `System.AccessToken` mapping is needed): the job's start time from the build
 * timeline, and an OIDC token for the mapping service. Both are bounded in time and never
 * throw: the caller falls back (pipeline start time, static token).
 *
 * Each is one request at a route and api-version fixed here, not looked up first (a REST client
 * such as azure-devops-node-api asks `OPTIONS {collection}/_apis/{area}` for the area's resource
 * locations before its first call: one more round trip per call, and its bundle's load; see
 * tasks/README.md, *Performance design*). The routes and versions, from
 * MicrosoftDocs/vsts-rest-api-specs:
 * - Timeline - Get (`specification/build/6.0/build.json`, released in 6.0 and unchanged since):
 *   `GET {collection}/{project}/_apis/build/builds/{buildId}/timeline`, asked as `6.0`, the
 *   oldest released version that has it and that every supported server answers (Azure DevOps
 *   Server 2020 speaks REST 6.0, 2022 speaks 7.0);
 * - Oidctoken - Create (`specification/distributedTask/7.1/task.json`, still `7.1-preview.1` in 7.2):
 *   `POST {collection}/{project}/_apis/distributedtask/hubs/{hub}/plans/{planId}/jobs/{jobId}/oidctoken`
 *   with the claims `{}`, asked as `7.1-preview.1`. A server without it (REST 7.0 and older)
 *   answers 404 or 400, and the static token is used, as before.
 * The api-version travels in the `Accept` header, as Azure DevOps' own clients send it
 * (microsoft/azure-devops-node-api api/ClientApiBases.ts, `createAcceptHeader`).
 */
import type { ProxySettings } from '../../collector/proxy';
import { proxyFor } from '../../collector/proxy';
import { sendRequest, type HttpAnswer } from '../../collector/http';

/** How to reach the organisation's REST API. */
export interface PipelineApiOptions {
  collectionUrl: string;
  jobToken: string;
  timeoutMs: number;
  /** The agent's web proxy, when it has one. */
  proxy?: ProxySettings;
  /** Receives a function that abandons the call (see http.ts, `onStart`). */
  onStart?: (abandon: () => void) => void;
}

/** The outcome of a call: its value, or why there is none (never containing a token). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The api-version of each call (see the file's comment). */
export const TIMELINE_API_VERSION = '6.0';
export const OIDC_TOKEN_API_VERSION = '7.1-preview.1';

/** The largest timeline read: a job's record is found in the first few hundred KB of any real one. */
const MAX_TIMELINE_BYTES = 16 * 1024 * 1024;

/** `{collection}/{segments…}`, each segment percent-encoded. */
function apiUrl(collectionUrl: string, segments: readonly string[]): URL {
  const base = new URL(collectionUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/${segments.map(encodeURIComponent).join('/')}`;
  base.search = '';
  base.hash = '';
  return base;
}

/** One call; a 2xx answer's parsed JSON, or why there is none. */
async function call(
  options: PipelineApiOptions,
  method: 'GET' | 'POST',
  url: URL,
  apiVersion: string,
  body: string | undefined,
  maxBodyBytes: number,
): Promise<Outcome<unknown>> {
  let answer: HttpAnswer;
  try {
    const headers: Record<string, string> = {
      Accept: `application/json;api-version=${apiVersion}`,
      Authorization: `Bearer ${options.jobToken}`,
      'User-Agent': 'ContainerMappingV1',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    answer = await sendRequest(url, {
      method,
      headers,
      body,
      timeoutMs: options.timeoutMs,
      proxy: proxyFor(options.proxy, url.href),
      maxBodyBytes,
      onStart: options.onStart,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, reason: (e.code ?? e.message ?? 'failed').slice(0, 200) };
  }
  if (answer.status < 200 || answer.status > 299) return { ok: false, reason: `HTTP ${answer.status}` };
  try {
    return { ok: true, value: JSON.parse(answer.body) as unknown };
  } catch {
    return { ok: false, reason: 'the answer is not JSON' };
  }
}

/** The start time of the job record `jobId` in build `buildId`'s timeline. */
export async function jobStartTime(
  options: PipelineApiOptions,
  projectId: string,
  buildId: number,
  jobId: string,
): Promise<Outcome<string>> {
  const url = apiUrl(options.collectionUrl, [projectId, '_apis', 'build', 'builds', String(buildId), 'timeline']);
  const answer = await call(options, 'GET', url, TIMELINE_API_VERSION, undefined, MAX_TIMELINE_BYTES);
  if (!answer.ok) return answer;
  const records = (answer.value as { records?: unknown } | null)?.records;
  const record = Array.isArray(records)
    ? (records as { type?: unknown; id?: unknown; startTime?: unknown }[]).find(
        (r) => r?.type === 'Job' && typeof r.id === 'string' && r.id.toLowerCase() === jobId.toLowerCase(),
      )
    : undefined;
  const start = record?.startTime;
  if (typeof start !== 'string' || start === '') return { ok: false, reason: 'the timeline has no start time for this job' };
  const ms = Date.parse(start);
  if (!Number.isFinite(ms)) return { ok: false, reason: 'the timeline start time is not a date' };
  return { ok: true, value: new Date(ms).toISOString() };
}

/** Asks Azure DevOps for this job's OIDC token (`hub` is System.HostType). */
export async function createOidcToken(
  options: PipelineApiOptions,
  projectId: string,
  hub: string,
  planId: string,
  jobId: string,
): Promise<Outcome<string>> {
  const url = apiUrl(options.collectionUrl, [
    projectId,
    '_apis',
    'distributedtask',
    'hubs',
    hub,
    'plans',
    planId,
    'jobs',
    jobId,
    'oidctoken',
  ]);
  const answer = await call(options, 'POST', url, OIDC_TOKEN_API_VERSION, '{}', 64 * 1024);
  if (!answer.ok) return answer;
  const token = (answer.value as { oidcToken?: unknown } | null)?.oidcToken;
  return typeof token === 'string' && token !== '' ? { ok: true, value: token } : { ok: false, reason: 'the answer carried no token' };
}
