/** Why reading a cluster failed, as values the CLI prints once. */

/**
 * Thrown by a {@link ResourceLister} when the API server answers a list call with an error status. It carries the
 * HTTP status so that the reader can tell "not installed" (404 on an optional resource) from a real failure.
 */
export class ListCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ListCallError';
  }
}

/** Reading the cluster failed for one resource: forbidden by RBAC, refused, or unreachable. */
export class ClusterReadError extends Error {
  constructor(
    /** The resource as RBAC names it (`deployments.apps`). */
    readonly resource: string,
    /** The HTTP status, or `null` when no answer came. */
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterReadError';
  }
}
