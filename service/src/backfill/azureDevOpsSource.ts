/**
 * Reads `containerMappingReport` attachments through Azure DevOps' build REST API
 * (azure-devops-node-api's BuildApi: builds list, attachments list, attachment content).
 *
 * The builds list pages with a continuation token: the answer's `x-ms-continuationtoken`
 * header, sent back as the `continuationToken` query parameter, until an answer has none
 * (MicrosoftDocs/vsts-rest-api-specs specification/build/7.1/build.json, "Builds - List":
 * `continuationToken`, `$top`, `statusFilter`, `queryOrder`, `minTime`). A page may hold fewer
 * builds than `$top` and still not be the last. BuildApi.getBuilds returns the body only and
 * drops that header, so the route is called here through the client's own REST client, which
 * keeps its authentication, proxy and timeout settings.
 */
import type { IBuildApi } from 'azure-devops-node-api/BuildApi';
import { REPORT_ATTACHMENT_TYPE } from '../../../common/report';
import type { ReportAttachment, ReportAttachmentSource, RunRef } from './attachmentSource';

/** Largest attachment read: a report is limited to 1,000 images, far below this. */
export const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;
/** Builds per page (`$top`). */
export const PAGE_SIZE = 200;
/** The builds list's resource location (area `build`, resource `Builds`). */
const BUILDS_LOCATION_ID = '0cd358e1-9217-4d94-8269-1c1ee6f93dcf';
const BUILDS_API_VERSION = '7.1';
/** A guard against a server that hands out continuation tokens forever. */
const MAX_PAGES = 10_000;

/** Options for {@link createAzureDevOpsSource}. */
export interface AzureDevOpsSourceOptions {
  /** The organisation (collection) URL, e.g. `https://dev.azure.com/contoso`. */
  organizationUrl: string;
  /** Project name or id. */
  project: string;
  /** A personal access token with Build (read) scope. */
  token: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
}

/** Builds the source on a real Azure DevOps (or any server that answers its REST API). */
export async function createAzureDevOpsSource(options: AzureDevOpsSourceOptions): Promise<ReportAttachmentSource> {
  const [{ BuildApi }, { PersonalAccessTokenCredentialHandler }] = await Promise.all([
    import('azure-devops-node-api/BuildApi.js'),
    import('azure-devops-node-api/handlers/personalaccesstoken.js'),
  ]);
  // The build area lives on the organisation URL itself (Azure DevOps Services and Server),
  // so the client is built there directly rather than through a resource-area look-up.
  const builds = new BuildApi(options.organizationUrl, [new PersonalAccessTokenCredentialHandler(options.token, false)], {
    socketTimeout: options.timeoutMs ?? 30_000,
  });
  return new AzureDevOpsSource(options.organizationUrl, options.project, builds);
}

/** Splits an attachment's `_links.self.href` into the timeline and record ids it names. */
export function parseAttachmentHref(href: string): { timelineId: string; recordId: string } | undefined {
  const m = /\/_apis\/build\/builds\/\d+\/([0-9a-fA-F-]{36})\/([0-9a-fA-F-]{36})\/attachments\//.exec(href);
  if (!m || !m[1] || !m[2]) return undefined;
  return { timelineId: m[1], recordId: m[2] };
}

class AzureDevOpsSource implements ReportAttachmentSource {
  constructor(
    readonly organizationUrl: string,
    private readonly project: string,
    private readonly builds: IBuildApi,
  ) {}

  async *listRuns(since: Date): AsyncIterable<RunRef> {
    const seen = new Set<number>();
    let continuationToken: string | undefined;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const page = await this.buildsPage(since, continuationToken);
      for (const build of page.builds) {
        if (typeof build.id !== 'number' || seen.has(build.id)) continue;
        seen.add(build.id);
        const time = parseTime(build.finishTime) ?? parseTime(build.startTime) ?? parseTime(build.queueTime) ?? since;
        yield { ...buildFacts(build), id: build.id, number: build.buildNumber ?? String(build.id), time };
      }
      // The token, not the page's length, says whether there is more.
      if (!page.continuationToken || page.continuationToken === continuationToken) return;
      continuationToken = page.continuationToken;
    }
    throw new Error(`the builds list was still handing out continuation tokens after ${MAX_PAGES} pages`);
  }

  /** One page of finished builds, oldest finish first, with the token for the next page. */
  private async buildsPage(
    since: Date,
    continuationToken: string | undefined,
  ): Promise<{ builds: BuildListItem[]; continuationToken?: string }> {
    const query: Record<string, string | number> = {
      // An ISO string keeps the milliseconds; the client would format a Date with toUTCString (whole seconds).
      minTime: since.toISOString(),
      statusFilter: 'completed',
      queryOrder: 'finishTimeAscending',
      $top: PAGE_SIZE,
    };
    if (continuationToken) query.continuationToken = continuationToken;
    const versioning = await this.builds.vsoClient.getVersioningData(
      BUILDS_API_VERSION,
      'build',
      BUILDS_LOCATION_ID,
      { project: this.project },
      query,
    );
    if (!versioning.requestUrl) throw new Error('the server lists no route for the builds list (area build, resource Builds)');
    const response = await this.builds.rest.get<BuildList | BuildListItem[]>(
      versioning.requestUrl,
      this.builds.createRequestOptions('application/json', versioning.apiVersion ?? BUILDS_API_VERSION),
    );
    const body = response.result;
    const builds = Array.isArray(body) ? body : Array.isArray(body?.value) ? body.value : [];
    const headers = response.headers as Record<string, string | string[] | undefined>;
    const token = headers['x-ms-continuationtoken'];
    const next = Array.isArray(token) ? token[0] : token;
    return next ? { builds, continuationToken: next } : { builds };
  }

  async *listReports(run: RunRef): AsyncIterable<ReportAttachment> {
    const attachments = await this.builds.getAttachments(this.project, run.id, REPORT_ATTACHMENT_TYPE);
    for (const attachment of attachments) {
      const href: unknown = attachment._links?.self?.href;
      const ids = typeof href === 'string' ? parseAttachmentHref(href) : undefined;
      if (!ids || !attachment.name) continue;
      const stream = await this.builds.getAttachment(
        this.project,
        run.id,
        ids.timelineId,
        ids.recordId,
        REPORT_ATTACHMENT_TYPE,
        attachment.name,
      );
      yield { run, name: attachment.name, text: await readLimited(stream, MAX_ATTACHMENT_BYTES) };
    }
  }
}

/**
 * What a listed build says of itself, for the attachment principal: only what the answer
 * holds, as text (a field of another type is left out, and the authorization rule decides).
 */
function buildFacts(build: BuildListItem): Omit<RunRef, 'id' | 'number' | 'time'> {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const facts: Omit<RunRef, 'id' | 'number' | 'time'> = {};
  const set = <K extends keyof typeof facts>(key: K, value: (typeof facts)[K] | undefined) => {
    if (value !== undefined) facts[key] = value;
  };
  set('projectId', text(build.project?.id));
  set('projectName', text(build.project?.name));
  set('definitionId', typeof build.definition?.id === 'number' ? build.definition.id : undefined);
  set('definitionName', text(build.definition?.name));
  const repository = build.repository;
  if (repository) {
    const r: NonNullable<RunRef['repository']> = {};
    if (text(repository.id)) r.id = text(repository.id);
    if (text(repository.name)) r.name = text(repository.name);
    if (text(repository.url)) r.url = text(repository.url);
    facts.repository = r;
  }
  set('sourceVersion', text(build.sourceVersion));
  set('sourceBranch', text(build.sourceBranch));
  return facts;
}

/**
 * A build as the list route returns it: only the fields read here, dates as the wire's strings
 * (azure-devops-node-api interfaces/BuildInterfaces.d.ts, `Build`, `DefinitionReference`,
 * `BuildRepository`).
 */
interface BuildListItem {
  id?: number;
  buildNumber?: string;
  project?: { id?: string; name?: string };
  definition?: { id?: number; name?: string };
  repository?: { id?: string; name?: string; url?: string };
  sourceVersion?: string;
  sourceBranch?: string;
  queueTime?: string | null;
  startTime?: string | null;
  finishTime?: string | null;
}

interface BuildList {
  count?: number;
  value?: BuildListItem[];
}

/** Azure DevOps times carry 7 fractional digits; Date keeps 3, which is enough for a marker. */
function parseTime(text: string | null | undefined): Date | undefined {
  if (!text) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

async function readLimited(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  // BuildApi.getAttachment hands back the raw response whatever its status.
  const status = (stream as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400) throw new Error(`attachment download answered HTTP ${status}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw new Error(`attachment larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
