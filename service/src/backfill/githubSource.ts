/**
 * Reads the container-mapping report artifacts of GitHub workflow runs through GitHub's REST API
 * (api version 2022-11-28; docs.github.com "REST API endpoints for GitHub Actions artifacts" and
 * "… workflow runs"), with a token that may read Actions (`actions:read`: a GitHub App
 * installation token, a fine-grained token with "Actions" read, or a classic one with `repo`):
 *
 * - `GET {api}/repos/{owner}/{repo}/actions/artifacts?per_page=100&page=N`, or one run's
 *   `…/actions/runs/{run_id}/artifacts`: `{total_count, artifacts: [{id, name, size_in_bytes,
 *   expired, created_at, expires_at, archive_download_url, workflow_run: {id, repository_id,
 *   head_sha, …}}]}`, newest first, pages linked by the `Link` header (`rel="next"`);
 * - `GET {api}/repos/{owner}/{repo}/actions/artifacts/{id}/zip`: 302 to a short-lived signed URL
 *   of the zip, fetched without our token; 410 Gone once the artifact has expired;
 * - `GET {api}/repos/{owner}/{repo}/actions/runs/{run_id}`: the run that holds an artifact;
 * - 401 is a bad token; 403 or 429 with `x-ratelimit-remaining: 0` (primary) or `retry-after`
 *   (secondary) is a rate limit ("Rate limits for the REST API"); other 403 and 404 mean the token
 *   cannot see the repository.
 * `{api}` is `https://api.github.com`, `https://HOST/api/v3` on Enterprise Server, or
 * `https://api.SUBDOMAIN.ghe.com`.
 */
import { GITHUB_REPORT_ARTIFACT } from '../../../common/contract';
import type { GitHubArtifactRun } from '../auth/principal';

/** The largest artifact zip read: a report is limited to 1,000 images, far below this. */
export const MAX_ARTIFACT_ZIP_BYTES = 4 * 1024 * 1024;
/** Artifacts per page, GitHub's maximum. */
const PAGE_SIZE = 100;
/** A guard against an API that links pages forever. */
const MAX_PAGES = 1_000;
const API_VERSION = '2022-11-28';

/** One report artifact as listed. */
export interface GitHubArtifactRef {
  id: number;
  name: string;
  expired: boolean;
  createdAt: Date;
  sizeInBytes: number;
  /** `workflow_run.id`. */
  runId: number;
  /** `owner/name`, as the backfill was given it. */
  repository: string;
}

/** Why a call to GitHub failed; `kind` decides the message and whether the backfill goes on. */
export class GitHubApiError extends Error {
  constructor(
    readonly kind: 'unauthorized' | 'rate-limited' | 'forbidden' | 'not-found' | 'gone' | 'failed',
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

/** Where `backfill --github` reads artifacts: built for real on the REST API by {@link createGitHubSource}. */
export interface GitHubArtifactSource {
  /** GITHUB_SERVER_URL of the API's server (`https://github.com`), as reports name it. */
  readonly serverUrl: string;
  /** Report artifacts of a repository (of one run when `runId` is given) created at or after `since`, newest first. */
  listReportArtifacts(repository: string, options: { since: Date; runId?: number }): AsyncIterable<GitHubArtifactRef>;
  /** The run that holds an artifact. */
  getRun(repository: string, runId: number): Promise<GitHubArtifactRun>;
  /** The artifact's zip. @throws GitHubApiError `gone` when it has expired. */
  download(artifact: GitHubArtifactRef): Promise<Buffer>;
}

/** Options for {@link createGitHubSource}. */
export interface GitHubSourceOptions {
  /** `https://api.github.com` (default), `https://HOST/api/v3`, `https://api.SUBDOMAIN.ghe.com`. */
  apiUrl?: string;
  /** GITHUB_SERVER_URL; default derived from `apiUrl` (api.github.com → https://github.com, HOST/api/v3 → https://HOST). */
  serverUrl?: string;
  token: string;
  /** Per-request timeout in milliseconds; default 30 s. */
  timeoutMs?: number;
}

/** Whether an artifact's name is one the action gives a report: the bare name, or the name and a job's suffix. */
export function isReportArtifactName(name: string): boolean {
  return name === GITHUB_REPORT_ARTIFACT || name.startsWith(`${GITHUB_REPORT_ARTIFACT}-`);
}

/** The web server of an API URL: api.github.com → github.com, api.X.ghe.com → X.ghe.com, HOST/api/v3 → HOST. */
export function serverUrlOfApi(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.pathname.replace(/\/+$/, '') === '/api/v3') return url.origin;
  if (url.hostname.startsWith('api.')) return `${url.protocol}//${url.host.slice(4)}`;
  return url.origin;
}

/** `owner/name` checked, split. */
export function parseRepository(text: string): { owner: string; name: string } | undefined {
  const m = /^([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+)$/.exec(text);
  return m?.[1] && m[2] ? { owner: m[1], name: m[2] } : undefined;
}

/** The `rel="next"` target of a Link header. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** The failure an answer stands for, in words an operator can act on (never the token). */
async function apiError(response: Response, what: string): Promise<GitHubApiError> {
  let message = '';
  try {
    message = String(((await response.json()) as { message?: unknown }).message ?? '');
  } catch {
    // Not JSON: the status says enough.
  }
  const said = message ? `: ${message}` : '';
  const status = response.status;
  const remaining = response.headers.get('x-ratelimit-remaining');
  const retryAfter = response.headers.get('retry-after');
  if ((status === 403 || status === 429) && (remaining === '0' || retryAfter !== null)) {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    const when =
      retryAfter !== null
        ? `retry after ${retryAfter} s`
        : Number.isFinite(reset) && reset > 0
          ? `the limit resets at ${new Date(reset * 1000).toISOString()}`
          : 'try again later';
    return new GitHubApiError('rate-limited', status, `GitHub's rate limit stopped ${what} (${status}${said}); ${when}`);
  }
  if (status === 401)
    return new GitHubApiError(
      'unauthorized',
      status,
      `GitHub refused the token for ${what} (401${said}): give a token that may read Actions (actions:read)`,
    );
  if (status === 403)
    return new GitHubApiError(
      'forbidden',
      status,
      `GitHub forbade ${what} (403${said}): the token needs Actions read access (actions:read) on the repository`,
    );
  if (status === 404)
    return new GitHubApiError(
      'not-found',
      status,
      `GitHub found nothing for ${what} (404${said}): check the repository and run, and that the token can see them`,
    );
  if (status === 410) return new GitHubApiError('gone', status, `the artifact has expired (410${said})`);
  return new GitHubApiError('failed', status, `GitHub answered ${status} to ${what}${said}`);
}

interface ArtifactJson {
  id?: unknown;
  name?: unknown;
  expired?: unknown;
  created_at?: unknown;
  size_in_bytes?: unknown;
  workflow_run?: { id?: unknown } | null;
}

class GitHubRestSource implements GitHubArtifactSource {
  private readonly apiUrl: string;
  readonly serverUrl: string;

  constructor(
    options: GitHubSourceOptions,
    private readonly token = options.token,
    private readonly timeoutMs = options.timeoutMs ?? 30_000,
  ) {
    this.apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
    this.serverUrl = (options.serverUrl ?? serverUrlOfApi(this.apiUrl)).replace(/\/+$/, '');
  }

  private async get(url: string, what: string, init: { redirect?: 'follow' | 'manual' } = {}): Promise<Response> {
    // The token goes to the API's own origin only: a Link or a redirect elsewhere gets none.
    if (new URL(url).origin !== new URL(this.apiUrl).origin)
      throw new GitHubApiError('failed', 0, `GitHub linked ${what} to another origin`);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${this.token}`, 'x-github-api-version': API_VERSION },
        signal: AbortSignal.timeout(this.timeoutMs),
        ...init,
      });
    } catch (err) {
      throw new GitHubApiError('failed', 0, `GitHub could not be reached for ${what}: ${(err as Error).message}`);
    }
    if (response.ok || (init.redirect === 'manual' && response.status >= 300 && response.status < 400)) return response;
    throw await apiError(response, what);
  }

  private repoUrl(repository: string): string {
    const parsed = parseRepository(repository);
    if (!parsed) throw new GitHubApiError('failed', 0, `"${repository}" is not OWNER/REPO`);
    return `${this.apiUrl}/repos/${encodeURIComponent(parsed.owner)}/${encodeURIComponent(parsed.name)}`;
  }

  async *listReportArtifacts(repository: string, options: { since: Date; runId?: number }): AsyncIterable<GitHubArtifactRef> {
    const base = this.repoUrl(repository);
    let url: string | undefined =
      options.runId !== undefined
        ? `${base}/actions/runs/${options.runId}/artifacts?per_page=${PAGE_SIZE}`
        : `${base}/actions/artifacts?per_page=${PAGE_SIZE}`;
    const what = options.runId !== undefined ? `the artifacts of run ${options.runId} of ${repository}` : `the artifacts of ${repository}`;
    for (let pages = 0; url && pages < MAX_PAGES; pages++) {
      const response = await this.get(url, what);
      const body = (await response.json()) as { artifacts?: ArtifactJson[] };
      for (const a of body.artifacts ?? []) {
        const createdAt = new Date(String(a.created_at));
        // Newest first: the first one before `since` ends a repository-wide listing.
        if (options.runId === undefined && createdAt < options.since) return;
        if (typeof a.id !== 'number' || typeof a.name !== 'string' || !isReportArtifactName(a.name)) continue;
        if (options.runId !== undefined && createdAt < options.since) continue;
        yield {
          id: a.id,
          name: a.name,
          expired: a.expired === true,
          createdAt,
          sizeInBytes: typeof a.size_in_bytes === 'number' ? a.size_in_bytes : 0,
          runId: Number(a.workflow_run?.id),
          repository,
        };
      }
      url = nextLink(response.headers.get('link'));
    }
  }

  async getRun(repository: string, runId: number): Promise<GitHubArtifactRun> {
    const response = await this.get(`${this.repoUrl(repository)}/actions/runs/${runId}`, `run ${runId} of ${repository}`);
    const run = (await response.json()) as {
      id?: unknown;
      run_number?: unknown;
      run_attempt?: unknown;
      event?: unknown;
      head_sha?: unknown;
      repository?: { id?: unknown; full_name?: unknown; owner?: { login?: unknown; id?: unknown } };
    };
    return {
      serverUrl: this.serverUrl,
      owner: String(run.repository?.owner?.login ?? ''),
      ownerId: String(run.repository?.owner?.id ?? ''),
      repository: String(run.repository?.full_name ?? ''),
      repositoryId: String(run.repository?.id ?? ''),
      runId: Number(run.id),
      runNumber: Number(run.run_number),
      latestAttempt: Number(run.run_attempt ?? 1),
      event: String(run.event ?? ''),
      headSha: String(run.head_sha ?? ''),
    };
  }

  async download(artifact: GitHubArtifactRef): Promise<Buffer> {
    const what = `artifact ${artifact.name} (${artifact.id}) of ${artifact.repository}`;
    if (artifact.sizeInBytes > MAX_ARTIFACT_ZIP_BYTES)
      throw new GitHubApiError('failed', 0, `${what} is ${artifact.sizeInBytes} bytes, more than a report's artifact may be`);
    const redirect = await this.get(`${this.repoUrl(artifact.repository)}/actions/artifacts/${artifact.id}/zip`, what, {
      redirect: 'manual',
    });
    const location = redirect.headers.get('location');
    let response = redirect;
    if (redirect.status >= 300) {
      if (!location) throw new GitHubApiError('failed', redirect.status, `GitHub sent no location for ${what}`);
      // A pre-signed storage URL: it carries its own authorisation, and must not get our token.
      try {
        response = await fetch(new URL(location, this.apiUrl), { signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        throw new GitHubApiError('failed', 0, `the zip of ${what} could not be fetched: ${(err as Error).message}`);
      }
      if (!response.ok) throw new GitHubApiError('failed', response.status, `the zip of ${what} could not be fetched (${response.status})`);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > MAX_ARTIFACT_ZIP_BYTES) throw new GitHubApiError('failed', 0, `${what} is larger than a report's artifact may be`);
    return bytes;
  }
}

/** Builds the source on GitHub's REST API (github.com, Enterprise Server, GHE.com). */
export function createGitHubSource(options: GitHubSourceOptions): GitHubArtifactSource {
  return new GitHubRestSource(options);
}
