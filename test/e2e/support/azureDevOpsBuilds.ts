/**
 * What the end-to-end suite adds to the Azure DevOps stand-in (test/support/azureDevOps.ts):
 *
 * - the token issuer (test/support/tokenIssuer.ts: discovery document at
 *   `{issuer}/.well-known/openid-configuration`, one key set at the host's `/.well-known/jwks`,
 *   as vstoken.dev.azure.com lays them out) and job tokens signed by it, with the claims
 *   Azure DevOps puts in a pipeline job's token;
 * - the build REST endpoints backfill reads (builds list, attachments list, attachment
 *   content), answering in the documented shapes;
 * - the agent's part in attachments: it uploads the file named by `##vso[task.addattachment]`
 *   under the job's timeline and the step's own record, as the agent's
 *   `ExecutionContext.QueueAttachFile` does (`QueueFileUpload(_mainTimelineId, _record.Id, …)`,
 *   microsoft/azure-pipelines-agent src/Agent.Worker/ExecutionContext.cs; the step's record id is
 *   its task instance id, System.TaskInstanceId, and the timeline is System.TimelineId).
 *
 * Resource locations (the `OPTIONS` answers): Builds, attachments and Timeline are released in
 * api-version 7.1 and previewed in 7.2 (MicrosoftDocs/vsts-rest-api-specs
 * specification/build/7.1/build.json asks for `7.1` without a preview suffix; build/7.2 exists),
 * hence `releasedVersion` 7.1 and `maxVersion` 7.2. The location ids are the ones
 * azure-devops-node-api's BuildApi asks for. Not verified: the real answers' `minVersion` and
 * `resourceVersion` (no public recording of them was found).
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { claimsFromPipelineEnvironment } from '../../support/azureDevOpsTokens';
import { azureDevOpsTime, json, type AzureDevOpsStandIn, type OidcTokenRequest, type RecordedRequest } from '../../support/azureDevOps';
import { TokenIssuerStandIn } from '../../support/tokenIssuer';

const BUILDS_LOCATION = {
  id: '0cd358e1-9217-4d94-8269-1c1ee6f93dcf',
  area: 'build',
  resourceName: 'Builds',
  routeTemplate: '{project}/_apis/{area}/{resource}/{buildId}',
  resourceVersion: 7,
  minVersion: '1.0',
  maxVersion: '7.2',
  releasedVersion: '7.1',
};
const ATTACHMENTS_LOCATION = {
  id: 'f2192269-89fa-4f94-baf6-8fb128c55159',
  area: 'build',
  resourceName: 'attachments',
  routeTemplate: '{project}/_apis/{area}/builds/{buildId}/{resource}/{type}',
  resourceVersion: 2,
  minVersion: '4.1',
  maxVersion: '7.2',
  releasedVersion: '7.1',
};
const ATTACHMENT_LOCATION = {
  id: 'af5122d3-3438-485e-a25a-2dbbfde84ee6',
  area: 'build',
  resourceName: 'attachments',
  routeTemplate: '{project}/_apis/{area}/builds/{buildId}/{timelineId}/{recordId}/{resource}/{type}/{name}',
  resourceVersion: 2,
  minVersion: '4.1',
  maxVersion: '7.2',
  releasedVersion: '7.1',
};

/** A build as the stand-in lists it. */
export interface StandInBuild {
  id: number;
  buildNumber: string;
  projectId: string;
  projectName: string;
  /** `definition.id` and `.name`; {@link AzureDevOpsOrganization.startJob} takes them from the job's variables when absent. */
  definitionId?: number;
  definitionName?: string;
  /** `repository.id`, `.type`, `.name`, `.url`; likewise. */
  repository?: { id: string; type: string; name: string; url: string };
  sourceVersion?: string;
  sourceBranch?: string;
  startTime: Date;
  finishTime?: Date;
}

interface StoredAttachment {
  buildId: number;
  timelineId: string;
  recordId: string;
  type: string;
  name: string;
  content: Buffer;
}

function encodeToken(time: number, id: number): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

function decodeToken(token: string): { time: number; id: number } | undefined {
  try {
    const [time, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, number];
    return typeof time === 'number' && typeof id === 'number' ? { time, id } : undefined;
  } catch {
    return undefined;
  }
}

/** The organisation's side of the stand-in: keys, job tokens, builds and their attachments. */
export class AzureDevOpsOrganization {
  readonly builds = new Map<number, StandInBuild>();
  readonly attachments: StoredAttachment[] = [];
  /** The most builds one page of Builds - List holds, whatever `$top` asks (tests lower it to force short pages). */
  pageLimit = 1000;
  /** The environment of each job, by job id: what its token's claims are made from. */
  private readonly jobs = new Map<string, Record<string, string>>();

  private constructor(
    readonly standIn: AzureDevOpsStandIn,
    /** System.CollectionId: the issuer is https://vstoken.dev.azure.com/{id}. */
    readonly organizationId: string,
    /** The personal access token backfill must present. */
    readonly pat: string,
    /** The token issuer (vstoken) stand-in. */
    readonly tokenIssuer: TokenIssuerStandIn,
  ) {}

  /** Adds the organisation's routes to a running stand-in. */
  static async attach(standIn: AzureDevOpsStandIn, organizationId: string, pat: string): Promise<AzureDevOpsOrganization> {
    const org = new AzureDevOpsOrganization(standIn, organizationId, pat, await TokenIssuerStandIn.start());
    standIn.setOidcMinter((request) => org.mint(request));
    for (const location of [BUILDS_LOCATION, ATTACHMENTS_LOCATION, ATTACHMENT_LOCATION]) standIn.addResourceLocation(location);
    standIn.addRoute('builds', 'GET', /^\/([^/]+)\/_apis\/build\/builds\/?$/i, (req, m, res) => org.listBuilds(req, m, res));
    standIn.addRoute('attachments', 'GET', /^\/([^/]+)\/_apis\/build\/builds\/(\d+)\/attachments\/([^/]+)$/i, (req, m, res) =>
      org.listAttachments(req, m, res),
    );
    standIn.addRoute(
      'attachment',
      'GET',
      /^\/([^/]+)\/_apis\/build\/builds\/(\d+)\/([0-9a-f-]{36})\/([0-9a-f-]{36})\/attachments\/([^/]+)\/([^/]+)$/i,
      (req, m, res) => org.getAttachment(req, m, res),
    );
    return org;
  }

  /** The issuer of this organisation's tokens (the service discovers the keys from it). */
  get issuer(): string {
    return this.tokenIssuer.issuerFor(this.organizationId);
  }

  /** Stops the token issuer (the stand-in itself is closed by its owner). */
  close(): Promise<void> {
    return this.tokenIssuer.close();
  }

  /**
   * Registers a job: its build, and the environment its token's claims come from. What the build
   * does not give of its pipeline, repository, commit and branch comes from the job's variables,
   * which the agent sets from the build (System.DefinitionId, Build.DefinitionName,
   * Build.Repository.*, Build.SourceVersion, Build.SourceBranch).
   */
  startJob(env: Record<string, string>, build: StandInBuild): void {
    const jobId = env.SYSTEM_JOBID;
    if (!jobId) throw new Error('the job environment has no SYSTEM_JOBID');
    this.jobs.set(jobId.toLowerCase(), env);
    const definitionId = env.SYSTEM_DEFINITIONID ? Number(env.SYSTEM_DEFINITIONID) : undefined;
    const repository = env.BUILD_REPOSITORY_ID
      ? {
          id: env.BUILD_REPOSITORY_ID,
          type: env.BUILD_REPOSITORY_PROVIDER ?? 'TfsGit',
          name: env.BUILD_REPOSITORY_NAME ?? '',
          url: env.BUILD_REPOSITORY_URI ?? '',
        }
      : undefined;
    this.builds.set(build.id, {
      ...(definitionId !== undefined ? { definitionId } : {}),
      ...(env.BUILD_DEFINITIONNAME ? { definitionName: env.BUILD_DEFINITIONNAME } : {}),
      ...(repository ? { repository } : {}),
      ...(env.BUILD_SOURCEVERSION ? { sourceVersion: env.BUILD_SOURCEVERSION } : {}),
      ...(env.BUILD_SOURCEBRANCH ? { sourceBranch: env.BUILD_SOURCEBRANCH } : {}),
      ...build,
    });
  }

  /** Marks a build finished (its last job is done). */
  finishBuild(buildId: number, at: Date = new Date()): void {
    const build = this.builds.get(buildId);
    if (!build) throw new Error(`stand-in: no build ${buildId}`);
    build.finishTime = at;
  }

  /**
   * Does what the agent does with `##vso[task.addattachment type=…;name=…]path` lines:
   * uploads each file to the job's timeline record. Returns how many it uploaded.
   */
  uploadAttachments(taskStdout: string, env: Record<string, string>): number {
    const buildId = Number(env.BUILD_BUILDID);
    let uploaded = 0;
    for (const line of taskStdout.split(/\r?\n/)) {
      const m = /^##vso\[task\.addattachment ([^\]]*)\](.+)$/.exec(line.trim());
      if (!m) continue;
      const props = Object.fromEntries(
        (m[1] ?? '')
          .split(';')
          .filter(Boolean)
          .map((p) => p.split('=', 2) as [string, string]),
      );
      if (!props.type || !props.name) continue;
      const timelineId = env.SYSTEM_TIMELINEID;
      const recordId = env.SYSTEM_TASKINSTANCEID;
      if (!timelineId || !recordId) throw new Error('stand-in: the job environment has no SYSTEM_TIMELINEID or SYSTEM_TASKINSTANCEID');
      this.attachments.push({
        buildId,
        timelineId,
        recordId,
        type: props.type,
        name: props.name,
        content: readFileSync(m[2] ?? ''),
      });
      uploaded++;
    }
    return uploaded;
  }

  private async mint(request: OidcTokenRequest): Promise<string> {
    const env = this.jobs.get(request.jobId.toLowerCase());
    if (!env) throw new Error(`stand-in: no job ${request.jobId}`);
    return this.tokenIssuer.mint(claimsFromPipelineEnvironment({ ...env, SYSTEM_COLLECTIONID: this.organizationId }));
  }

  /** Build REST calls need the PAT (Basic auth, any user name). */
  private authorized(req: RecordedRequest, res: ServerResponse): boolean {
    const basic = /^Basic (.+)$/.exec(req.authorization ?? '')?.[1];
    const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
    if (password === this.pat) return true;
    json(res, 401, { message: 'TF400813: The user is not authorized to access this resource.' });
    return false;
  }

  private project(segment: string | undefined): (b: StandInBuild) => boolean {
    const p = decodeURIComponent(segment ?? '').toLowerCase();
    return (b) => b.projectName.toLowerCase() === p || b.projectId.toLowerCase() === p;
  }

  /**
   * Builds - List, paged as Azure DevOps pages it: at most `$top` builds per answer (and at most
   * {@link pageLimit}, to imitate the real service's short pages), and an `x-ms-continuationtoken`
   * header whenever more builds follow, to be sent back as `continuationToken`. The token is
   * opaque to clients; here it is the sort key of the last build returned. Filters honoured:
   * `minTime`, `statusFilter` (`completed`, `inProgress`, `all`) and `queryOrder`
   * (`finishTimeAscending` or its enum value 2: finished builds only, as the real service does).
   * Not verified against the real service: its default `$top` and the token's format.
   */
  private listBuilds(req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): void {
    if (!this.authorized(req, res)) return;
    const minTime = req.query.minTime ? new Date(req.query.minTime) : undefined;
    const top = Math.min(Number(req.query.$top ?? 1000), this.pageLimit);
    const byFinish = /^(2|3|finishTime(Ascending|Descending))$/i.test(req.query.queryOrder ?? '');
    const status = (req.query.statusFilter ?? 'all').toLowerCase();
    const time = (b: StandInBuild) => (b.finishTime ?? b.startTime).getTime();
    const after = req.query.continuationToken ? decodeToken(req.query.continuationToken) : undefined;
    if (req.query.continuationToken && !after) {
      json(res, 400, { message: 'stand-in: the continuation token is not one this server issued', typeKey: 'InvalidContinuationToken' });
      return;
    }
    const matching = [...this.builds.values()]
      .filter(this.project(m[1]))
      .filter((b) => !byFinish || b.finishTime !== undefined)
      .filter((b) => status === 'all' || (status === 'completed') === (b.finishTime !== undefined))
      .filter((b) => !minTime || time(b) >= minTime.getTime())
      .sort((a, b) => time(a) - time(b) || a.id - b.id)
      .filter((b) => !after || time(b) > after.time || (time(b) === after.time && b.id > after.id));
    const page = matching.slice(0, top);
    const last = page[page.length - 1];
    const headers = last && matching.length > page.length ? { 'x-ms-continuationtoken': encodeToken(time(last), last.id) } : {};
    const value = page.map((b) => ({
      id: b.id,
      buildNumber: b.buildNumber,
      status: b.finishTime ? 'completed' : 'inProgress',
      result: b.finishTime ? 'succeeded' : null,
      queueTime: azureDevOpsTime(b.startTime),
      startTime: azureDevOpsTime(b.startTime),
      finishTime: b.finishTime ? azureDevOpsTime(b.finishTime) : null,
      project: { id: b.projectId, name: b.projectName, state: 'wellFormed', visibility: 'private' },
      ...(b.definitionId !== undefined
        ? { definition: { id: b.definitionId, name: b.definitionName ?? '', type: 'build', queueStatus: 'enabled' } }
        : {}),
      ...(b.repository ? { repository: { ...b.repository, clean: null, checkoutSubmodules: false } } : {}),
      ...(b.sourceVersion ? { sourceVersion: b.sourceVersion } : {}),
      ...(b.sourceBranch ? { sourceBranch: b.sourceBranch } : {}),
      url: `${this.standIn.url}${b.projectId}/_apis/build/Builds/${b.id}`,
    }));
    const text = JSON.stringify({ count: value.length, value });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private listAttachments(req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): void {
    if (!this.authorized(req, res)) return;
    const build = this.builds.get(Number(m[2]));
    if (!build || !this.project(m[1])(build)) {
      json(res, 404, { message: `TF215015: The requested build ${m[2]} could not be found.` });
      return;
    }
    const type = decodeURIComponent(m[3] ?? '');
    const value = this.attachments
      .filter((a) => a.buildId === build.id && a.type === type)
      .map((a) => ({
        name: a.name,
        _links: {
          self: {
            href: `${this.standIn.url}${build.projectId}/_apis/build/builds/${a.buildId}/${a.timelineId}/${a.recordId}/attachments/${a.type}/${encodeURIComponent(a.name)}`,
          },
        },
      }));
    json(res, 200, { count: value.length, value });
  }

  private getAttachment(req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): void {
    if (!this.authorized(req, res)) return;
    const [, , buildId, timelineId, recordId, type, name] = m;
    const found = this.attachments.find(
      (a) =>
        a.buildId === Number(buildId) &&
        a.timelineId === timelineId &&
        a.recordId === recordId &&
        a.type === decodeURIComponent(type ?? '') &&
        a.name === decodeURIComponent(name ?? ''),
    );
    if (!found) {
      json(res, 404, { message: 'attachment not found' });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': found.content.length });
    res.end(found.content);
  }
}
