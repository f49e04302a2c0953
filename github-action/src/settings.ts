/**
 * The action's settings, read in one place from its inputs and the runner's environment, then
 * passed down as plain data. Pure: the inputs come through `input` (core.getInput in the entries,
 * which reads `INPUT_<NAME>`: the name upper-cased, spaces as `_`, hyphens kept — actions/toolkit
 * packages/core/src/core.ts, getInput).
 */

/** The default audience of the OIDC token asked for; the service's default too (service/src/auth/githubClaims.ts). */
export const DEFAULT_AUDIENCE = 'container-mapping';
export const DEFAULT_TIME_LIMIT_SECONDS = 30;
const MAX_TIME_LIMIT_SECONDS = 600;

/** The web proxy the service is reached through, in the shape the shared delivery takes. */
export interface ActionProxy {
  /** The proxy's origin, never with credentials. */
  url: string;
  username?: string;
  /** Secret. */
  password?: string;
  /** Regular expressions matched against a request's whole URL: a match goes direct. */
  bypass: string[];
}

/** Everything the action reads from its inputs and the runner. */
export interface ActionSettings {
  disabled: boolean;
  serviceUrl?: string;
  /** Secret: the `token` input. */
  staticToken?: string;
  audience: string;
  dockerHost?: string;
  metadataFolder?: string;
  timeLimitMs: number;
  /** `toJSON(matrix)` as the `matrix` input's default gives it. */
  matrix?: string;
  /**
   * Whether the job may ask for an OIDC token: the runner sets ACTIONS_ID_TOKEN_REQUEST_URL and
   * _TOKEN only for a job with `permissions: id-token: write` (actions/toolkit
   * packages/core/src/oidc-utils.ts reads exactly these two).
   */
  canRequestIdToken: boolean;
  /** RUNNER_TEMP: the job's temp folder, emptied by the runner after every job. */
  runnerTemp?: string;
  proxy?: ActionProxy;
}

/** What `core.getInput` returns for an input: its trimmed value, '' when unset. */
export type InputReader = (name: string) => string;

/**
 * core.getInput's rule over `env`, for the first look, which runs before @actions/core is loaded:
 * `INPUT_` and the name upper-cased with spaces as `_`, trimmed, '' when unset (actions/toolkit
 * packages/core/src/core.ts, getInput).
 */
export function inputFromEnvironment(env: Record<string, string | undefined>): InputReader {
  return (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** core.getState's rule over `env`: `STATE_<name>`, '' when unset (actions/toolkit packages/core/src/core.ts, getState). */
export function stateFromEnvironment(env: Record<string, string | undefined>): (name: string) => string {
  return (name) => env[`STATE_${name}`] ?? '';
}

function nonEmpty(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? t : undefined;
}

/** `true`, `yes`, `1` (any case) turn the step off; anything else leaves it on. */
export function isTrue(text: string | undefined): boolean {
  return /^(true|yes|1)$/i.test(text?.trim() ?? '');
}

function timeLimit(text: string | undefined): number {
  const n = Number(text?.trim());
  if (!Number.isInteger(n) || n < 1) return DEFAULT_TIME_LIMIT_SECONDS * 1000;
  return Math.min(n, MAX_TIME_LIMIT_SECONDS) * 1000;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The proxy for `serviceUrl` from the runner's environment: a self-hosted runner passes its
 * `https_proxy` / `http_proxy` / `no_proxy` to every step (docs.github.com, "Using a proxy server
 * with self-hosted runners"). `no_proxy` entries are host names or domain suffixes (`.corp`,
 * `corp`), optionally with a port; `*` bypasses everything.
 */
export function proxyFromEnvironment(env: Record<string, string | undefined>, serviceUrl: string | undefined): ActionProxy | undefined {
  if (!serviceUrl) return undefined;
  let protocol: string;
  try {
    protocol = new URL(serviceUrl).protocol;
  } catch {
    return undefined;
  }
  const raw =
    protocol === 'https:'
      ? (nonEmpty(env.https_proxy) ?? nonEmpty(env.HTTPS_PROXY))
      : (nonEmpty(env.http_proxy) ?? nonEmpty(env.HTTP_PROXY));
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
  const proxy: ActionProxy = { url: `${parsed.protocol}//${parsed.host}`, bypass: [] };
  if (parsed.username) proxy.username = decodeURIComponent(parsed.username);
  if (parsed.password) proxy.password = decodeURIComponent(parsed.password);
  const noProxy = nonEmpty(env.no_proxy) ?? nonEmpty(env.NO_PROXY) ?? '';
  for (const entry of noProxy
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)) {
    if (entry === '*') {
      proxy.bypass.push('.*');
      continue;
    }
    const [host = '', port] = entry.replace(/^\*?\./, '').split(':');
    if (!host) continue;
    proxy.bypass.push(`^[a-z]+://([^/@]*\\.)?${escapeRegExp(host)}${port ? `:${escapeRegExp(port)}` : '(:\\d+)?'}/`);
  }
  return proxy;
}

/** Reads the settings. Pure. */
export function readActionSettings(input: InputReader, env: Record<string, string | undefined>): ActionSettings {
  const serviceUrl = nonEmpty(input('service-url'));
  const settings: ActionSettings = {
    disabled: isTrue(input('disabled')),
    audience: nonEmpty(input('audience')) ?? DEFAULT_AUDIENCE,
    timeLimitMs: timeLimit(input('time-limit-seconds')),
    canRequestIdToken: Boolean(nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_URL) && nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)),
  };
  if (serviceUrl) settings.serviceUrl = serviceUrl;
  const token = nonEmpty(input('token'));
  if (token) settings.staticToken = token;
  const dockerHost = nonEmpty(input('docker-host'));
  if (dockerHost) settings.dockerHost = dockerHost;
  const metadataFolder = nonEmpty(input('metadata-folder'));
  if (metadataFolder) settings.metadataFolder = metadataFolder;
  const matrix = nonEmpty(input('matrix'));
  if (matrix) settings.matrix = matrix;
  const runnerTemp = nonEmpty(env.RUNNER_TEMP);
  if (runnerTemp) settings.runnerTemp = runnerTemp;
  const proxy = proxyFromEnvironment(env, serviceUrl);
  if (proxy) settings.proxy = proxy;
  return settings;
}
