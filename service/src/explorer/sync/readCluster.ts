/**
 * Reads every resource of {@link CLUSTER_RESOURCES} through a {@link ResourceLister}, page by page, into the `v1`
 * `List` that `kubectl get … -A -o json` prints (less what `strip.ts` drops), which `buildClusterSnapshot` and the coming `import kubernetes`
 * read. No client library here: the lister is the seam, built for real in `kubernetesLister.ts`.
 */
import { ClusterReadError, ListCallError } from './errors';
import { apiVersionOf, CLUSTER_RESOURCES, qualifiedName, type ClusterResource } from './resources';
import { stripItem } from './strip';

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
 * How many times one resource's listing starts again after its continue token expired (410) before the read fails.
 * A token lives "generally five to fifteen minutes" (`ListOptions.continue`, k8s.io/apimachinery meta/v1, as the
 * client's own docs repeat it): a listing that outlives it three times in a row will not finish by trying again.
 */
export const CONTINUE_RESTARTS = 3;

/** What else `readCluster` may be told. */
export interface ReadClusterOptions {
  /** Stops the read before the next list call (the scheduled sync, when `serve` closes). */
  readonly signal?: AbortSignal;
}

/**
 * Lists every resource across all namespaces, following `continue` tokens, sets `kind` and `apiVersion` on each
 * item (typed list responses leave them off), and keeps of each item only what the snapshot reads (`strip.ts`: no env
 * values, no annotations but the load balancer ones). A 404 on an optional resource (Gateway API) means not
 * installed. A continue token that has expired (410) starts that resource's listing again from its first page, at
 * most {@link CONTINUE_RESTARTS} times.
 *
 * @throws {ClusterReadError} naming the resource when a list call is forbidden (403), refused, or gets no answer.
 */
export async function readCluster(
  lister: ResourceLister,
  pageSize: number = DEFAULT_PAGE_SIZE,
  options: ReadClusterOptions = {},
): Promise<ClusterRead> {
  const items: Record<string, unknown>[] = [];
  const notInstalled: string[] = [];
  for (const resource of CLUSTER_RESOURCES) {
    try {
      items.push(...(await listResource(lister, resource, pageSize, options.signal)));
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

/**
 * Every item of one resource. The API server answers 410 (reason `Expired`) to a continue token older than its
 * compaction window, and says: "If the client needs a consistent list, it must restart their list without the continue
 * field" (`ListOptions.continue`; @kubernetes/client-node 1.4.0 `dist/gen/types/PromiseAPI.d.ts` repeats it; the
 * server side is k8s.io/apiserver `pkg/storage/etcd3/store.go`, `compactedContinue`). So the pages read so far are
 * dropped and the listing starts again; a 410 on a first page (no token sent) is a failure like any other.
 */
async function listResource(
  lister: ResourceLister,
  resource: ClusterResource,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>[]> {
  const apiVersion = apiVersionOf(resource);
  for (let restarts = 0; ; restarts += 1) {
    const items: Record<string, unknown>[] = [];
    let continueToken: string | null = null;
    try {
      do {
        signal?.throwIfAborted();
        const page: ListPage = await lister.listPage(resource, { limit, continueToken });
        for (const item of page.items) items.push(stripItem({ apiVersion, kind: resource.kind, ...withoutKind(item) }));
        continueToken = page.continueToken === '' ? null : page.continueToken;
      } while (continueToken !== null);
      return items;
    } catch (err) {
      if (!(err instanceof ListCallError) || err.status !== 410 || continueToken === null) throw err;
      if (restarts === CONTINUE_RESTARTS) {
        const name = qualifiedName(resource);
        throw new ClusterReadError(
          name,
          410,
          `listing ${name} did not finish: its continue token expired (410) ${restarts + 1} times, the listing was ` +
            `started again ${restarts} times; a larger --page-size needs fewer pages. The API server said: ${err.message}`,
        );
      }
    }
  }
}

/** Items of custom resources do carry their kind; the resource's own is the one kept, first in the object. */
function withoutKind(item: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = item;
  return rest;
}

function toReadError(resource: ClusterResource, err: unknown): ClusterReadError {
  if (err instanceof ClusterReadError) return err;
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
