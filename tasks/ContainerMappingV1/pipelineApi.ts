/**
 * The two Azure DevOps calls the task makes, with the job's own token (the SystemVssConnection
 * endpoint, so no `System.AccessToken` mapping is needed): the job's start time from the build
 * timeline, and an OIDC token for the mapping service. Both are bounded in time and return
 * `undefined` on any failure: the caller falls back (pipeline start time, static token).
 */
import { BuildApi } from 'azure-devops-node-api/BuildApi';
import { TaskApi } from 'azure-devops-node-api/TaskApi';
import { BearerCredentialHandler } from 'azure-devops-node-api/handlers/bearertoken';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import type { ProxySettings } from '../../collector/proxy';

/** How to reach the organisation's REST API. */
export interface PipelineApiOptions {
  collectionUrl: string;
  jobToken: string;
  timeoutMs: number;
  /** The agent's web proxy, when it has one. */
  proxy?: ProxySettings;
}

/** The outcome of a call: its value, or why there is none (never containing a token). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The proxy as azure-devops-node-api's `IRequestOptions.proxy` takes it (it applies the bypass list itself). */
export function apiProxyOptions(proxy: ProxySettings): {
  proxyUrl: string;
  proxyUsername?: string;
  proxyPassword?: string;
  proxyBypassHosts: string[];
} {
  const options: { proxyUrl: string; proxyUsername?: string; proxyPassword?: string; proxyBypassHosts: string[] } = {
    proxyUrl: proxy.url,
    proxyBypassHosts: [...proxy.bypass],
  };
  // Its HTTP client sends `user:password` whenever either is set; only a user name makes us authenticate.
  if (proxy.username !== undefined) {
    options.proxyUsername = proxy.username;
    options.proxyPassword = proxy.password ?? '';
  }
  return options;
}

function requestOptions(options: PipelineApiOptions): IRequestOptions {
  const request: IRequestOptions = { socketTimeout: options.timeoutMs, allowRetries: false, maxRetries: 0 };
  if (options.proxy) request.proxy = apiProxyOptions(options.proxy);
  return request;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function describe(err: unknown): string {
  const e = err as { statusCode?: number; message?: string };
  return e.statusCode ? `HTTP ${e.statusCode}` : (e.message ?? 'failed').slice(0, 200);
}

/** The start time of the job record `jobId` in build `buildId`'s timeline. */
export async function jobStartTime(
  options: PipelineApiOptions,
  projectId: string,
  buildId: number,
  jobId: string,
): Promise<Outcome<string>> {
  try {
    const api = new BuildApi(options.collectionUrl, [new BearerCredentialHandler(options.jobToken, false)], requestOptions(options));
    const timeline = await withTimeout(api.getBuildTimeline(projectId, buildId), options.timeoutMs);
    const record = timeline?.records?.find((r) => r.type === 'Job' && r.id?.toLowerCase() === jobId.toLowerCase());
    const start = record?.startTime;
    if (!start) return { ok: false, reason: 'the timeline has no start time for this job' };
    const ms = start instanceof Date ? start.getTime() : Date.parse(String(start));
    if (!Number.isFinite(ms)) return { ok: false, reason: 'the timeline start time is not a date' };
    return { ok: true, value: new Date(ms).toISOString() };
  } catch (err) {
    return { ok: false, reason: describe(err) };
  }
}

/** Asks Azure DevOps for this job's OIDC token (`hub` is System.HostType). */
export async function createOidcToken(
  options: PipelineApiOptions,
  projectId: string,
  hub: string,
  planId: string,
  jobId: string,
): Promise<Outcome<string>> {
  try {
    const api = new TaskApi(options.collectionUrl, [new BearerCredentialHandler(options.jobToken, false)], requestOptions(options));
    const answer = await withTimeout(api.createOidcToken({}, projectId, hub, planId, jobId), options.timeoutMs);
    const token = answer?.oidcToken;
    return typeof token === 'string' && token !== '' ? { ok: true, value: token } : { ok: false, reason: 'the answer carried no token' };
  } catch (err) {
    return { ok: false, reason: describe(err) };
  }
}
