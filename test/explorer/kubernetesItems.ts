/**
 * Builders of List items in the shape `kubectl get … -o json` prints (only the fields a case needs, each where the
 * Kubernetes API puts it), for table tests that vary one thing at a time. The full real-shape List is
 * `test/fixtures/explorer/kubectl-list.json`.
 */

export const DIGEST_A = 'sha256:' + 'a1'.repeat(32);
export const DIGEST_B = 'sha256:' + 'b2'.repeat(32);

type Json = Record<string, unknown>;

/** A `v1` `List` of the items (any JSON value, so that bad items can be tested). */
export function list(...items: unknown[]): Json {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

/** A Running pod with one container running `imageID`; `owner` is its controller reference. */
export function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  options: { owner?: [string, string, string]; imageID?: string; phase?: string; spec?: Json } = {},
): Json {
  const metadata: Json = { name, namespace, labels, uid: `uid-${name}` };
  if (options.owner) {
    const [apiVersion, kind, ownerName] = options.owner;
    metadata['ownerReferences'] = [
      { apiVersion, kind, name: ownerName, uid: `uid-${ownerName}`, controller: true, blockOwnerDeletion: true },
    ];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }], ...options.spec },
    status: {
      phase: options.phase ?? 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example/app:1',
          imageID: options.imageID ?? `registry.example/app@${DIGEST_A}`,
          ready: true,
          restartCount: 0,
        },
      ],
    },
  };
}

/** A Service of `type` selecting `selector` (none when `undefined`). */
export function service(
  namespace: string,
  name: string,
  type: string,
  selector: Record<string, string> | undefined,
  annotations?: Record<string, string>,
): Json {
  const spec: Json = {
    type,
    ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, ...(type === 'ClusterIP' ? {} : { nodePort: 30080 }) }],
  };
  if (selector) spec['selector'] = selector;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec };
}

/** An owner object (ReplicaSet, Deployment, Job, CronJob, …) with an optional controller. */
export function owner(apiVersion: string, kind: string, namespace: string, name: string, controller?: [string, string, string]): Json {
  const metadata: Json = { name, namespace, labels: { owner: name } };
  if (controller) {
    const [av, k, n] = controller;
    metadata['ownerReferences'] = [{ apiVersion: av, kind: k, name: n, uid: `uid-${n}`, controller: true }];
  }
  return { apiVersion, kind, metadata, spec: {} };
}

/** An Ingress in `namespace` whose one rule routes `host` `/` to `serviceName`. */
export function ingress(namespace: string, name: string, serviceName: string): Json {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace },
    spec: {
      rules: [
        {
          host: 'app.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: serviceName, port: { number: 80 } } } }] },
        },
      ],
    },
  };
}

/** A Gateway with one listener `http` admitting routes `from`. */
export function gateway(namespace: string, name: string, from?: string): Json {
  const listener: Json = { name: 'http', port: 80, protocol: 'HTTP' };
  if (from) listener['allowedRoutes'] = { namespaces: { from } };
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: { gatewayClassName: 'example', listeners: [listener] },
  };
}

/** An HTTPRoute with `parentRefs` and one rule to `backendRefs`. */
export function httpRoute(namespace: string, name: string, parentRefs: Json[], backendRefs: Json[]): Json {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: {
      parentRefs,
      hostnames: ['app.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/app' } }], backendRefs }],
    },
  };
}
