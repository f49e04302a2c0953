import type { Inventory, Pod } from './objects';
import { ownerKey } from './objects';

/** A pod's top owner: the workload it belongs to. */
export interface TopOwner {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Owner chains are short (Deployment → ReplicaSet → Pod, CronJob → Job → Pod); a longer one is a cycle. */
const MAX_DEPTH = 8;

/**
 * Follows a pod's controller references (`metadata.ownerReferences[]` with `controller: true`; Kubernetes docs,
 * "Owners and Dependents") up through the owners the List holds: Pod → ReplicaSet → Deployment, Pod → Job → CronJob,
 * Pod → StatefulSet or DaemonSet. An owner missing from the List ends the chain there (a ReplicaSet whose
 * Deployment was not listed is the workload). A pod without a controller is its own workload; so is a static
 * pod's mirror, whose controller is its Node (Kubernetes docs, "Create static Pods").
 */
export function topOwner(pod: Pod, inventory: Pick<Inventory, 'owners'>): TopOwner {
  const self: TopOwner = { kind: 'Pod', namespace: pod.namespace, name: pod.name, labels: pod.labels };
  let ref = pod.controller;
  if (ref === undefined || ref.kind === 'Node') return self;
  let top: TopOwner = { kind: ref.kind, namespace: pod.namespace, name: ref.name, labels: pod.labels };
  for (let depth = 0; depth < MAX_DEPTH && ref !== undefined; depth += 1) {
    const owner = inventory.owners.get(ownerKey(ref.kind, pod.namespace, ref.name));
    if (owner === undefined) break;
    top = { kind: owner.kind, namespace: owner.namespace, name: owner.name, labels: owner.labels };
    ref = owner.controller;
    if (ref !== undefined) top = { kind: ref.kind, namespace: pod.namespace, name: ref.name, labels: pod.labels };
  }
  return top;
}
