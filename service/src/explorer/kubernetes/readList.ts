/**
 * From the parsed JSON of `kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,services,ingresses
 * -A -o json` (plus `gateways`, `httproutes`) to an {@link Inventory}. kubectl prints a `v1` `List` whose items each
 * carry their own `apiVersion` and `kind` (kubectl reference, "Output options"; API conventions, "Lists and Simple kinds").
 */
import { InventoryError } from './errors';
import { arrayAt, typeName, isObject, optionalString, requiredString, type JsonObject } from './json';
import type { Gateway, HTTPRoute, Ingress, Inventory, ObjectMeta, Pod, Service } from './objects';
import { ownerKey } from './objects';
import { readGateway, readHTTPRoute, readIngress, readMeta, readPod, readService } from './readObjects';

/** The kinds read, by API group (the part of `apiVersion` before `/`; `""` for the core `v1`). */
const OWNER_KINDS: Readonly<Record<string, string>> = {
  'apps/ReplicaSet': 'ReplicaSet',
  'apps/Deployment': 'Deployment',
  'apps/StatefulSet': 'StatefulSet',
  'apps/DaemonSet': 'DaemonSet',
  'batch/Job': 'Job',
  'batch/CronJob': 'CronJob',
};

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Reads a kubectl List. Items of other kinds (or of a known kind name in another API group, such as an Istio
 * `Gateway`) are skipped and counted; two items of the same group, kind, namespace and name are an error, as the
 * API server never lists one object twice; a wrongly typed field is an error naming its JSON path.
 *
 * @throws {InventoryError} when the input is not a List, holds duplicates or wrongly typed fields.
 */
export function readList(input: unknown): Inventory {
  if (!isObject(input) || input['kind'] !== 'List' || !Array.isArray(input['items'])) {
    const got = isObject(input) ? `an object of kind ${JSON.stringify(input['kind'] ?? null)}` : typeName(input);
    throw new InventoryError(
      'not-a-list',
      '$',
      `expected a Kubernetes List ({"apiVersion": "v1", "kind": "List", "items": [...]}, as kubectl get … -A -o json prints), got ${got}`,
    );
  }
  const pods: Pod[] = [];
  const owners = new Map<string, ObjectMeta & { kind: string }>();
  const services: Service[] = [];
  const ingresses: Ingress[] = [];
  const gateways: Gateway[] = [];
  const routes: HTTPRoute[] = [];
  const skipped: Record<string, number> = {};
  const seen = new Set<string>();

  arrayAt(input['items'], 'items').forEach((entry, index) => {
    const path = `items[${index}]`;
    if (!isObject(entry)) throw new InventoryError('wrong-type', path, `expected an object, got ${typeName(entry)}`);
    const item: JsonObject = entry;
    const kind = requiredString(item['kind'], `${path}.kind`);
    const group = groupOf(optionalString(item['apiVersion'], `${path}.apiVersion`) ?? '');
    const qualified = group === '' ? kind : `${group}/${kind}`;
    const read = readerFor(qualified);
    if (read === undefined) {
      skipped[qualified] = (skipped[qualified] ?? 0) + 1;
      return;
    }
    const meta = readMeta(item, path);
    const key = `${qualified}/${meta.namespace}/${meta.name}`;
    if (seen.has(key)) {
      throw new InventoryError('duplicate', path, `${qualified} ${meta.namespace}/${meta.name} appears twice in the List`);
    }
    seen.add(key);
    switch (read) {
      case 'Pod':
        pods.push(readPod(item, path));
        break;
      case 'Service':
        services.push(readService(item, path));
        break;
      case 'Ingress':
        ingresses.push(readIngress(item, path));
        break;
      case 'Gateway':
        gateways.push(readGateway(item, path));
        break;
      case 'HTTPRoute':
        routes.push(readHTTPRoute(item, path));
        break;
      default:
        owners.set(ownerKey(read, meta.namespace, meta.name), { ...meta, kind: read });
    }
  });
  return { pods, owners, services, ingresses, gateways, routes, skipped };
}

function readerFor(qualified: string): string | undefined {
  switch (qualified) {
    case 'Pod':
    case 'Service':
      return qualified;
    case 'networking.k8s.io/Ingress':
      return 'Ingress';
    case 'gateway.networking.k8s.io/Gateway':
      return 'Gateway';
    case 'gateway.networking.k8s.io/HTTPRoute':
      return 'HTTPRoute';
    default:
      return OWNER_KINDS[qualified];
  }
}
