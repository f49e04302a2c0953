/**
 * A loopback stand-in for the Kubernetes API server's list calls, the only thing `sync kubernetes` asks of a cluster
 * (no cluster can run offline here). HTTPS with a self-signed certificate for 127.0.0.1 (made with `openssl`), bearer
 * token authentication, and the documented shapes (Kubernetes API reference: "ListMeta", "Status", the list
 * operations of Pod, ReplicaSet, …; API concepts, "Retrieving large results sets in chunks"):
 *
 * - `GET /api/v1/{pods,services}`, `GET /apis/{group}/{version}/{plural}` across all namespaces, answering a
 *   `<Kind>List` (`apiVersion`, `kind`, `metadata.resourceVersion`, `items`) whose items carry no `kind` or
 *   `apiVersion`, as the API server's typed lists do; custom resources' items (Gateway API) keep theirs, as
 *   unstructured lists do;
 * - `limit` cuts a page and sets `metadata.continue` (an opaque token) and `metadata.remainingItemCount`; the token
 *   sent back as `continue` gives the next page; the last page has no `continue`;
 * - a continue token the test marks expired: 410 `Status` `Expired` (k8s.io/apiserver etcd3 `compactedContinue`);
 * - a resource listed in `silent`: the request is read and never answered (to test the client's time limit);
 * - no or a wrong bearer token: 401 `Status` `Unauthorized`; a resource listed in `forbidden`: 403 `Status`
 *   `Forbidden` with the API server's message form (`pods is forbidden: User "…" cannot list resource "pods" in API
 *   group "" at the cluster scope`).
 *
 * Not verified against a real API server here: the exact body of the 404 for an API group that is not served (given
 * as a `Status` `NotFound`, "the server could not find the requested resource"; older servers answer plain text,
 * which the client turns into the same 404), the token's format (real ones are etcd keys, base64), and the body of a
 * 400 for a continue token it does not know.
 */
import { loopbackCertificate } from './certificate';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** An object as the test seeds it: a kubectl List item (`apiVersion`, `kind`, `metadata`, …). */
export type KubernetesObject = Record<string, unknown> & { apiVersion: string; kind: string };

/** One list call as the stand-in received it. */
export interface ListRequest {
  readonly path: string;
  readonly limit: number | null;
  readonly continueToken: string | null;
  readonly authorization: string | undefined;
}

export interface KubernetesApiOptions {
  /** Every object the cluster holds, in any order; each is served under the resource its apiVersion and kind name. */
  readonly objects: readonly KubernetesObject[];
  /** The bearer token the server accepts. */
  readonly token: string;
  /** Whether the Gateway API's CRDs are installed (`/apis/gateway.networking.k8s.io/v1/…` answer). */
  readonly gatewayApi: boolean;
  /** Plural resource names (`deployments`) the token may not list: 403. */
  readonly forbidden?: readonly string[];
  /**
   * Continue tokens that have expired, by plural resource name: that many list calls of the resource that send a
   * `continue` are answered 410 `Expired`, as the API server answers a token older than its compaction window.
   */
  readonly expiredContinues?: Readonly<Record<string, number>>;
  /**
   * Plural resource names whose list calls are accepted and never answered (an API server behind a load balancer
   * that holds the connection, or one too overloaded to answer): the connection stays open until `close()`.
   */
  readonly silent?: readonly string[];
}

/** The resources the stand-in serves, by URL path: the kind of their items and whether they are custom resources. */
const RESOURCES: ReadonlyArray<{ path: string; apiVersion: string; kind: string; plural: string; custom: boolean }> = [
  { path: '/api/v1/pods', apiVersion: 'v1', kind: 'Pod', plural: 'pods', custom: false },
  { path: '/api/v1/services', apiVersion: 'v1', kind: 'Service', plural: 'services', custom: false },
  { path: '/apis/apps/v1/replicasets', apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', custom: false },
  { path: '/apis/apps/v1/deployments', apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', custom: false },
  { path: '/apis/apps/v1/statefulsets', apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', custom: false },
  { path: '/apis/apps/v1/daemonsets', apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', custom: false },
  { path: '/apis/batch/v1/jobs', apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', custom: false },
  { path: '/apis/batch/v1/cronjobs', apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', custom: false },
  { path: '/apis/networking.k8s.io/v1/ingresses', apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', custom: false },
  {
    path: '/apis/gateway.networking.k8s.io/v1/gateways',
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    plural: 'gateways',
    custom: true,
  },
  {
    path: '/apis/gateway.networking.k8s.io/v1/httproutes',
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    custom: true,
  },
];

const RESOURCE_VERSION = '918273';

/** The Kubernetes API stand-in. Start with `KubernetesApiStandIn.start()`; stop with `close()`. */
export class KubernetesApiStandIn {
  /** Every list call, in order. */
  readonly requests: ListRequest[] = [];
  /** Expired continue answers still to give, by plural resource name. */
  private readonly expiring: Map<string, number>;

  private constructor(
    private readonly server: Server,
    private readonly options: KubernetesApiOptions,
    private readonly dir: string,
    /** The server's certificate, PEM: the kubeconfig's certificate authority. */
    private readonly certificate: string,
  ) {
    this.expiring = new Map(Object.entries(options.expiredContinues ?? {}));
  }

  /** Starts the server on an ephemeral port of 127.0.0.1. */
  static async start(options: KubernetesApiOptions): Promise<KubernetesApiStandIn> {
    const { key, certificate, folder: dir } = loopbackCertificate('kubernetes-api-stand-in');
    const server = createServer({ key, cert: certificate });
    const standIn = new KubernetesApiStandIn(server, options, dir, certificate);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** `https://127.0.0.1:<port>`. */
  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Writes a kubeconfig with two contexts: `stand-in` (this server, its CA and `token`) and `elsewhere` (a closed port),
   * `current` being the current one. Returns its path.
   */
  writeKubeconfig(options: { token?: string; current?: 'stand-in' | 'elsewhere' } = {}): string {
    const file = path.join(this.dir, `kubeconfig-${this.requests.length}-${Math.random().toString(36).slice(2)}.json`);
    const ca = Buffer.from(this.certificate).toString('base64');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'stand-in', cluster: { server: this.url, 'certificate-authority-data': ca } },
        { name: 'elsewhere', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': ca } },
      ],
      users: [{ name: 'reader', user: { token: options.token ?? this.options.token } }],
      contexts: [
        { name: 'stand-in', context: { cluster: 'stand-in', user: 'reader' } },
        { name: 'elsewhere', context: { cluster: 'elsewhere', user: 'reader' } },
      ],
      'current-context': options.current ?? 'stand-in',
    };
    // kubeconfig is YAML, and JSON is YAML: the client reads it either way.
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  }

  /**
   * Lays out what the kubelet mounts into a pod for its service account under `root`
   * (`var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`), the CA being this server's, and returns
   * the environment the kubelet sets (`KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`).
   */
  writeServiceAccount(root: string, token: string = this.options.token): Record<string, string> {
    const dir = path.join(root, 'var', 'run', 'secrets', 'kubernetes.io', 'serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'token'), token);
    writeFileSync(path.join(dir, 'ca.crt'), this.certificate);
    writeFileSync(path.join(dir, 'namespace'), 'container-mapping');
    const port = String((this.server.address() as AddressInfo).port);
    return { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port };
  }

  /** Stops the server and removes its certificate and kubeconfigs. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const limitText = url.searchParams.get('limit');
    const continueToken = url.searchParams.get('continue');
    this.requests.push({
      path: url.pathname,
      limit: limitText === null ? null : Number(limitText),
      continueToken,
      authorization: req.headers.authorization,
    });
    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    const resource = RESOURCES.find((r) => r.path === url.pathname);
    if (req.method !== 'GET' || resource === undefined || (resource.custom && !this.options.gatewayApi)) {
      return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    if (this.options.silent?.includes(resource.plural)) return;
    const group = resource.apiVersion.includes('/') ? (resource.apiVersion.split('/')[0] ?? '') : '';
    if (this.options.forbidden?.includes(resource.plural)) {
      const qualified = group === '' ? resource.plural : `${resource.plural}.${group}`;
      return status(
        res,
        403,
        'Forbidden',
        `${qualified} is forbidden: User "system:serviceaccount:container-mapping:reader" cannot list resource ` +
          `"${resource.plural}" in API group "${group}" at the cluster scope`,
        { ...(group === '' ? {} : { group }), kind: resource.plural },
      );
    }
    const all = this.options.objects
      .filter((o) => o.apiVersion === resource.apiVersion && o.kind === resource.kind)
      .map((o) => (resource.custom ? o : withoutTypeMeta(o)));
    const expiring = this.expiring.get(resource.plural) ?? 0;
    if (continueToken !== null && expiring > 0) {
      this.expiring.set(resource.plural, expiring - 1);
      // k8s.io/apiserver pkg/storage/etcd3/store.go, compactedContinue: 410, reason Expired, and a token for the
      // inconsistent remainder in the Status's metadata.
      return json(res, 410, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: { continue: continueToken },
        status: 'Failure',
        message:
          'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
          'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
          'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
          'modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        reason: 'Expired',
        code: 410,
      });
    }
    const offset = continueToken === null ? 0 : decodeToken(continueToken);
    if (offset === null) return status(res, 400, 'BadRequest', 'continue key is not valid');
    const limit = limitText === null ? all.length : Math.max(1, Number(limitText));
    const items = all.slice(offset, offset + limit);
    const remaining = all.length - offset - items.length;
    const metadata: Record<string, unknown> = { resourceVersion: RESOURCE_VERSION };
    if (remaining > 0) {
      metadata['continue'] = Buffer.from(JSON.stringify({ offset: offset + items.length, rv: RESOURCE_VERSION })).toString('base64url');
      metadata['remainingItemCount'] = remaining;
    }
    json(res, 200, { apiVersion: resource.apiVersion, kind: `${resource.kind}List`, metadata, items });
  }
}

function withoutTypeMeta(object: KubernetesObject): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

function decodeToken(token: string): number | null {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : null;
  } catch {
    return null;
  }
}

function status(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
