/**
 * Every call the page makes to the service, in one place: the same documented routes the CLI
 * uses (`/openapi.json`), with the read token as a Bearer header when there is one.
 */
import { exposedApiParams, sourceApiParams, type ExplorerQuery } from './query';
import type {
  Coverage,
  ExposedPage,
  ImageDetail,
  ImagePushPage,
  Problem,
  RemediationRequest,
  RemediationResult,
  SourceImagePage,
} from './types';

/** An answer that was not 2xx, with the service's problem document when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem ? `${problem.title}: ${problem.detail}` : `the service answered ${status}`);
  }
}

/** The service's read API, for one token (or none, when the service is read-open). */
export class ApiClient {
  constructor(private readonly token: string | null) {}

  private get<T>(path: string, params?: URLSearchParams): Promise<T> {
    const query = params && params.size > 0 ? `?${params.toString()}` : '';
    return this.call<T>(`${path}${query}`, { method: 'GET' });
  }

  private async call<T>(url: string, init: { method: 'GET' | 'POST'; body?: unknown }): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method: init.method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    if (!response.ok) {
      let problem: Problem | null = null;
      if ((response.headers.get('content-type') ?? '').includes('json')) problem = (await response.json()) as Problem;
      throw new ApiError(response.status, problem);
    }
    return (await response.json()) as T;
  }

  /** `GET /api/v1/exposed`: one page of the question. */
  exposed(query: ExplorerQuery, page: { limit: number; cursor?: string | null }): Promise<ExposedPage> {
    return this.get('/api/v1/exposed', exposedApiParams(query, page));
  }

  /** `GET /api/v1/sources/images`: one page of the images the query's repository built (pipelines / repositories). */
  sources(query: ExplorerQuery, page: { limit: number; cursor?: string | null }): Promise<SourceImagePage> {
    return this.get('/api/v1/sources/images', sourceApiParams(query, page));
  }

  /** `GET /api/v1/coverage`; with `unmapped`, each row also lists its unmapped digests and the workloads running them. */
  coverage(cluster?: string, unmapped = false): Promise<Coverage> {
    const params = new URLSearchParams(cluster ? { cluster } : {});
    if (unmapped) params.set('unmapped', 'true');
    return this.get('/api/v1/coverage', params.size > 0 ? params : undefined);
  }

  /** `GET /api/v1/images/{digest}`. */
  image(digest: string): Promise<ImageDetail> {
    return this.get(`/api/v1/images/${encodeURIComponent(digest)}`);
  }

  /** `GET /api/v1/runs/{runId}` (organisation, project and hub narrow it). */
  run(runId: string, params: URLSearchParams): Promise<ImagePushPage> {
    return this.get(`/api/v1/runs/${encodeURIComponent(runId)}`, params);
  }

  /**
   * `POST /api/v1/remediations`: asks the owning team of one image to fix it (one work item per source
   * repository, or the open one that exists). With `dryRun`, only looks: nothing is created. Needs a
   * token with the `remediate` scope (403 otherwise); the PAT that files is the service's, never the page's.
   */
  remediate(request: RemediationRequest): Promise<RemediationResult> {
    return this.call('/api/v1/remediations', { method: 'POST', body: request });
  }
}
