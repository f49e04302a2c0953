/**
 * The cluster snapshot: what runs where in one cluster, and how it can be reached. Plain data, ready to be
 * stored and answered from; the cluster's name and the snapshot's time are added by whoever imports it.
 */

/** One image a workload runs: every container of every running pod of the workload that runs it, as one row. */
export interface WorkloadImage {
  /** The registry manifest digest, `sha256:…`; `null` when the runtime reported none. */
  readonly digest: string | null;
  /** `false`: the runtime gave only a local config id (or nothing yet), which no registry or scanner names. */
  readonly resolved: boolean;
  /** The local config id of an unresolved image (`sha256:…`), when the runtime gave one. */
  readonly configId: string | null;
  /** Repositories named by the runtime's `imageID` (`repo` in `repo@sha256:…`). */
  readonly repositories: readonly string[];
  /** Image references as the pod spec and status wrote them (`nginx:1.27`, …). */
  readonly references: readonly string[];
  /** Names of the containers that run it. */
  readonly containers: readonly string[];
}

/** How a workload can be reached from the internet, with the objects that make the path. */
export type InternetExposure =
  | { readonly exposure: 'internet'; readonly via: 'LoadBalancer'; readonly service: string; readonly ports: readonly number[] }
  | {
      readonly exposure: 'internet';
      readonly via: 'Ingress';
      readonly ingress: string;
      readonly service: string;
      /** `null`: every host (a rule without host, or the default backend). */
      readonly host: string | null;
      /** `null`: the default backend. */
      readonly path: string | null;
    }
  | {
      readonly exposure: 'internet';
      readonly via: 'HTTPRoute';
      readonly gateway: { readonly namespace: string; readonly name: string };
      readonly route: { readonly namespace: string; readonly name: string };
      readonly service: string;
      readonly hostnames: readonly string[];
      readonly paths: readonly string[];
    };

/** How a workload can be reached on its nodes' addresses: weaker than internet exposure, and never counted as it. */
export type NodeExposure =
  | { readonly exposure: 'node'; readonly via: 'NodePort'; readonly service: string; readonly nodePorts: readonly number[] }
  | { readonly exposure: 'node'; readonly via: 'hostPort'; readonly container: string; readonly hostPorts: readonly number[] }
  | { readonly exposure: 'node'; readonly via: 'hostNetwork' };

/** One path that exposes a workload. */
export type ExposurePath = InternetExposure | NodeExposure;

/** A workload: a running pod's top owner (Deployment, StatefulSet, DaemonSet, CronJob, …; a bare pod is its own). */
export interface Workload {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The owner object's labels when the List holds it, else the pod's. */
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the containers of its running pods. */
  readonly containers: readonly string[];
  readonly images: readonly WorkloadImage[];
  /** Every path that exposes it; empty when none. */
  readonly exposure: readonly ExposurePath[];
}

/** One cluster's workloads, and what of the List was not read. */
export interface ClusterSnapshot {
  /** Workloads with at least one `Running` pod, by namespace, kind and name. */
  readonly workloads: readonly Workload[];
  /** Items of kinds not read, counted by API group and kind (`""` group omitted: `ConfigMap`, `apps/ControllerRevision`). */
  readonly skipped: Readonly<Record<string, number>>;
}

/** Whether a workload has at least one internet exposure path (node exposure does not count). */
export function isInternetExposed(workload: Workload): boolean {
  return workload.exposure.some((path) => path.exposure === 'internet');
}
