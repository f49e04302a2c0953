/**
 * Azure Boards as the remediation hand-off needs it: find the open work item a tag marks, create
 * one. Built on azure-devops-node-api's WorkItemTrackingApi; the REST shapes are those of
 * MicrosoftDocs/vsts-rest-api-specs specification/wit/7.1/workItemTracking.json:
 *
 * - `Wiql - Query By Wiql`: POST {organization}/{project}/_apis/wit/wiql, `{query}` → `{workItems: [{id, url}]}`;
 * - `Work Items - Get Work Items Batch`: POST {organization}/{project}/_apis/wit/workitemsbatch, `{ids, fields}`;
 * - `Work Item Type States - List`: GET {organization}/{project}/_apis/wit/workitemtypes/{type}/states → `{name, color, category}`;
 * - `Work Items - Create`: POST {organization}/{project}/_apis/wit/workitems/${type}, body `application/json-patch+json`.
 *
 * The PAT goes only into the client's credential handler; no error made here carries it.
 */
import type { IWorkItemTrackingApi } from 'azure-devops-node-api/WorkItemTrackingApi';
import type { PatchOperation } from './content';

/** A work item the service filed or found. */
export interface FiledWorkItem {
  id: number;
  /** Its page in Azure Boards. */
  url: string;
  state: string | null;
}

/** The operations the hand-off needs, per organisation. */
export interface WorkItemBoard {
  /** The newest work item of `project` tagged `tag` whose state is not in the Completed or Removed category, or null. */
  findOpen(project: string, tag: string): Promise<FiledWorkItem | null>;
  /** Creates a work item of `type` in `project` from a JSON Patch document. */
  create(project: string, type: string, patch: PatchOperation[]): Promise<FiledWorkItem>;
}

/** Azure DevOps refused the request: `status` is its HTTP status (401/403: the PAT). */
export class BoardError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'BoardError';
  }
}

/** States in these categories are not open: the work is done or was dropped. */
const CLOSED_CATEGORIES = new Set(['completed', 'removed']);

/** Per request to Azure DevOps. */
const TIMEOUT_MS = 30_000;

/** A WIQL string literal: single quotes doubled. */
export function wiqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The web page of a work item: {organization}/{project}/_workitems/edit/{id}. */
export function workItemPage(organizationUrl: string, project: string, id: number): string {
  return `${organizationUrl.replace(/\/+$/, '')}/${encodeURIComponent(project)}/_workitems/edit/${id}`;
}

/** Turns whatever the REST client threw into a BoardError that names the status and nothing secret. */
function boardError(err: unknown, what: string): BoardError {
  if (err instanceof BoardError) return err;
  const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : null;
  const code = typeof (err as { code?: unknown }).code === 'string' ? ` (${(err as { code: string }).code})` : '';
  return new BoardError(status, status === null ? `${what} failed${code}` : `${what} answered ${status}`);
}

class AzureBoard implements WorkItemBoard {
  constructor(
    private readonly organizationUrl: string,
    private readonly api: IWorkItemTrackingApi,
  ) {}

  async findOpen(project: string, tag: string): Promise<FiledWorkItem | null> {
    try {
      const query = `SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = ${wiqlString(project)} AND [System.Tags] CONTAINS ${wiqlString(tag)} ORDER BY [System.Id] DESC`;
      const result = await this.api.queryByWiql({ query }, { project });
      const ids = (result?.workItems ?? []).flatMap((w) => (typeof w.id === 'number' ? [w.id] : []));
      if (ids.length === 0) return null;
      const items = await this.api.getWorkItemsBatch(
        { ids: ids.slice(0, 200), fields: ['System.Id', 'System.State', 'System.WorkItemType'] },
        project,
      );
      const categories = new Map<string, Map<string, string>>();
      for (const item of [...(items ?? [])].sort((a, b) => (b.id ?? 0) - (a.id ?? 0))) {
        const type = String(item.fields?.['System.WorkItemType'] ?? '');
        const state = String(item.fields?.['System.State'] ?? '');
        let byState = categories.get(type);
        if (!byState) {
          const states = (await this.api.getWorkItemTypeStates(project, type)) ?? [];
          // Without the type's states nothing says whether the item is open: better no answer than a duplicate.
          if (states.length === 0) throw new BoardError(null, `reading the states of work item type "${type}" gave none`);
          byState = new Map(states.map((s) => [String(s.name).toLowerCase(), String(s.category).toLowerCase()]));
          categories.set(type, byState);
        }
        if (typeof item.id === 'number' && !CLOSED_CATEGORIES.has(byState.get(state.toLowerCase()) ?? '')) {
          return { id: item.id, url: workItemPage(this.organizationUrl, project, item.id), state };
        }
      }
      return null;
    } catch (err) {
      throw boardError(err, 'looking for an open work item');
    }
  }

  async create(project: string, type: string, patch: PatchOperation[]): Promise<FiledWorkItem> {
    let item;
    try {
      item = await this.api.createWorkItem(null, patch, project, type);
    } catch (err) {
      throw boardError(err, `creating a ${type}`);
    }
    // The REST client answers a 404 (no such project or type) with no body rather than an error.
    if (typeof item?.id !== 'number')
      throw new BoardError(404, `creating a ${type} answered 404 (no project "${project}" or no work item type "${type}")`);
    const state = item.fields?.['System.State'];
    return { id: item.id, url: workItemPage(this.organizationUrl, project, item.id), state: typeof state === 'string' ? state : null };
  }
}

/**
 * The board of an organisation, authenticated with its PAT. The client is loaded only when a remediation is asked for.
 * Requests go to `apiUrl`; the work item links answered name `organizationUrl` (they differ behind a proxy or stand-in).
 */
export async function openAzureBoard(organizationUrl: string, pat: string, apiUrl: string = organizationUrl): Promise<WorkItemBoard> {
  const [{ WorkItemTrackingApi }, { PersonalAccessTokenCredentialHandler }] = await Promise.all([
    import('azure-devops-node-api/WorkItemTrackingApi.js'),
    import('azure-devops-node-api/handlers/personalaccesstoken.js'),
  ]);
  // The wit area lives on the organisation URL itself, as the build area does (backfill/azureDevOpsSource.ts).
  const api = new WorkItemTrackingApi(apiUrl, [new PersonalAccessTokenCredentialHandler(pat, false)], {
    socketTimeout: TIMEOUT_MS,
  });
  return new AzureBoard(organizationUrl, api);
}
