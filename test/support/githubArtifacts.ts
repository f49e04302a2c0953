/**
 * A loopback stand-in for GitHub Actions' artifact storage, both sides, in their real shapes:
 *
 * Upload side, as @actions/artifact 6 talks to it (actions/toolkit packages/artifact
 * src/internal/upload/upload-artifact.ts, blob-upload.ts, shared/artifact-twirp-client.ts):
 * - `POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact` with
 *   `Authorization: Bearer {ACTIONS_RUNTIME_TOKEN}` and the JSON request, which the generated
 *   client writes with the proto field names (`toJson(…, {useProtoFieldName: true})`,
 *   src/generated/results/api/v1/artifact.twirp-client.ts):
 *   `{workflow_run_backend_id, workflow_job_run_backend_id, name, version, mime_type, expires_at?}` →
 *   `{ok, signed_upload_url}` (its `fromJson` reads either naming); a name already used in the run → 409, Twirp error
 *   `{code: "already_exists", msg: "an artifact with this name already exists on the workflow run"}`;
 * - the signed URL takes @azure/storage-blob's block blob upload: `PUT …&comp=block&blockid=…`
 *   per block, then `PUT …&comp=blocklist` with `<BlockList><Latest>id</Latest>…</BlockList>`
 *   (a single `PUT` with `x-ms-blob-type: BlockBlob` is taken too);
 * - `POST …/FinalizeArtifact` `{…, name, size, hash}` → `{ok, artifact_id}` (int64 as a JSON string).
 * The runtime token is JWT-shaped: the client only decodes it and reads the backend ids from its
 * `scp` claim, `Actions.Results:{runBackendId}:{jobBackendId}` (shared/util.ts).
 *
 * Read side, GitHub's REST API (docs.github.com "REST API endpoints for GitHub Actions
 * artifacts" and "… workflow runs", API version 2022-11-28), under `/` as api.github.com and under
 * `/api/v3` as Enterprise Server:
 * - `GET /repos/{owner}/{repo}/actions/artifacts` and `…/actions/runs/{run_id}/artifacts`
 *   (`per_page` ≤ 100, `page`, `name` exact): `{total_count, artifacts: [{id, node_id, name,
 *   size_in_bytes, url, archive_download_url, expired, created_at, updated_at, expires_at, digest,
 *   workflow_run: {id, repository_id, head_repository_id, head_branch, head_sha}}]}`, newest first,
 *   with a `Link` header for the next page;
 * - `GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip` → 302 to a short-lived
 *   download URL that serves the uploaded zip as it was; 410 when expired;
 * - `GET /repos/{owner}/{repo}/actions/runs/{run_id}` → the run (`id, run_number, run_attempt,
 *   event, head_sha, head_branch, path, repository {id, full_name, owner {login, id}}`);
 * - `Authorization: Bearer …` must be a token the stand-in was given: otherwise 401
 *   `{"message": "Bad credentials"}`; `rateLimited` answers 403 with `x-ratelimit-remaining: 0`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GitHubReport } from '../../common/githubReport';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';

/** A workflow run the stand-in knows. */
export interface StandInRun {
  owner: string;
  ownerId: number;
  /** `owner/name`. */
  repository: string;
  repositoryId: number;
  runId: number;
  runNumber: number;
  /** The run's latest attempt. */
  runAttempt: number;
  headSha: string;
  headBranch: string;
  event: string;
  /** `.github/workflows/build.yml`. */
  path: string;
}

/** One stored artifact. */
export interface StandInArtifact {
  id: number;
  name: string;
  run: StandInRun;
  bytes: Buffer;
  createdAt: Date;
  expiresAt: Date;
  expired: boolean;
  finalized: boolean;
  /** `sha256:…` as FinalizeArtifact sent it. */
  digest?: string;
}

interface PendingUpload {
  run: StandInRun;
  name: string;
  blocks: Map<string, Buffer>;
  committed?: Buffer;
  expiresAt?: Date;
}

/** The stand-in's handle. */
export interface GitHubArtifactsStandIn {
  /** `http://127.0.0.1:PORT`: ACTIONS_RESULTS_URL, and the REST API's base (api.github.com). */
  readonly url: string;
  /** Artifacts by id, finalized or not. */
  readonly artifacts: Map<number, StandInArtifact>;
  /** Every request, `METHOD path` (no query), in order. */
  readonly requests: string[];
  /** When true, the REST side answers 403 with GitHub's rate-limit headers. */
  rateLimited: boolean;
  /** Adds a run; returns the runner variables a job of it gets for artifacts. */
  addRun(run: StandInRun): { ACTIONS_RUNTIME_TOKEN: string; ACTIONS_RESULTS_URL: string };
  /** Accepts `token` on the REST side (a PAT, a GitHub App installation token). */
  allowToken(token: string): void;
  /** Stores an artifact directly (as if uploaded), e.g. a corrupt zip. */
  putArtifact(run: StandInRun, name: string, bytes: Buffer, options?: { expired?: boolean; createdAt?: Date }): StandInArtifact;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Starts the stand-in on 127.0.0.1. */
export async function startGitHubArtifacts(): Promise<GitHubArtifactsStandIn> {
  const runs = new Map<number, StandInRun>();
  /** runtime token → backend ids and run. */
  const runtimeTokens = new Map<string, { runBackendId: string; jobBackendId: string; run: StandInRun }>();
  const restTokens = new Set<string>();
  const pending = new Map<string, PendingUpload>();
  const artifacts = new Map<number, StandInArtifact>();
  const downloads = new Map<string, number>();
  const requests: string[] = [];
  let nextArtifactId = 4_200_000_001;
  let baseUrl = '';

  const handle: GitHubArtifactsStandIn = {
    get url() {
      return baseUrl;
    },
    artifacts,
    requests,
    rateLimited: false,
    addRun(run) {
      runs.set(run.runId, run);
      const runBackendId = randomUUID();
      const jobBackendId = randomUUID();
      const payload = {
        scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
        iss: 'vstoken.actions.githubusercontent.com',
        exp: Math.floor(Date.now() / 1000) + 3600,
      };
      const token = `${base64url({ typ: 'JWT', alg: 'RS256' })}.${base64url(payload)}.${randomBytes(32).toString('base64url')}`;
      runtimeTokens.set(token, { runBackendId, jobBackendId, run });
      return { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: `${baseUrl}/` };
    },
    allowToken(token) {
      restTokens.add(token);
    },
    putArtifact(run, name, bytes, options = {}) {
      runs.set(run.runId, run);
      return store(run, name, bytes, undefined, options.expired ?? false, options.createdAt);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  function store(
    run: StandInRun,
    name: string,
    bytes: Buffer,
    expiresAt: Date | undefined,
    expired: boolean,
    createdAt = new Date(),
  ): StandInArtifact {
    const artifact: StandInArtifact = {
      id: nextArtifactId++,
      name,
      run,
      bytes,
      createdAt,
      expiresAt: expiresAt ?? new Date(createdAt.getTime() + 90 * 86_400_000),
      expired,
      finalized: true,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    };
    artifacts.set(artifact.id, artifact);
    return artifact;
  }

  async function twirp(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const job = auth?.[1] ? runtimeTokens.get(auth[1]) : undefined;
    if (!job) return sendJson(res, 401, { code: 'unauthenticated', msg: 'invalid runtime token' });
    const body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    if (body.workflow_run_backend_id !== job.runBackendId || body.workflow_job_run_backend_id !== job.jobBackendId) {
      return sendJson(res, 403, { code: 'permission_denied', msg: 'backend ids do not match the token' });
    }
    const name = String(body.name ?? '');
    const key = `${job.run.runId}/${name}`;
    const taken = [...artifacts.values()].some((a) => a.run.runId === job.run.runId && a.name === name);
    if (method === 'CreateArtifact') {
      if (taken || pending.has(key))
        return sendJson(res, 409, { code: 'already_exists', msg: 'an artifact with this name already exists on the workflow run' });
      const expiresAt = typeof body.expires_at === 'string' ? new Date(body.expires_at) : undefined;
      pending.set(key, { run: job.run, name, blocks: new Map(), ...(expiresAt ? { expiresAt } : {}) });
      const sig = randomBytes(24).toString('base64url');
      signatures.set(sig, key);
      const blobPath = `/blob/actions-results/${encodeURIComponent(job.runBackendId)}/${encodeURIComponent(name)}.zip`;
      return sendJson(res, 200, { ok: true, signed_upload_url: `${baseUrl}${blobPath}?sv=2024-08-04&sr=b&sp=cw&se=2099-01-01&sig=${sig}` });
    }
    if (method === 'FinalizeArtifact') {
      const upload = pending.get(key);
      if (!upload?.committed) return sendJson(res, 404, { code: 'not_found', msg: 'artifact upload not found' });
      pending.delete(key);
      const artifact = store(upload.run, name, upload.committed, upload.expiresAt, false);
      if (typeof body.size === 'string' && Number(body.size) !== upload.committed.length) {
        return sendJson(res, 400, {
          code: 'invalid_argument',
          msg: `size ${String(body.size)} is not the uploaded ${upload.committed.length}`,
        });
      }
      return sendJson(res, 200, { ok: true, artifact_id: String(artifact.id) });
    }
    return sendJson(res, 404, { code: 'bad_route', msg: `no handler for ${method}` });
  }

  const signatures = new Map<string, string>();

  async function blob(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const key = signatures.get(url.searchParams.get('sig') ?? '');
    const upload = key ? pending.get(key) : undefined;
    if (!upload || req.method !== 'PUT') {
      res.writeHead(403, { 'x-ms-error-code': 'AuthenticationFailed' });
      return void res.end();
    }
    const body = await readBody(req);
    const headers = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', date: new Date().toUTCString() };
    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      upload.blocks.set(url.searchParams.get('blockid') ?? '', body);
      res.writeHead(201, { ...headers, 'x-ms-request-server-encrypted': 'true' });
      return void res.end();
    }
    if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1] ?? '');
      const parts = ids.map((id) => upload.blocks.get(id));
      if (parts.some((p) => p === undefined)) {
        res.writeHead(400, { ...headers, 'x-ms-error-code': 'InvalidBlockList' });
        return void res.end();
      }
      upload.committed = Buffer.concat(parts as Buffer[]);
    } else if (req.headers['x-ms-blob-type'] === 'BlockBlob') {
      upload.committed = body;
    } else {
      res.writeHead(400, { ...headers, 'x-ms-error-code': 'UnsupportedQueryParameter' });
      return void res.end();
    }
    res.writeHead(201, {
      ...headers,
      etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
      'last-modified': new Date().toUTCString(),
    });
    res.end();
  }

  function artifactJson(a: StandInArtifact, apiBase: string): Record<string, unknown> {
    const [owner, repo] = a.run.repository.split('/');
    return {
      id: a.id,
      node_id: Buffer.from(`Artifact${a.id}`).toString('base64'),
      name: a.name,
      size_in_bytes: a.bytes.length,
      url: `${apiBase}/repos/${owner}/${repo}/actions/artifacts/${a.id}`,
      archive_download_url: `${apiBase}/repos/${owner}/${repo}/actions/artifacts/${a.id}/zip`,
      expired: a.expired,
      created_at: a.createdAt.toISOString(),
      updated_at: a.createdAt.toISOString(),
      expires_at: a.expiresAt.toISOString(),
      ...(a.digest ? { digest: a.digest } : {}),
      workflow_run: {
        id: a.run.runId,
        repository_id: a.run.repositoryId,
        head_repository_id: a.run.repositoryId,
        head_branch: a.run.headBranch,
        head_sha: a.run.headSha,
      },
    };
  }

  function rest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : '';
    const path = url.pathname.slice(prefix.length);
    const apiBase = `${baseUrl}${prefix}`;
    const auth = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth?.[1] || !restTokens.has(auth[1])) {
      return sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    if (handle.rateLimited) {
      const reset = String(Math.floor(Date.now() / 1000) + 1800);
      return sendJson(
        res,
        403,
        {
          message: 'API rate limit exceeded for installation ID 1234.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: '403',
        },
        { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': reset },
      );
    }
    const notFound = () => sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)\/actions\/(.+)$/.exec(path);
    if (!repoMatch) return notFound();
    const repository = `${decodeURIComponent(repoMatch[1] ?? '')}/${decodeURIComponent(repoMatch[2] ?? '')}`.toLowerCase();
    const rest = repoMatch[3] ?? '';
    const inRepo = (a: StandInArtifact) => a.finalized && a.run.repository.toLowerCase() === repository;

    const list = (selected: StandInArtifact[]) => {
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const name = url.searchParams.get('name');
      const all = selected.filter((a) => name === null || a.name === name).sort((a, b) => b.id - a.id);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url.href.replace(/^http:\/\/[^/]+/, baseUrl));
        next.searchParams.set('page', String(page + 1));
        next.searchParams.set('per_page', String(perPage));
        headers.link = `<${next.href}>; rel="next"`;
      }
      sendJson(res, 200, { total_count: all.length, artifacts: slice.map((a) => artifactJson(a, apiBase)) }, headers);
    };

    let m: RegExpExecArray | null;
    if (rest === 'artifacts') return list([...artifacts.values()].filter(inRepo));
    if ((m = /^runs\/(\d+)\/artifacts$/.exec(rest))) {
      const runId = Number(m[1]);
      return list([...artifacts.values()].filter((a) => inRepo(a) && a.run.runId === runId));
    }
    if ((m = /^artifacts\/(\d+)\/zip$/.exec(rest))) {
      const artifact = artifacts.get(Number(m[1]));
      if (!artifact || !inRepo(artifact)) return notFound();
      if (artifact.expired)
        return sendJson(res, 410, { message: 'Artifact has expired', documentation_url: 'https://docs.github.com/rest', status: '410' });
      const ticket = randomBytes(16).toString('hex');
      downloads.set(ticket, artifact.id);
      res.writeHead(302, { location: `${baseUrl}/download/${artifact.id}.zip?sig=${ticket}` });
      return void res.end();
    }
    if ((m = /^runs\/(\d+)$/.exec(rest))) {
      const run = runs.get(Number(m[1]));
      if (!run || run.repository.toLowerCase() !== repository) return notFound();
      const [ownerLogin, name] = run.repository.split('/');
      return sendJson(res, 200, {
        id: run.runId,
        name: 'build',
        head_branch: run.headBranch,
        head_sha: run.headSha,
        path: run.path,
        run_number: run.runNumber,
        run_attempt: run.runAttempt,
        event: run.event,
        status: 'completed',
        conclusion: 'success',
        html_url: `https://github.com/${run.repository}/actions/runs/${run.runId}`,
        repository: { id: run.repositoryId, name, full_name: run.repository, owner: { login: ownerLogin, id: run.ownerId } },
      });
    }
    return notFound();
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    const route = async () => {
      if (req.method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) return twirp(req, res, url.pathname.slice(TWIRP_PREFIX.length));
      if (url.pathname.startsWith('/blob/')) return blob(req, res, url);
      if (req.method === 'GET' && url.pathname.startsWith('/download/')) {
        // The redirect's target: no Authorization (GitHub's is a signed storage URL), the ticket only.
        const id = downloads.get(url.searchParams.get('sig') ?? '');
        const artifact = id !== undefined ? artifacts.get(id) : undefined;
        if (!artifact) {
          res.writeHead(403);
          return void res.end();
        }
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(artifact.bytes.length) });
        return void res.end(artifact.bytes);
      }
      if (req.method === 'GET') return rest(req, res, url);
      sendJson(res, 404, { message: 'Not Found' });
    };
    route().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return handle;
}

/** The run that sent `report`, as the stand-in keeps it (a push event on main). */
export function standInRunOf(report: GitHubReport): StandInRun {
  const g = report.github;
  return {
    owner: g.owner,
    ownerId: Number(g.ownerId),
    repository: g.repository,
    repositoryId: Number(g.repositoryId),
    runId: g.runId,
    runNumber: g.runNumber,
    runAttempt: g.runAttempt,
    headSha: g.sha,
    headBranch: 'main',
    event: g.eventName ?? 'push',
    path: '.github/workflows/ci.yml',
  };
}

const RUNNER_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL', 'GITHUB_SERVER_URL', 'RUNNER_TEMP'] as const;

/** Sets the runner's variables for one test (the client reads process.env), and puts them back. */
export function withRunnerEnvironment(values: Partial<Record<(typeof RUNNER_VARIABLES)[number], string>>): () => void {
  const saved = RUNNER_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of RUNNER_VARIABLES) {
    const value = values[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
