/**
 * Reads every resource of {@link CLUSTER_RESOURCES} through a {@link ResourceLister}, page by page, into the `v1`
 * `List` that `kubectl get … -A -o json` prints, which `buildClusterSnapshot` and the coming `import kubernetes`
 * read. No client library here: the lister is the seam, built for real in `kubernetesLister.ts`.
 */
import { ClusterReadError, ListCallError } from './errors';
import { apiVersionOf, CLUSTER_RESOURCES, qualifiedName, type ClusterResource } from './resources';

/** One page of a list call, its items as the API's JSON (camelCase wire names, timestamps as strings). */
export interface ListPage {
  readonly items: readonly Record<string, unknown>[];
  /** `metadata.continue` of the page; `null` or `""` on the last page. */
  readonly continueToken: string | null;
}

/** The one thing the reader needs from a cluster: one page of one resource across all namespaces. */
export interface ResourceLister {
  /** @throws {ListCallError} when the API server answers with an error status. */
  listPage(resource: ClusterResource, page: { limit: number; continueToken: string | null }): Promise<ListPage>;
}

/** What kubectl prints for `get … -o json` over several resources. */
export interface KubernetesList {
  readonly apiVersion: 'v1';
  readonly kind: 'List';
  readonly metadata: { readonly resourceVersion: '' };
  readonly items: readonly Record<string, unknown>[];
}

/** The assembled List and which optional resources the cluster does not serve. */
export interface ClusterRead {
  readonly list: KubernetesList;
  /** Optional resources answered with 404 (`gateways.gateway.networking.k8s.io`): not installed. */
  readonly notInstalled: readonly string[];
}

/** Items per list call unless told otherwise: kubectl's own default chunk size. */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * Lists every resource across all namespaces, following `continue` tokens, and sets `kind` and `apiVersion` on each
 * item (typed list responses leave them off). A 404 on an optional resource (Gateway API) means not installed.
 *
 * @throws {ClusterReadError} naming the resource when a list call is forbidden (403), refused, or gets no answer.
 */
export async function readCluster(lister: ResourceLister, pageSize: number = DEFAULT_PAGE_SIZE): Promise<ClusterRead> {
  const items: Record<string, unknown>[] = [];
  const notInstalled: string[] = [];
  for (const resource of CLUSTER_RESOURCES) {
    try {
      for await (const item of listAll(lister, resource, pageSize)) items.push(item);
    } catch (err) {
      if (err instanceof ListCallError && err.status === 404 && resource.optional) {
        notInstalled.push(qualifiedName(resource));
        continue;
      }
      throw toReadError(resource, err);
    }
  }
  return { list: { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, notInstalled };
}

async function* listAll(lister: ResourceLister, resource: ClusterResource, limit: number): AsyncGenerator<Record<string, unknown>> {
  const apiVersion = apiVersionOf(resource);
  let continueToken: string | null = null;
  do {
    const page: ListPage = await lister.listPage(resource, { limit, continueToken });
    for (const item of page.items) yield { apiVersion, kind: resource.kind, ...withoutKind(item) };
    continueToken = page.continueToken === '' ? null : page.continueToken;
  } while (continueToken !== null);
}

/** Items of custom resources do carry their kind; the resource's own is the one kept, first in the object. */
function withoutKind(item: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = item;
  return rest;
}

function toReadError(resource: ClusterResource, err: unknown): ClusterReadError {
  const name = qualifiedName(resource);
  if (err instanceof ListCallError) {
    if (err.status === 403) {
      return new ClusterReadError(
        name,
        403,
        `not allowed to list ${name} across all namespaces (403): grant the ClusterRole in service/README.md ` +
          `("Reading a cluster: RBAC") get and list on ${name}; the API server said: ${err.message}`,
      );
    }
    return new ClusterReadError(name, err.status, `listing ${name} failed with HTTP ${err.status}: ${err.message}`);
  }
  return new ClusterReadError(name, null, `listing ${name} failed: ${(err as Error).message}`);
}
