/**
 * Reads `containerMappingReport` attachments through Azure DevOps' build REST API
 * (azure-devops-node-api's BuildApi: builds list, attachments list, attachment content).
 */
import type { IBuildApi } from 'azure-devops-node-api/BuildApi';
import { REPORT_ATTACHMENT_TYPE } from '../../../common/report';
import type { ReportAttachment, ReportAttachmentSource, RunRef } from './attachmentSource';

/** Largest attachment read: a report is limited to 1,000 images, far below this. */
export const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;
const PAGE_SIZE = 200;
// BuildInterfaces.BuildQueryOrder.FinishTimeAscending; a literal so that loading the enum
// module (and its type-info tables) is not needed.
const FINISH_TIME_ASCENDING = 2;

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
    let minTime = since;
    for (;;) {
      const page = await this.builds.getBuilds(
        this.project, undefined, undefined, undefined, minTime, undefined, undefined, undefined,
        undefined, undefined, undefined, undefined, PAGE_SIZE, undefined, undefined, undefined,
        FINISH_TIME_ASCENDING,
      );
      let fresh = 0;
      for (const build of page) {
        if (build.id === undefined || seen.has(build.id)) continue;
        seen.add(build.id);
        fresh++;
        const time = build.finishTime ?? build.startTime ?? build.queueTime ?? minTime;
        if (time > minTime) minTime = time;
        yield { id: build.id, projectId: build.project?.id ?? '', number: build.buildNumber ?? String(build.id), time };
      }
      if (page.length < PAGE_SIZE || fresh === 0) return;
    }
  }

  async *listReports(run: RunRef): AsyncIterable<ReportAttachment> {
    const attachments = await this.builds.getAttachments(this.project, run.id, REPORT_ATTACHMENT_TYPE);
    for (const attachment of attachments) {
      const href: unknown = attachment._links?.self?.href;
      const ids = typeof href === 'string' ? parseAttachmentHref(href) : undefined;
      if (!ids || !attachment.name) continue;
      const stream = await this.builds.getAttachment(
        this.project, run.id, ids.timelineId, ids.recordId, REPORT_ATTACHMENT_TYPE, attachment.name,
      );
      yield { run, name: attachment.name, text: await readLimited(stream, MAX_ATTACHMENT_BYTES) };
    }
  }
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
