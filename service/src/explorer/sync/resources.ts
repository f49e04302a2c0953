/**
 * What `sync kubernetes` lists: the resources of
 * `kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,services,ingresses -A -o json`, plus
 * the Gateway API's gateways and httproutes, which a cluster serves only when their CRDs are installed.
 */

/** One listed resource: where the API serves it and the kind its items have. */
export interface ClusterResource {
  /** The resource's plural name in the URL and in RBAC rules (`pods`). */
  readonly plural: string;
  /** The API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** The kind of each item (`Pod`); typed list responses leave it off the items. */
  readonly kind: string;
  /** `true`: a CustomResourceDefinition that may be absent; a 404 then means "not installed". */
  readonly optional: boolean;
}

/** Every resource read, in the order kubectl prints them. */
export const CLUSTER_RESOURCES: readonly ClusterResource[] = [
  { plural: 'pods', group: '', version: 'v1', kind: 'Pod', optional: false },
  { plural: 'replicasets', group: 'apps', version: 'v1', kind: 'ReplicaSet', optional: false },
  { plural: 'deployments', group: 'apps', version: 'v1', kind: 'Deployment', optional: false },
  { plural: 'statefulsets', group: 'apps', version: 'v1', kind: 'StatefulSet', optional: false },
  { plural: 'daemonsets', group: 'apps', version: 'v1', kind: 'DaemonSet', optional: false },
  { plural: 'jobs', group: 'batch', version: 'v1', kind: 'Job', optional: false },
  { plural: 'cronjobs', group: 'batch', version: 'v1', kind: 'CronJob', optional: false },
  { plural: 'services', group: '', version: 'v1', kind: 'Service', optional: false },
  { plural: 'ingresses', group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', optional: false },
  { plural: 'gateways', group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway', optional: true },
  { plural: 'httproutes', group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', optional: true },
];

/** The `apiVersion` of a resource's items: `v1` for the core group, else `group/version`. */
export function apiVersionOf(resource: ClusterResource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** How RBAC and error messages name a resource: `pods`, `deployments.apps`. */
export function qualifiedName(resource: ClusterResource): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}
