/**
 * The one place where the task reads its inputs and pipeline variables. Everything else
 * receives the typed `RunContext` built here.
 *
 * Precedence for each setting: task input > pipeline variable (`ContainerMapping.*`)
 * > `defaults.json` baked into the package > built-in default.
 */
import type { ProxySettings } from '../../collector/proxy';

/**
 * Where settings come from: the agent's environment, read before task-lib loads. (task-lib
 * would move the secrets into its vault, and its getters write every value they return,
 * secrets included, to the debug log.)
 */
export interface SettingsSource {
  /** A task input (`serviceUrl`), or undefined when empty. */
  input(name: string): string | undefined;
  /** A pipeline variable (`ContainerMapping.ServiceUrl`), or undefined when empty. */
  variable(name: string): string | undefined;
  /** A secret pipeline variable, or undefined. */
  secret(name: string): string | undefined;
  /** A service connection's URL and OAuth access token (the job's own is `SystemVssConnection`). */
  endpoint(name: string): { url?: string; accessToken?: string };
}

/** Values baked into the package when the extension was built (`defaults.json`). */
export interface PackageDefaults {
  serviceUrl?: string;
}

/** The built-in hard limit for the whole step. */
export const DEFAULT_TIME_LIMIT_SECONDS = 30;
const MAX_TIME_LIMIT_SECONDS = 600;

/** Identifies the run, job and source; every field is optional because release
 * pipelines and older agents set fewer variables. */
export interface RunIdentity {
  collectionUri?: string;
  projectId?: string;
  projectName?: string;
  hostType?: string;
  planId?: string;
  jobId?: string;
  jobName?: string;
  jobDisplayName?: string;
  jobAttempt?: number;
  stageName?: string;
  stageDisplayName?: string;
  pipelineStartTime?: string;
  definitionId?: number;
  definitionName?: string;
  buildId?: number;
  buildNumber?: string;
  reason?: string;
  releaseId?: number;
  releaseName?: string;
  releaseDefinitionId?: number;
  releaseDefinitionName?: string;
  releaseWebUrl?: string;
  repositoryProvider?: string;
  repositoryUri?: string;
  repositoryName?: string;
  repositoryId?: string;
  sourceVersion?: string;
  sourceBranch?: string;
  agentName?: string;
  agentOs?: string;
  agentSelfHosted?: boolean;
  agentTempDirectory?: string;
}

/** Everything the task needs to know about its run, read once. */
export interface RunContext {
  /** `ContainerMapping.Disabled` is true: the pipeline opted out. */
  disabled: boolean;
  /** Base URL of the mapping service, without a trailing slash; undefined when none is configured. */
  serviceUrl?: string;
  /** The static token (`ContainerMapping.Token`), when the source could read it. */
  staticToken?: string;
  /** Docker host chosen by input or variable; undefined means DOCKER_HOST or the platform default. */
  dockerHost?: string;
  /** The job's access token (SystemVssConnection), for the timeline and the OIDC token. Secret. */
  jobToken?: string;
  /** The organisation's URL as the job's connection names it. */
  jobConnectionUrl?: string;
  /** Folder holding buildx `--metadata-file` JSON files. */
  metadataFolder?: string;
  /** Hard limit for the whole step, in milliseconds. */
  timeLimitMs: number;
  /** The agent's web proxy, when the agent was configured with one. */
  proxy?: ProxySettings;
  /** `System.Debug` is true: the step writes its debug lines (`task.debug`). */
  debug?: boolean;
  run: RunIdentity;
}

/**
 * The web proxy the agent was configured with (`config --proxyurl …`), as it hands it to
 * every task: the variables `Agent.ProxyUrl`, `Agent.ProxyUsername`, `Agent.ProxyPassword`
 * (a secret variable, so `SECRET_AGENT_PROXYPASSWORD`) and `Agent.ProxyBypassList`. The type
 * is the collector's (collector/proxy.ts), which every host fills the same way.
 */
export type { ProxySettings };

/** The environment variables that carry the agent's proxy settings to a task. */
export const PROXY_ENVIRONMENT_NAMES = [
  'AGENT_PROXYURL',
  'AGENT_PROXYUSERNAME',
  'AGENT_PROXYPASSWORD',
  'SECRET_AGENT_PROXYPASSWORD',
  'AGENT_PROXYBYPASSLIST',
] as const;

function firstOf(...values: (string | undefined)[]): string | undefined {
  for (const v of values) {
    const t = v?.trim();
    if (t) return t;
  }
  return undefined;
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

function isTrue(text: string | undefined): boolean {
  return text !== undefined && ['true', '1', 'yes'].includes(text.trim().toLowerCase());
}

/**
 * `Agent.IsSelfHosted`: the agent sets it for every job, "1" on a self-hosted agent and "0" on a
 * Microsoft-hosted one (microsoft/azure-pipelines-agent, src/Agent.Worker/JobRunner.cs:
 * `SetVariable(Constants.Variables.Agent.IsSelfHosted, settings.IsMSHosted ? "0" : "1")`).
 * "true"/"false" are read too; anything else, or its absence (older agents), is unknown.
 */
function selfHosted(text: string | undefined): boolean | undefined {
  const value = text?.trim().toLowerCase();
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

function timeLimit(text: string | undefined): number {
  const n = integer(text);
  if (n === undefined || n < 1) return DEFAULT_TIME_LIMIT_SECONDS * 1000;
  return Math.min(n, MAX_TIME_LIMIT_SECONDS) * 1000;
}

/** Reads every setting and run variable into a `RunContext`. Pure: all I/O is in `source`. */
export function readRunContext(source: SettingsSource, defaults: PackageDefaults, platform: string = process.platform): RunContext {
  const v = (name: string) => source.variable(name);
  const tempDirectory = v('Agent.TempDirectory');
  const serviceUrl = firstOf(source.input('serviceUrl'), v('ContainerMapping.ServiceUrl'), defaults.serviceUrl);
  const metadataFolder =
    firstOf(source.input('metadataFolder'), v('ContainerMapping.MetadataFolder')) ??
    (tempDirectory ? joinPath(tempDirectory, 'container-mapping', platform) : undefined);
  const context: RunContext = {
    disabled: isTrue(v('ContainerMapping.Disabled')),
    timeLimitMs: timeLimit(firstOf(source.input('timeLimitSeconds'), v('ContainerMapping.TimeLimitSeconds'))),
    run: {
      collectionUri: firstOf(v('System.CollectionUri'), v('System.TeamFoundationCollectionUri')),
      projectId: v('System.TeamProjectId'),
      projectName: v('System.TeamProject'),
      hostType: v('System.HostType'),
      planId: v('System.PlanId'),
      jobId: v('System.JobId'),
      jobName: v('System.JobName'),
      jobDisplayName: v('System.JobDisplayName'),
      jobAttempt: integer(v('System.JobAttempt')),
      stageName: v('System.StageName'),
      stageDisplayName: v('System.StageDisplayName'),
      pipelineStartTime: v('System.PipelineStartTime'),
      definitionId: integer(v('System.DefinitionId')),
      definitionName: v('Build.DefinitionName'),
      buildId: integer(v('Build.BuildId')),
      buildNumber: v('Build.BuildNumber'),
      reason: v('Build.Reason'),
      releaseId: integer(v('Release.ReleaseId')),
      releaseName: v('Release.ReleaseName'),
      releaseDefinitionId: integer(v('Release.DefinitionId')),
      releaseDefinitionName: v('Release.DefinitionName'),
      releaseWebUrl: v('Release.ReleaseWebUrl'),
      repositoryProvider: v('Build.Repository.Provider'),
      repositoryUri: v('Build.Repository.Uri'),
      repositoryName: v('Build.Repository.Name'),
      repositoryId: v('Build.Repository.ID'),
      sourceVersion: v('Build.SourceVersion'),
      sourceBranch: v('Build.SourceBranch'),
      agentName: v('Agent.Name'),
      agentOs: v('Agent.OS'),
      agentSelfHosted: selfHosted(v('Agent.IsSelfHosted')),
      agentTempDirectory: tempDirectory,
    },
  };
  if (serviceUrl !== undefined) context.serviceUrl = serviceUrl.replace(/\/+$/, '');
  const token = source.secret('ContainerMapping.Token');
  if (token !== undefined && token.trim() !== '') context.staticToken = token.trim();
  const connection = source.endpoint('SystemVssConnection');
  if (connection.accessToken) context.jobToken = connection.accessToken;
  const connectionUrl = connection.url ?? context.run.collectionUri;
  if (connectionUrl) context.jobConnectionUrl = connectionUrl;
  const dockerHost = firstOf(source.input('dockerHost'), v('ContainerMapping.DockerHost'));
  if (dockerHost !== undefined) context.dockerHost = dockerHost;
  if (metadataFolder !== undefined) context.metadataFolder = metadataFolder;
  const proxy = readProxySettings(source);
  if (proxy !== undefined) context.proxy = proxy;
  if (isTrue(v('System.Debug'))) context.debug = true;
  return context;
}

function decoded(text: string): string | undefined {
  try {
    return text ? decodeURIComponent(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The agent's proxy, or undefined when there is none or `Agent.ProxyUrl` is not an http(s) URL.
 * Credentials written into the URL itself are used when the separate variables are empty.
 */
export function readProxySettings(source: SettingsSource): ProxySettings | undefined {
  const raw = source.variable('Agent.ProxyUrl')?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return undefined;
  const proxy: ProxySettings = { url: `${url.protocol}//${url.host}`, bypass: proxyBypassList(source.variable('Agent.ProxyBypassList')) };
  const username = source.variable('Agent.ProxyUsername') ?? decoded(url.username);
  // The agent sets the password as a secret variable; task-lib's tests also pass it as a plain one.
  const password = source.secret('Agent.ProxyPassword') ?? source.variable('Agent.ProxyPassword') ?? decoded(url.password);
  if (username !== undefined) proxy.username = username;
  if (password !== undefined) proxy.password = password;
  return proxy;
}

/** `Agent.ProxyBypassList`: a JSON array of regular expressions; anything else counts as empty. */
export function proxyBypassList(json: string | undefined): string[] {
  if (!json) return [];
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.filter((entry): entry is string => typeof entry === 'string' && entry !== '' && compiles(entry));
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}

function joinPath(dir: string, name: string, platform: string): string {
  const sep = platform === 'win32' ? '\\' : '/';
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + sep + name;
}

/** The agent's environment-variable spelling of a variable: `Build.BuildId` → `BUILD_BUILDID`. */
export function variableEnvName(name: string): string {
  return name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
}

/**
 * Reads settings from the environment the agent gives a task: inputs as `INPUT_<NAME>`,
 * variables as `<NAME>` (dots become underscores), secret variables as `SECRET_<NAME>`,
 * service connections as `ENDPOINT_URL_<ID>` and `ENDPOINT_AUTH_<ID>` (JSON).
 */
export function environmentSource(env: NodeJS.ProcessEnv): SettingsSource {
  const read = (key: string) => {
    const value = env[key];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  return {
    input: (name) => read(`INPUT_${variableEnvName(name)}`),
    variable: (name) => read(variableEnvName(name)),
    secret: (name) => read(`SECRET_${variableEnvName(name)}`),
    endpoint: (name) => {
      const id = variableEnvName(name);
      const result: { url?: string; accessToken?: string } = {};
      const url = read(`ENDPOINT_URL_${id}`);
      if (url) result.url = url;
      const token = accessTokenOf(read(`ENDPOINT_AUTH_${id}`));
      if (token) result.accessToken = token;
      return result;
    },
  };
}

/** The `AccessToken` parameter of an endpoint's authorization JSON (`{"parameters":{"AccessToken":"…"},"scheme":"OAuth"}`). */
export function accessTokenOf(json: string | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const auth = JSON.parse(json) as { parameters?: Record<string, unknown> };
    const token = auth.parameters?.AccessToken ?? auth.parameters?.accessToken;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}
