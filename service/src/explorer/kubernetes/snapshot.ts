import { exposurePaths } from './exposure';
import type { ClusterSnapshot, ExposurePath, Workload, WorkloadImage } from './model';
import type { Inventory, Pod } from './objects';
import { topOwner, type TopOwner } from './owners';
import { readList } from './readList';

/** A workload while its pods are gathered: sets, merged into arrays at the end. */
interface Gathering {
  readonly owner: TopOwner;
  readonly containers: Set<string>;
  readonly images: Map<
    string,
    {
      image: Omit<WorkloadImage, 'repositories' | 'references' | 'containers'>;
      repositories: Set<string>;
      references: Set<string>;
      containers: Set<string>;
    }
  >;
  readonly exposure: Map<string, ExposurePath>;
}

/**
 * Builds a cluster snapshot from the parsed JSON of
 * `kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,services,ingresses[,gateways,httproutes] -A -o json`.
 *
 * Only pods in phase `Running` run something (PodStatus.phase; a finished Job's pod is `Succeeded`), so only they
 * make workloads, images and exposure. A container with no status yet runs nothing. The same image in several
 * containers or pods of one workload is one row, keyed by its manifest digest (or, unresolved, by its config id).
 *
 * @throws {InventoryError} when the input is not a List, holds duplicate objects, wrongly typed fields or an invalid digest.
 */
export function buildClusterSnapshot(input: unknown): ClusterSnapshot {
  const inventory = readList(input);
  const workloads = new Map<string, Gathering>();
  const exposersOf = exposerIndex(inventory);
  for (const pod of inventory.pods) {
    if (pod.phase !== 'Running') continue;
    const owner = topOwner(pod, inventory);
    const key = `${owner.namespace}\u0000${owner.kind}\u0000${owner.name}`;
    let gathering = workloads.get(key);
    if (gathering === undefined) {
      gathering = { owner, containers: new Set(), images: new Map(), exposure: new Map() };
      workloads.set(key, gathering);
    }
    gatherPod(gathering, pod);
    for (const path of exposurePaths(pod, exposersOf(pod))) gathering.exposure.set(JSON.stringify(path), path);
  }
  return { workloads: [...workloads.values()].map(toWorkload).sort(byWorkload), skipped: inventory.skipped };
}

/** What {@link exposurePaths} matches a pod against. */
type Exposers = Pick<Inventory, 'services' | 'ingresses' | 'gateways' | 'routes'>;

/**
 * For each pod, the exposers that can match it, found by lookups instead of by matching it against every
 * Service of the cluster (with 10,000 Deployments and a Service each, that took minutes: `npm run bench:explorer`).
 * A Service selects only pods of its namespace that carry every pair of its selector, so it is looked up by its
 * namespace and the first pair of its selector (a Service with an empty selector selects nothing and is left out);
 * `exposurePaths` still applies the whole selector. An Ingress routes only to Services of its own namespace.
 * Gateways and HTTPRoutes may cross namespaces and stay whole. The paths found are the same (the snapshot
 * sorts them).
 */
function exposerIndex(inventory: Inventory): (pod: Pod) => Exposers {
  type Service = Inventory['services'][number];
  type Ingress = Inventory['ingresses'][number];
  const services = new Map<string, Service[]>();
  const ingresses = new Map<string, Ingress[]>();
  const add = <T>(map: Map<string, T[]>, key: string, item: T) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [item]);
    else list.push(item);
  };
  for (const service of inventory.services) {
    const first = Object.entries(service.selector)[0];
    if (first !== undefined) add(services, pairKey(service.namespace, first[0], first[1]), service);
  }
  for (const ingress of inventory.ingresses) add(ingresses, ingress.namespace, ingress);
  return (pod) => ({
    services: Object.entries(pod.labels).flatMap(([key, value]) => services.get(pairKey(pod.namespace, key, value)) ?? []),
    ingresses: ingresses.get(pod.namespace) ?? [],
    gateways: inventory.gateways,
    routes: inventory.routes,
  });
}

function pairKey(namespace: string, key: string, value: string): string {
  return `${namespace}\u0000${key}\u0000${value}`;
}

function gatherPod(gathering: Gathering, pod: Pod): void {
  for (const container of pod.containers) gathering.containers.add(container.name);
  for (const status of pod.statuses) {
    const running = status.running;
    const key = running.resolved ? running.digest : (running.configId ?? `reference:${status.image}`);
    let row = gathering.images.get(key);
    if (row === undefined) {
      const image = running.resolved
        ? { digest: running.digest, resolved: true, configId: null }
        : { digest: null, resolved: false, configId: running.configId };
      row = { image, repositories: new Set(), references: new Set(), containers: new Set() };
      gathering.images.set(key, row);
    }
    if (running.resolved) row.repositories.add(running.repository);
    const specImage = pod.containers.find((c) => c.name === status.name)?.image;
    for (const reference of [specImage, status.image]) if (reference) row.references.add(reference);
    row.containers.add(status.name);
  }
}

function toWorkload({ owner, containers, images, exposure }: Gathering): Workload {
  return {
    kind: owner.kind,
    namespace: owner.namespace,
    name: owner.name,
    labels: owner.labels,
    containers: [...containers].sort(),
    images: [...images.entries()]
      .sort(([a], [b]) => compare(a, b))
      .map(([, row]) => ({
        ...row.image,
        repositories: [...row.repositories].sort(),
        references: [...row.references].sort(),
        containers: [...row.containers].sort(),
      })),
    exposure: [...exposure.entries()].sort(([a], [b]) => compare(a, b)).map(([, path]) => path),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byWorkload(a: Workload, b: Workload): number {
  return compare(a.namespace, b.namespace) || compare(a.kind, b.kind) || compare(a.name, b.name);
}
