/**
 * A local stand-in for the few Azure DevOps REST endpoints the task calls, on 127.0.0.1,
 * answering in the documented shapes (Azure DevOps itself cannot run offline):
 *
 * - `OPTIONS {collection}/_apis/{area}`: the area's resource locations, which
 *   azure-devops-node-api asks for before any call (`{count, value: ApiResourceLocation[]}`);
 * - `GET {collection}/{project}/_apis/build/builds/{buildId}/timeline`: the build timeline;
 * - `POST {collection}/{scopeIdentifier}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken`:
 *   the job's OIDC token (`{oidcToken}`), minted by a pluggable function.
 *
 * It records every request, can make a route fail (refuse the connection or answer a status),
 * and takes extra routes and resource locations, so suites can extend it (e.g. attachments).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** One entry of the `OPTIONS {collection}/_apis/{area}` answer. */
export interface ApiResourceLocation {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  minVersion: string;
  maxVersion: string;
  releasedVersion: string;
}

/**
 * The build timeline's resource location (area `build`). Released in api-version 7.1 and
 * previewed in 7.2: MicrosoftDocs/vsts-rest-api-specs specification/build/7.1/build.json asks
 * for `7.1` with no preview suffix, and build/7.2 exists. `minVersion` and `resourceVersion` are
 * not verified (no public recording of the real `OPTIONS` answer was found).
 */
export const TIMELINE_LOCATION: ApiResourceLocation = {
  id: '8baac422-4c6e-4de5-8532-db96d92acffa',
  area: 'build',
  resourceName: 'Timeline',
  routeTemplate: '{project}/_apis/{area}/builds/{buildId}/{resource}/{timelineId}',
  resourceVersion: 3,
  minVersion: '2.0',
  maxVersion: '7.2',
  releasedVersion: '7.1',
};

/**
 * The job OIDC token's resource location (area `distributedtask`). It first appears in the 7.1
 * specs (distributedTask/7.1/task.json and azure-devops-server-7.1/task-onprem.json, not 7.0)
 * and is still `7.1-preview.1` in distributedTask/7.2/task.json: never released, hence
 * `releasedVersion` 0.0, `maxVersion` 7.2, `minVersion` 7.1.
 */
export const OIDC_TOKEN_LOCATION: ApiResourceLocation = {
  id: '69a319f4-28c1-4bfd-93e6-ea0ff5c6f1a2',
  area: 'distributedtask',
  resourceName: 'oidctoken',
  routeTemplate: '{scopeIdentifier}/_apis/{area}/hubs/{hubName}/plans/{planId}/jobs/{jobId}/{resource}',
  resourceVersion: 1,
  minVersion: '7.1',
  maxVersion: '7.2',
  releasedVersion: '0.0',
};

/** What the task asked an OIDC token for. */
export interface OidcTokenRequest {
  scopeIdentifier: string;
  hubName: string;
  planId: string;
  jobId: string;
  serviceConnectionId?: string;
  /** The bearer token the request carried (the job's access token). */
  bearerToken?: string;
  /** The claims body the client posted. */
  body: unknown;
}

/** A record of one request the stand-in received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The `Authorization` header, when present. */
  authorization?: string;
  /** The `Accept` header (carries `api-version`). */
  accept?: string;
  /** The `Content-Type` header. */
  contentType?: string;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body?: unknown;
  /** Which built-in route answered: `options`, `timeline`, `oidc`, a custom route's name, or `unmatched`. */
  route: string;
}

/** How a route fails: refuse (destroy the connection) or answer this HTTP status. */
export type FailureMode = 'refuse' | number;

/** A job record in the timeline. */
export interface TimelineJob {
  id: string;
  name?: string;
  startTime: string;
  attempt?: number;
}

/** A handler for a custom route; return false to fall through to "not found". */
export type RouteHandler = (
  request: RecordedRequest,
  match: RegExpMatchArray,
  res: ServerResponse,
) => void | boolean | Promise<void | boolean>;

/** Options for `AzureDevOpsStandIn.start`. */
export interface AzureDevOpsStandInOptions {
  /** The organisation's path segment: the collection URL is `http://127.0.0.1:<port>/<organization>/`. Default `contoso`. */
  organization?: string;
  /** When set, every request must carry `Authorization: Bearer <accessToken>`, else 401. */
  accessToken?: string;
  /** Mints the OIDC token; default: an unsigned JWT-shaped string naming the job. */
  mintOidcToken?: (request: OidcTokenRequest) => Promise<string>;
  /**
   * When set, every request must carry this PAT as azure-devops-node-api's PAT handler sends it
   * (`Authorization: Basic base64("PAT:<pat>")`; Azure DevOps ignores the user name), else 401.
   */
  personalAccessToken?: string;
}

interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

/** Azure DevOps writes times with 7 fractional digits (`2026-11-28T13:29:58.1230000Z`). */
export function azureDevOpsTime(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Whether `header` is `Basic base64("<any user>:<pat>")`. */
function isBasicPat(header: string | undefined, pat: string): boolean {
  const encoded = /^Basic (\S+)$/.exec(header ?? '')?.[1];
  if (encoded === undefined) return false;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === pat;
}

/** Answers with a JSON body, as Azure DevOps does. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function defaultOidcToken(request: OidcTokenRequest): Promise<string> {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    sub: `p://contoso/${request.scopeIdentifier}/${request.planId}`,
    job: request.jobId,
    hub: request.hubName,
    jti: randomUUID(),
  };
  return Promise.resolve(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.stand-in`);
}

/** The Azure DevOps stand-in. Start with `AzureDevOpsStandIn.start()`; stop with `close()`. */
export class AzureDevOpsStandIn {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Every OIDC token minted, in order. */
  readonly mintedTokens: string[] = [];
  private readonly routes: Route[] = [];
  private readonly locations = new Map<string, ApiResourceLocation[]>();
  private readonly failures = new Map<string, FailureMode>();
  /** Routes whose answers wait at a barrier (see `hold`). */
  private readonly holds = new Map<string, { arrive(): Promise<void> }>();
  private readonly timelines = new Map<number, TimelineJob[]>();
  private mint: (request: OidcTokenRequest) => Promise<string>;

  private constructor(
    private readonly server: Server,
    /** The collection (organisation) URL, with a trailing slash, as System.CollectionUri spells it. */
    readonly url: string,
    readonly organization: string,
    private readonly options: AzureDevOpsStandInOptions,
  ) {
    this.mint = options.mintOidcToken ?? defaultOidcToken;
    this.addResourceLocation(TIMELINE_LOCATION);
    this.addResourceLocation(OIDC_TOKEN_LOCATION);
    this.addRoute('timeline', 'GET', /^\/([^/]+)\/_apis\/build\/builds\/(\d+)\/timeline(?:\/[^/]*)?$/i, (req, m, res) =>
      this.timeline(req, m, res),
    );
    this.addRoute(
      'oidc',
      'POST',
      /^\/([^/]+)\/_apis\/distributedtask\/hubs\/([^/]+)\/plans\/([^/]+)\/jobs\/([^/]+)\/oidctoken$/i,
      (req, m, res) => this.oidc(req, m, res),
    );
  }

  /** Starts a stand-in on 127.0.0.1 at a free port. */
  static async start(options: AzureDevOpsStandInOptions = {}): Promise<AzureDevOpsStandIn> {
    const organization = options.organization ?? 'contoso';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const standIn = new AzureDevOpsStandIn(server, `http://127.0.0.1:${port}/${organization}/`, organization, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      standIn.handle(req, res).catch(() => {
        if (!res.headersSent) json(res, 500, { message: 'stand-in error' });
      });
    });
    return standIn;
  }

  /** Replaces the OIDC token minting (e.g. with a signer of real JWTs). */
  setOidcMinter(mint: (request: OidcTokenRequest) => Promise<string>): void {
    this.mint = mint;
  }

  /** Sets the job records of build `buildId`'s timeline. */
  setTimeline(buildId: number, jobs: TimelineJob[]): void {
    this.timelines.set(buildId, jobs);
  }

  /**
   * Holds the answers of a route until `until` requests to it have arrived, or `atMostMs` passed since the first:
   * then every held request is answered, and later ones at once. To make requests that race overlap for sure
   * (two instances of the service asking the same thing), never to test time.
   */
  hold(route: string, options: { until: number; atMostMs: number }): void {
    let waiting: Array<() => void> = [];
    let open = false;
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      open = true;
      clearTimeout(timer);
      for (const go of waiting) go();
      waiting = [];
    };
    this.holds.set(route, {
      arrive: () => {
        if (open) return Promise.resolve();
        const held = new Promise<void>((resolve) => waiting.push(resolve));
        if (waiting.length >= options.until) release();
        else timer ??= setTimeout(release, options.atMostMs);
        return held;
      },
    });
  }

  /** Makes a route (`options`, `timeline`, `oidc` or a custom route's name) fail; `undefined` heals it. */
  fail(route: string, mode: FailureMode | undefined): void {
    if (mode === undefined) this.failures.delete(route);
    else this.failures.set(route, mode);
  }

  /** Adds a resource location to the `OPTIONS` answer of its area. */
  addResourceLocation(location: ApiResourceLocation): void {
    const area = location.area.toLowerCase();
    this.locations.set(area, [...(this.locations.get(area) ?? []), location]);
  }

  /**
   * Adds a route. `pattern` is matched against the path after the organisation segment
   * (e.g. `/<project>/_apis/build/builds/1/attachments/...`); earlier routes win.
   */
  addRoute(name: string, method: string, pattern: RegExp, handler: RouteHandler): void {
    this.routes.push({ name, method: method.toUpperCase(), pattern, handler });
  }

  /** The requests a route answered. */
  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Stops the server. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      route: 'unmatched',
    };
    if (req.headers.authorization) recorded.authorization = req.headers.authorization;
    if (req.headers.accept) recorded.accept = req.headers.accept;
    if (req.headers['content-type']) recorded.contentType = req.headers['content-type'];
    if (text) {
      try {
        recorded.body = JSON.parse(text);
      } catch {
        recorded.body = text;
      }
    }
    this.requests.push(recorded);

    const prefix = `/${this.organization}`;
    if (!url.pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) {
      json(res, 404, { message: 'no such organisation' });
      return;
    }
    const rest = url.pathname.slice(prefix.length);
    const areaMatch = recorded.method === 'OPTIONS' ? /^\/_apis\/([^/]+)\/?$/i.exec(rest) : null;
    const route = areaMatch ? undefined : this.routes.find((r) => r.method === recorded.method && r.pattern.test(rest));
    recorded.route = areaMatch ? 'options' : (route?.name ?? 'unmatched');

    const failure = this.failures.get(recorded.route);
    if (failure === 'refuse') {
      req.socket.destroy();
      return;
    }
    if (typeof failure === 'number') {
      json(res, failure, { message: `stand-in: ${recorded.route} made to fail with ${failure}`, typeKey: 'StandInFailure' });
      return;
    }
    if (this.options.personalAccessToken !== undefined && !isBasicPat(recorded.authorization, this.options.personalAccessToken)) {
      json(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' });
      return;
    }
    if (this.options.accessToken !== undefined && recorded.authorization !== `Bearer ${this.options.accessToken}`) {
      json(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' });
      return;
    }
    if (areaMatch) {
      const locations = this.locations.get((areaMatch[1] ?? '').toLowerCase()) ?? [];
      json(res, 200, { count: locations.length, value: locations });
      return;
    }
    await this.holds.get(recorded.route)?.arrive();
    if (route) {
      const match = rest.match(route.pattern);
      if (match && (await route.handler(recorded, match, res)) !== false) return;
    }
    json(res, 404, { message: `stand-in: no route for ${recorded.method} ${url.pathname}` });
  }

  /**
   * Timeline - Get. Each job is a `Job` record with the field set of the spec's TimelineRecord
   * (MicrosoftDocs/vsts-rest-api-specs specification/build/7.1/build.json) and times as Azure
   * DevOps writes them, with 7 fractional digits. Values of fields the task does not read
   * (`log`, `task`, `queueId`, `_links`, …) are plausible, not verified.
   */
  private timeline(_req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): boolean {
    const buildId = Number(m[2]);
    const jobs = this.timelines.get(buildId);
    if (!jobs) return false;
    const timelineId = randomUUID();
    const timelineUrl = `${this.url}${encodeURIComponent(decodeURIComponent(m[1] ?? ''))}/_apis/build/builds/${buildId}/Timeline/${timelineId}`;
    const records = jobs.map((job, i) => {
      const started = azureDevOpsTime(new Date(job.startTime));
      return {
        previousAttempts: [],
        id: job.id,
        parentId: null,
        type: 'Job',
        name: job.name ?? `Job ${i + 1}`,
        startTime: started,
        finishTime: null,
        currentOperation: null,
        percentComplete: null,
        state: 'inProgress',
        result: null,
        resultCode: null,
        changeId: i + 1,
        lastModified: started,
        workerName: 'stand-in agent',
        queueId: 1,
        order: i + 1,
        details: null,
        errorCount: 0,
        warningCount: 0,
        url: null,
        log: null,
        task: null,
        attempt: job.attempt ?? 1,
        identifier: null,
        issues: [],
        _links: { self: { href: timelineUrl } },
      };
    });
    json(res, 200, {
      records,
      lastChangedBy: randomUUID(),
      lastChangedOn: azureDevOpsTime(new Date()),
      id: timelineId,
      changeId: records.length,
      url: timelineUrl,
    });
    return true;
  }

  private async oidc(req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): Promise<boolean> {
    const request: OidcTokenRequest = {
      scopeIdentifier: decodeURIComponent(m[1] ?? ''),
      hubName: decodeURIComponent(m[2] ?? ''),
      planId: decodeURIComponent(m[3] ?? ''),
      jobId: decodeURIComponent(m[4] ?? ''),
      body: req.body,
    };
    if (req.query.serviceConnectionId) request.serviceConnectionId = req.query.serviceConnectionId;
    const bearer = /^Bearer (.+)$/.exec(req.authorization ?? '')?.[1];
    if (bearer) request.bearerToken = bearer;
    const token = await this.mint(request);
    this.mintedTokens.push(token);
    json(res, 200, { oidcToken: token });
    return true;
  }
}
