import type { RunningImage } from './imageId';

/**
 * The few fields of each Kubernetes object that the inventory needs, read from a kubectl List.
 * Nothing else is kept: no env values, no secrets, no annotations but the load balancer ones.
 */

/** The controller reference of an object (`metadata.ownerReferences[]` with `controller: true`). */
export interface ControllerRef {
  readonly kind: string;
  readonly name: string;
}

/** What every namespaced object read here carries. */
export interface ObjectMeta {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly controller: ControllerRef | undefined;
}

/** A container of a pod's spec: its name, the image it asked for, and the node ports it binds. */
export interface PodContainer {
  readonly name: string;
  readonly image: string;
  readonly hostPorts: readonly number[];
}

/** One `status.containerStatuses[]` entry: what the container runtime says it runs (its `imageID`, parsed). */
export interface PodContainerStatus {
  readonly name: string;
  readonly image: string;
  readonly running: RunningImage;
}

/** A pod: its phase, its containers and what they run. */
export interface Pod extends ObjectMeta {
  readonly phase: string;
  readonly hostNetwork: boolean;
  readonly containers: readonly PodContainer[];
  readonly statuses: readonly PodContainerStatus[];
}

/** A Service: its type, its selector and the annotations that mark a load balancer internal. */
export interface Service extends ObjectMeta {
  readonly type: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly nodePorts: readonly number[];
}

/** One route of an Ingress to a Service in the Ingress's namespace. */
export interface IngressBackend {
  readonly service: string;
  /** `null`: the rule has no host (every host), or it is the default backend. */
  readonly host: string | null;
  /** `null`: the default backend. */
  readonly path: string | null;
}

/** An Ingress and the Services it routes to. */
export interface Ingress extends ObjectMeta {
  readonly backends: readonly IngressBackend[];
}

/** Which namespaces' routes a Gateway listener admits (`allowedRoutes.namespaces.from`). */
export type RouteNamespaces = 'Same' | 'All' | 'Selector' | 'None';

/** A Gateway API Gateway: its listeners, as far as route attachment needs them. */
export interface Gateway extends ObjectMeta {
  readonly listeners: ReadonlyArray<{ readonly name: string; readonly from: RouteNamespaces }>;
}

/** A reference from a route to its Gateway, with the defaults of the Gateway API filled in. */
export interface ParentRef {
  readonly namespace: string;
  readonly name: string;
  readonly sectionName: string | undefined;
}

/** A reference from a route rule to a Service, with the route's path matches. */
export interface RouteBackend {
  readonly namespace: string;
  readonly service: string;
  readonly paths: readonly string[];
}

/** A Gateway API HTTPRoute: where it attaches and which Services it routes to. */
export interface HTTPRoute extends ObjectMeta {
  readonly parents: readonly ParentRef[];
  readonly hostnames: readonly string[];
  readonly backends: readonly RouteBackend[];
}

/** Every object of a List that the inventory understands, by kind; the rest counted by kind. */
export interface Inventory {
  readonly pods: readonly Pod[];
  /** ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs and CronJobs, by {@link ownerKey}. */
  readonly owners: ReadonlyMap<string, ObjectMeta & { readonly kind: string }>;
  readonly services: readonly Service[];
  readonly ingresses: readonly Ingress[];
  readonly gateways: readonly Gateway[];
  readonly routes: readonly HTTPRoute[];
  /** Items of kinds the inventory does not read, counted by `apiVersion` group and kind. */
  readonly skipped: Readonly<Record<string, number>>;
}

/** The key of an owner object in {@link Inventory.owners}. */
export function ownerKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
