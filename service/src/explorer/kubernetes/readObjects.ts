/**
 * Readers from one List item's JSON to the fields in `objects.ts`. Every read names its JSON path,
 * so that a wrongly typed field fails with where it is.
 *
 * Shapes relied on (Kubernetes API reference, v1.3x): ObjectMeta (`namespace`, `name`, `labels`,
 * `annotations`, `ownerReferences[].{kind,name,controller}`); PodSpec (`containers[].{name,image,ports[].hostPort}`,
 * `initContainers[].restartPolicy`, `hostNetwork`); PodStatus (`phase`, `containerStatuses[].{name,image,imageID}`,
 * `initContainerStatuses[]`); ServiceSpec (`type`, default `ClusterIP`; `selector`; `ports[].{port,nodePort}`);
 * networking.k8s.io/v1 IngressSpec (`defaultBackend.service.name`, `rules[].host`,
 * `rules[].http.paths[].{path,backend.service.name}`); Gateway API v1 (gateway-api `apis/v1`):
 * `GatewaySpec.listeners[].{name,allowedRoutes.namespaces.from}` (default `Same`),
 * `HTTPRouteSpec.{parentRefs,hostnames,rules[].{matches[].path.value,backendRefs}}`.
 */
import { arrayAt, flagAt, type JsonObject, objectAt, optionalInteger, optionalString, requiredString, stringMapAt } from './json';
import type {
  ControllerRef,
  Gateway,
  HTTPRoute,
  Ingress,
  IngressBackend,
  ObjectMeta,
  ParentRef,
  Pod,
  PodContainer,
  PodContainerStatus,
  RouteBackend,
  RouteNamespaces,
  Service,
} from './objects';
import { InventoryError } from './errors';
import { parseImageId } from './imageId';
import { INTERNAL_LOAD_BALANCER_ANNOTATIONS } from './loadBalancer';

/** The Gateway API group: the default of `parentRefs[].group`; `backendRefs[].group` defaults to core (""). */
const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** Reads `metadata` of a namespaced object. */
export function readMeta(item: JsonObject, path: string): ObjectMeta {
  const metadata = objectAt(item['metadata'], `${path}.metadata`);
  return {
    namespace: requiredString(metadata['namespace'], `${path}.metadata.namespace`),
    name: requiredString(metadata['name'], `${path}.metadata.name`),
    labels: stringMapAt(metadata['labels'], `${path}.metadata.labels`),
    controller: readController(metadata['ownerReferences'], `${path}.metadata.ownerReferences`),
  };
}

/** The owner reference marked `controller: true`; other owners do not manage the object. */
function readController(value: unknown, path: string): ControllerRef | undefined {
  let controller: ControllerRef | undefined;
  arrayAt(value, path).forEach((entry, index) => {
    const at = `${path}[${index}]`;
    const ref = objectAt(entry, at);
    if (flagAt(ref['controller'], `${at}.controller`) && controller === undefined) {
      controller = { kind: requiredString(ref['kind'], `${at}.kind`), name: requiredString(ref['name'], `${at}.name`) };
    }
  });
  return controller;
}

function readContainer(entry: unknown, path: string): PodContainer & { restartPolicy: string | undefined } {
  const container = objectAt(entry, path);
  const hostPorts: number[] = [];
  arrayAt(container['ports'], `${path}.ports`).forEach((port, index) => {
    const at = `${path}.ports[${index}]`;
    const hostPort = optionalInteger(objectAt(port, at)['hostPort'], `${at}.hostPort`);
    if (hostPort !== undefined && hostPort > 0) hostPorts.push(hostPort);
  });
  return {
    name: requiredString(container['name'], `${path}.name`),
    image: optionalString(container['image'], `${path}.image`) ?? '',
    hostPorts,
    restartPolicy: optionalString(container['restartPolicy'], `${path}.restartPolicy`),
  };
}

function readStatuses(value: unknown, path: string): PodContainerStatus[] {
  return arrayAt(value, path).map((entry, index) => {
    const at = `${path}[${index}]`;
    const status = objectAt(entry, at);
    const imageID = optionalString(status['imageID'], `${at}.imageID`) ?? '';
    const running = parseImageId(imageID);
    if (running === undefined) {
      throw new InventoryError(
        'invalid-digest',
        `${at}.imageID`,
        `${JSON.stringify(imageID)} names a digest that is not sha256:<64 hex digits>`,
      );
    }
    return {
      name: requiredString(status['name'], `${at}.name`),
      image: optionalString(status['image'], `${at}.image`) ?? '',
      running,
    };
  });
}

/**
 * Reads a Pod. Init containers with `restartPolicy: Always` are sidecars that keep running beside the
 * app containers (Kubernetes docs, "Sidecar containers"), so they and their statuses count as containers.
 */
export function readPod(item: JsonObject, path: string): Pod {
  const spec = objectAt(item['spec'], `${path}.spec`);
  const status = objectAt(item['status'], `${path}.status`);
  const containers = arrayAt(spec['containers'], `${path}.spec.containers`).map((c, i) =>
    readContainer(c, `${path}.spec.containers[${i}]`),
  );
  const inits = arrayAt(spec['initContainers'], `${path}.spec.initContainers`).map((c, i) =>
    readContainer(c, `${path}.spec.initContainers[${i}]`),
  );
  const sidecars = new Set(inits.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const initStatuses = readStatuses(status['initContainerStatuses'], `${path}.status.initContainerStatuses`);
  return {
    ...readMeta(item, path),
    phase: optionalString(status['phase'], `${path}.status.phase`) ?? '',
    hostNetwork: flagAt(spec['hostNetwork'], `${path}.spec.hostNetwork`),
    containers: [...containers, ...inits.filter((c) => sidecars.has(c.name))].map(({ name, image, hostPorts }) => ({
      name,
      image,
      hostPorts,
    })),
    statuses: [
      ...readStatuses(status['containerStatuses'], `${path}.status.containerStatuses`),
      ...initStatuses.filter((s) => sidecars.has(s.name)),
    ],
  };
}

/** Reads a Service, keeping only the annotations that mark a load balancer internal. */
export function readService(item: JsonObject, path: string): Service {
  const spec = objectAt(item['spec'], `${path}.spec`);
  const annotations = stringMapAt(objectAt(item['metadata'], `${path}.metadata`)['annotations'], `${path}.metadata.annotations`);
  const ports: number[] = [];
  const nodePorts: number[] = [];
  arrayAt(spec['ports'], `${path}.spec.ports`).forEach((entry, index) => {
    const at = `${path}.spec.ports[${index}]`;
    const port = objectAt(entry, at);
    const number = optionalInteger(port['port'], `${at}.port`);
    const nodePort = optionalInteger(port['nodePort'], `${at}.nodePort`);
    if (number !== undefined) ports.push(number);
    if (nodePort !== undefined) nodePorts.push(nodePort);
  });
  const kept: Record<string, string> = {};
  for (const key of INTERNAL_LOAD_BALANCER_ANNOTATIONS) {
    const value = annotations[key];
    if (value !== undefined) kept[key] = value;
  }
  return {
    ...readMeta(item, path),
    type: optionalString(spec['type'], `${path}.spec.type`) ?? 'ClusterIP',
    selector: stringMapAt(spec['selector'], `${path}.spec.selector`),
    annotations: kept,
    ports,
    nodePorts,
  };
}

/** The Service name of an IngressBackend; a `resource` backend (no Service) gives `undefined`. */
function backendService(value: unknown, path: string): string | undefined {
  const service = objectAt(objectAt(value, path)['service'], `${path}.service`);
  return optionalString(service['name'], `${path}.service.name`);
}

/** Reads an Ingress: every (host, path) → Service it routes, and its default backend. */
export function readIngress(item: JsonObject, path: string): Ingress {
  const spec = objectAt(item['spec'], `${path}.spec`);
  const backends: IngressBackend[] = [];
  const fallback = backendService(spec['defaultBackend'], `${path}.spec.defaultBackend`);
  if (fallback !== undefined) backends.push({ service: fallback, host: null, path: null });
  arrayAt(spec['rules'], `${path}.spec.rules`).forEach((entry, r) => {
    const at = `${path}.spec.rules[${r}]`;
    const rule = objectAt(entry, at);
    const host = optionalString(rule['host'], `${at}.host`) ?? null;
    const http = objectAt(rule['http'], `${at}.http`);
    arrayAt(http['paths'], `${at}.http.paths`).forEach((p, i) => {
      const pathAt = `${at}.http.paths[${i}]`;
      const httpPath = objectAt(p, pathAt);
      const service = backendService(httpPath['backend'], `${pathAt}.backend`);
      const value = optionalString(httpPath['path'], `${pathAt}.path`) ?? '/';
      if (service !== undefined) backends.push({ service, host, path: value });
    });
  });
  return { ...readMeta(item, path), backends };
}

const ROUTE_NAMESPACES: readonly RouteNamespaces[] = ['Same', 'All', 'Selector', 'None'];

/** Reads a Gateway's listeners and which namespaces' routes each admits. */
export function readGateway(item: JsonObject, path: string): Gateway {
  const spec = objectAt(item['spec'], `${path}.spec`);
  const listeners = arrayAt(spec['listeners'], `${path}.spec.listeners`).map((entry, index) => {
    const at = `${path}.spec.listeners[${index}]`;
    const listener = objectAt(entry, at);
    const namespaces = objectAt(objectAt(listener['allowedRoutes'], `${at}.allowedRoutes`)['namespaces'], `${at}.allowedRoutes.namespaces`);
    const fromAt = `${at}.allowedRoutes.namespaces.from`;
    const from = optionalString(namespaces['from'], fromAt) ?? 'Same';
    const known = ROUTE_NAMESPACES.find((value) => value === from);
    // An unknown value admits nothing, as an implementation must not guess what it means.
    return { name: requiredString(listener['name'], `${at}.name`), from: known ?? 'None' };
  });
  return { ...readMeta(item, path), listeners };
}

/** Reads an HTTPRoute; refs to kinds other than Gateway (parents) or Service (backends) are left out. */
export function readHTTPRoute(item: JsonObject, path: string): HTTPRoute {
  const meta = readMeta(item, path);
  const spec = objectAt(item['spec'], `${path}.spec`);
  const parents: ParentRef[] = [];
  arrayAt(spec['parentRefs'], `${path}.spec.parentRefs`).forEach((entry, index) => {
    const at = `${path}.spec.parentRefs[${index}]`;
    const ref = objectAt(entry, at);
    const group = optionalString(ref['group'], `${at}.group`) ?? GATEWAY_GROUP;
    const kind = optionalString(ref['kind'], `${at}.kind`) ?? 'Gateway';
    const parent = {
      namespace: optionalString(ref['namespace'], `${at}.namespace`) ?? meta.namespace,
      name: requiredString(ref['name'], `${at}.name`),
      sectionName: optionalString(ref['sectionName'], `${at}.sectionName`),
    };
    if (group === GATEWAY_GROUP && kind === 'Gateway') parents.push(parent);
  });
  const hostnames = arrayAt(spec['hostnames'], `${path}.spec.hostnames`).map((h, i) => requiredString(h, `${path}.spec.hostnames[${i}]`));
  const backends: RouteBackend[] = [];
  arrayAt(spec['rules'], `${path}.spec.rules`).forEach((entry, r) => {
    const at = `${path}.spec.rules[${r}]`;
    const rule = objectAt(entry, at);
    const paths = arrayAt(rule['matches'], `${at}.matches`).map((match, m) => {
      const pathMatch = objectAt(objectAt(match, `${at}.matches[${m}]`)['path'], `${at}.matches[${m}].path`);
      return optionalString(pathMatch['value'], `${at}.matches[${m}].path.value`) ?? '/';
    });
    arrayAt(rule['backendRefs'], `${at}.backendRefs`).forEach((b, i) => {
      const refAt = `${at}.backendRefs[${i}]`;
      const ref = objectAt(b, refAt);
      const group = optionalString(ref['group'], `${refAt}.group`) ?? '';
      const kind = optionalString(ref['kind'], `${refAt}.kind`) ?? 'Service';
      const backend = {
        namespace: optionalString(ref['namespace'], `${refAt}.namespace`) ?? meta.namespace,
        service: requiredString(ref['name'], `${refAt}.name`),
        // A rule without matches matches every path: the API's default match is PathPrefix "/".
        paths: paths.length > 0 ? paths : ['/'],
      };
      if (group === '' && kind === 'Service') backends.push(backend);
    });
  });
  return { ...meta, parents, hostnames, backends };
}
