import { isInternalLoadBalancer } from './loadBalancer';
import type { ExposurePath } from './model';
import type { Gateway, HTTPRoute, Inventory, Pod } from './objects';
import { selects } from './selector';

/**
 * Every path that exposes one pod:
 * - internet: a `LoadBalancer` Service that selects it and is not internal (`loadBalancer.ts`); an Ingress rule or
 *   default backend naming a Service that selects it; an HTTPRoute attached to a listed Gateway whose backendRefs
 *   name a Service that selects it;
 * - node: a `NodePort` Service that selects it; `hostPort` on one of its containers; `hostNetwork`.
 * An internal load balancer exposes nothing here, and its node ports are not counted either: a node exposure is what
 * the Service's owner chose with `type: NodePort`, `hostPort` or `hostNetwork`.
 */
export function exposurePaths(pod: Pod, inventory: Pick<Inventory, 'services' | 'ingresses' | 'gateways' | 'routes'>): ExposurePath[] {
  const paths: ExposurePath[] = [];
  const selecting = new Set<string>();
  for (const service of inventory.services) {
    if (!selects(service, pod)) continue;
    selecting.add(service.name);
    if (service.type === 'LoadBalancer' && !isInternalLoadBalancer(service.annotations)) {
      paths.push({ exposure: 'internet', via: 'LoadBalancer', service: service.name, ports: service.ports });
    }
    if (service.type === 'NodePort') {
      paths.push({ exposure: 'node', via: 'NodePort', service: service.name, nodePorts: service.nodePorts });
    }
  }
  // An Ingress routes only to Services in its own namespace (IngressServiceBackend has no namespace field).
  for (const ingress of inventory.ingresses) {
    if (ingress.namespace !== pod.namespace) continue;
    for (const backend of ingress.backends) {
      if (!selecting.has(backend.service)) continue;
      paths.push({
        exposure: 'internet',
        via: 'Ingress',
        ingress: ingress.name,
        service: backend.service,
        host: backend.host,
        path: backend.path,
      });
    }
  }
  for (const route of inventory.routes) {
    const services = new Map<string, Set<string>>();
    for (const backend of route.backends) {
      if (backend.namespace !== pod.namespace || !selecting.has(backend.service)) continue;
      const seen = services.get(backend.service) ?? new Set<string>();
      backend.paths.forEach((path) => seen.add(path));
      services.set(backend.service, seen);
    }
    if (services.size === 0) continue;
    for (const gateway of attachedGateways(route, inventory.gateways)) {
      for (const [service, routePaths] of services) {
        paths.push({
          exposure: 'internet',
          via: 'HTTPRoute',
          gateway: { namespace: gateway.namespace, name: gateway.name },
          route: { namespace: route.namespace, name: route.name },
          service,
          hostnames: route.hostnames,
          paths: [...routePaths].sort(),
        });
      }
    }
  }
  if (pod.hostNetwork) paths.push({ exposure: 'node', via: 'hostNetwork' });
  for (const container of pod.containers) {
    if (container.hostPorts.length > 0) {
      paths.push({ exposure: 'node', via: 'hostPort', container: container.name, hostPorts: container.hostPorts });
    }
  }
  return paths;
}

/**
 * The listed Gateways a route attaches to: a parentRef names the Gateway (and optionally one listener by
 * `sectionName`), and that listener admits routes from the route's namespace (`allowedRoutes.namespaces.from`:
 * `Same`, the default, or `All`). `Selector` is taken as admitting: the List holds no Namespace labels to test it
 * against, and counting a path that may not exist is safer than hiding one that does.
 */
export function attachedGateways(route: HTTPRoute, gateways: readonly Gateway[]): Gateway[] {
  const attached: Gateway[] = [];
  for (const parent of route.parents) {
    const gateway = gateways.find((g) => g.namespace === parent.namespace && g.name === parent.name);
    if (gateway === undefined || attached.includes(gateway)) continue;
    const admits = gateway.listeners.some(
      (listener) =>
        (parent.sectionName === undefined || parent.sectionName === listener.name) &&
        (listener.from === 'All' || listener.from === 'Selector' || (listener.from === 'Same' && gateway.namespace === route.namespace)),
    );
    if (admits) attached.push(gateway);
  }
  return attached;
}
