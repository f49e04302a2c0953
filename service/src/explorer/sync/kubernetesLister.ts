/**
 * The {@link ResourceLister} over a real cluster, built with @kubernetes/client-node: the only file that loads the
 * client. It is an ES module, loaded on first use so that the other commands never pay for it.
 */
import { ListCallError } from './errors';
import type { ListPage, ResourceLister } from './readCluster';
import type { ClusterResource } from './resources';

/** Where the credentials come from. */
export type ClusterAccess =
  | { readonly from: 'kubeconfig'; readonly file: string; readonly context?: string | undefined }
  /**
   * The pod's service account (`KubeConfig.loadFromCluster`: `KUBERNETES_SERVICE_HOST`/`_PORT` and the token and CA
   * under `/var/run/secrets/kubernetes.io/serviceaccount/`), when run as a CronJob in the cluster. `root`: a directory
   * standing in for `/` (tests).
   */
  | { readonly from: 'in-cluster'; readonly root?: string }
  /** `$KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account, as the client looks for them. */
  | { readonly from: 'default'; readonly context?: string | undefined };

type Client = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

/** Per-call configuration: middleware appended to the kubeconfig's own (the object-parameter calls take observable middleware). */
type CallOptions = import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } }).ConfigurationOptions;

/** A typed list call, in the client's object-parameter style. */
type TypedCall = (param: { limit: number; _continue?: string }, options: CallOptions) => Promise<unknown>;

/**
 * How long one list call (one page) may take before it is abandoned, by default: kubectl waits forever unless told
 * (`--request-timeout`); a sync inside the service must not, or one API server that accepts and never answers would
 * hold every later sync of every cluster behind it. A page of 500 items comes back in well under a second from a
 * healthy API server.
 */
export const DEFAULT_LIST_TIMEOUT_SECONDS = 60;

/** What else the lister may be told. */
export interface ListerOptions {
  /** Per list call; default {@link DEFAULT_LIST_TIMEOUT_SECONDS}. */
  readonly requestTimeoutSeconds?: number;
}

/**
 * Loads the credentials and returns a lister over the cluster they name. Each list call is aborted (its connection
 * closed) when no whole answer came within the request timeout, and fails naming that limit.
 *
 * @throws {Error} when the kubeconfig cannot be read or has no such context.
 */
export async function createKubernetesLister(
  access: ClusterAccess,
  options: ListerOptions = {},
): Promise<ResourceLister & { readonly server: string }> {
  const k8s: Client = await import('@kubernetes/client-node');
  // The typed list calls return model objects (Date timestamps, `_continue`); the serializer turns them back into
  // the API's JSON, which is what kubectl prints. It is not re-exported by the package's index.
  const { ObjectSerializer } = await import('@kubernetes/client-node/dist/gen/models/ObjectSerializer.js');
  const config = loadConfig(k8s, access);
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig names no cluster for its current context');

  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const batch = config.makeApiClient(k8s.BatchV1Api);
  const networking = config.makeApiClient(k8s.NetworkingV1Api);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);
  const typed: Readonly<Record<string, { call: TypedCall; listType: string }>> = {
    pods: { call: (p, o) => core.listPodForAllNamespaces(p, o), listType: 'V1PodList' },
    replicasets: { call: (p, o) => apps.listReplicaSetForAllNamespaces(p, o), listType: 'V1ReplicaSetList' },
    deployments: { call: (p, o) => apps.listDeploymentForAllNamespaces(p, o), listType: 'V1DeploymentList' },
    statefulsets: { call: (p, o) => apps.listStatefulSetForAllNamespaces(p, o), listType: 'V1StatefulSetList' },
    daemonsets: { call: (p, o) => apps.listDaemonSetForAllNamespaces(p, o), listType: 'V1DaemonSetList' },
    jobs: { call: (p, o) => batch.listJobForAllNamespaces(p, o), listType: 'V1JobList' },
    cronjobs: { call: (p, o) => batch.listCronJobForAllNamespaces(p, o), listType: 'V1CronJobList' },
    services: { call: (p, o) => core.listServiceForAllNamespaces(p, o), listType: 'V1ServiceList' },
    ingresses: { call: (p, o) => networking.listIngressForAllNamespaces(p, o), listType: 'V1IngressList' },
  };

  const timeoutSeconds = options.requestTimeoutSeconds ?? DEFAULT_LIST_TIMEOUT_SECONDS;
  return {
    server,
    async listPage(resource: ClusterResource, page: { limit: number; continueToken: string | null }): Promise<ListPage> {
      // The client's fetch takes the signal a middleware sets on the request context (client-node 1.x:
      // `RequestContext.setSignal`, read by `IsomorphicFetchHttpLibrary` as fetch's `signal`); appended to the
      // configuration's own middleware (the kubeconfig's authentication) for this one call.
      const signal = AbortSignal.timeout(timeoutSeconds * 1000);
      const withTimeout: CallOptions = {
        middleware: [
          {
            pre(context) {
              context.setSignal(signal);
              return new k8s.Observable(Promise.resolve(context));
            },
            post: (response) => new k8s.Observable(Promise.resolve(response)),
          },
        ],
        middlewareMergeStrategy: 'append',
      };
      const param = { limit: page.limit, ...(page.continueToken === null ? {} : { _continue: page.continueToken }) };
      try {
        // Custom resources (the Gateway API) come back as plain JSON already; built-in ones through their typed call.
        const known = typed[resource.plural];
        let body: unknown;
        if (known) body = ObjectSerializer.serialize(await known.call(param, withTimeout), known.listType, '');
        else if (resource.optional) {
          body = await custom.listClusterCustomObject(
            { group: resource.group, version: resource.version, plural: resource.plural, ...param },
            withTimeout,
          );
        } else throw new Error(`no list call for ${resource.plural}`);
        return toPage(body);
      } catch (err) {
        if (signal.aborted) throw new Error(`no answer within ${timeoutSeconds} s (the request timeout); the call was abandoned`);
        if (err instanceof k8s.ApiException) throw new ListCallError(err.code, statusMessage(err.body, fallbackMessage(err.code)));
        throw err;
      }
    },
  };
}

function loadConfig(k8s: Client, access: ClusterAccess): InstanceType<Client['KubeConfig']> {
  const config = new k8s.KubeConfig();
  if (access.from === 'kubeconfig') config.loadFromFile(access.file);
  else if (access.from === 'in-cluster') config.loadFromCluster(access.root);
  else config.loadFromDefault();
  const context = access.from === 'in-cluster' ? undefined : access.context;
  if (context !== undefined) {
    if (config.getContextObject(context) === null) {
      const known = config.getContexts().map((c) => c.name);
      throw new Error(`the kubeconfig has no context "${context}" (it has: ${known.join(', ') || 'none'})`);
    }
    config.setCurrentContext(context);
  }
  return config;
}

function toPage(body: unknown): ListPage {
  if (typeof body !== 'object' || body === null) throw new Error('the API server answered a list call with no object');
  const { items, metadata } = body as { items?: unknown; metadata?: { continue?: unknown } };
  if (!Array.isArray(items)) throw new Error('the API server answered a list call without items');
  const token = metadata?.continue;
  return { items: items as Record<string, unknown>[], continueToken: typeof token === 'string' && token !== '' ? token : null };
}

/** The client's own message spells out the response headers; a line of our own says enough. */
function fallbackMessage(code: number): string {
  return code === 401 ? 'the credentials were not accepted (401 Unauthorized)' : `no Status body came with HTTP ${code}`;
}

/** The `message` of a `Status` body (the API's error object), else the client's own message. */
function statusMessage(body: unknown, fallback: string): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() || fallback;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : fallback;
}
