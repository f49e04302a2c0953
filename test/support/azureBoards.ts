/**
 * Azure Boards in the Azure DevOps stand-in: the work item endpoints the remediation hand-off calls,
 * in the shapes of MicrosoftDocs/vsts-rest-api-specs specification/wit/7.1/workItemTracking.json and
 * its httpExamples (workItems/POST__wit_workitems_create.json, wiql/GET__wit_get_id_workitems.json,
 * workItemsBatch/POST__wit_WorkItemsBatch_ids-_ids__fields-_columns_.json,
 * workItemTypeStates/GET__workitem_type_states.json):
 *
 * - `Work Items - Create`: POST {org}/{project}/_apis/wit/workitems/${type}, `application/json-patch+json` (else 415);
 * - `Work Items - Get Work Item`: GET {org}/{project}/_apis/wit/workitems/{id};
 * - `Wiql - Query By Wiql`: POST {org}/{project}/_apis/wit/wiql → `{queryType, asOf, columns, workItems: [{id, url}]}`;
 *   it understands only `SELECT [System.Id] FROM WorkItems WHERE` conditions on `[System.TeamProject] =` and
 *   `[System.Tags] CONTAINS` joined by AND (any other query is a 400, so a test notices a changed query);
 * - `Work Items - Get Work Items Batch`: POST {org}/{project}/_apis/wit/workitemsbatch, `{ids, fields}` → `{count, value}`;
 * - `Work Item Type States - List`: GET {org}/{project}/_apis/wit/workitemtypes/{type}/states → `{count, value: [{name, color, category}]}`.
 *
 * Resource locations: the create location's id and route template are as VSTeam (MethodsAndPractices/vsteam)
 * records the real `OPTIONS` answer (`{project}/_apis/{area}/{resource}/${type}`); the others' ids are
 * azure-devops-node-api's (WorkItemTrackingApi.js), their templates are written from the spec's paths, and
 * versions are plausible, not verified.
 */
import type { ServerResponse } from 'node:http';
import { json, type ApiResourceLocation, type AzureDevOpsStandIn, type RecordedRequest } from './azureDevOps';

const location = (id: string, resourceName: string, routeTemplate: string, resourceVersion: number): ApiResourceLocation => ({
  id,
  area: 'wit',
  resourceName,
  routeTemplate,
  resourceVersion,
  minVersion: '1.0',
  maxVersion: '7.2',
  releasedVersion: '7.1',
});

/** The wit locations the hand-off's client asks for. */
export const WORK_ITEM_LOCATIONS: readonly ApiResourceLocation[] = [
  location('62d3d110-0047-428c-ad3c-4fe872c91c74', 'workItems', '{project}/_apis/{area}/{resource}/${type}', 3),
  location('72c7ddf8-2cdc-4f60-90cd-ab71c14a399b', 'workItems', '{project}/_apis/{area}/{resource}/{id}', 3),
  location('1a9c53f7-f243-4447-b110-35ef023636e4', 'wiql', '{project}/{team}/_apis/{area}/{resource}/{id}', 2),
  location('908509b6-4248-4475-a1cd-829139ba419f', 'workItemsBatch', '{project}/_apis/{area}/{resource}', 1),
  location('7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa', 'workItemTypeStates', '{project}/_apis/{area}/workitemtypes/{type}/states', 1),
];

/** The states of every type here, with their categories (the spec example's Bug states, plus Removed). */
export const STATES = [
  { name: 'New', color: 'b2b2b2', category: 'Proposed' },
  { name: 'Active', color: '007acc', category: 'InProgress' },
  { name: 'Resolved', color: 'ff9d00', category: 'Resolved' },
  { name: 'Closed', color: '339933', category: 'Completed' },
  { name: 'Removed', color: 'ffffff', category: 'Removed' },
];

/** A stored work item. */
export interface StoredWorkItem {
  id: number;
  rev: number;
  project: string;
  fields: Record<string, unknown>;
  relations: Array<{ rel: string; url: string; attributes?: Record<string, unknown> }>;
}

/** Work item types that exist (others answer 404 on create). */
const TYPES = ['Bug', 'Task', 'Issue', 'User Story'];

/** The boards of the stand-in's organisation: add with `AzureBoardsStandIn.install(standIn)`. */
export class AzureBoardsStandIn {
  /** Every work item, by id. */
  readonly items = new Map<number, StoredWorkItem>();
  private nextId = 1;

  private constructor(private readonly standIn: AzureDevOpsStandIn) {}

  /** Adds the work item locations and routes to a stand-in. */
  static install(standIn: AzureDevOpsStandIn): AzureBoardsStandIn {
    const boards = new AzureBoardsStandIn(standIn);
    for (const l of WORK_ITEM_LOCATIONS) standIn.addResourceLocation(l);
    standIn.addRoute('workItemCreate', 'POST', /^\/([^/]+)\/_apis\/wit\/workitems\/(?:\$|%24)([^/]+)$/i, (req, m, res) =>
      boards.create(req, m, res),
    );
    standIn.addRoute('workItemGet', 'GET', /^(?:\/([^/]+))?\/_apis\/wit\/workitems\/(\d+)$/i, (_req, m, res) => boards.get(m, res));
    standIn.addRoute('wiql', 'POST', /^\/([^/]+)(?:\/[^/]+)?\/_apis\/wit\/wiql$/i, (req, m, res) => boards.wiql(req, m, res));
    standIn.addRoute('workItemsBatch', 'POST', /^\/([^/]+)\/_apis\/wit\/workitemsbatch$/i, (req, _m, res) => boards.batch(req, res));
    standIn.addRoute('workItemTypeStates', 'GET', /^\/([^/]+)\/_apis\/wit\/workitemtypes\/([^/]+)\/states$/i, (_req, m, res) =>
      boards.states(m, res),
    );
    return boards;
  }

  /** Sets a work item's state (as a person closing it would). */
  setState(id: number, state: string): void {
    const item = this.items.get(id);
    if (!item) throw new Error(`no work item ${id}`);
    item.fields['System.State'] = state;
    item.rev += 1;
  }

  private apiUrl(id: number): string {
    return `${this.standIn.url}_apis/wit/workItems/${id}`;
  }

  private answer(item: StoredWorkItem, fields?: readonly string[]): Record<string, unknown> {
    const picked = fields ? Object.fromEntries(fields.filter((f) => f in item.fields).map((f) => [f, item.fields[f]])) : item.fields;
    return {
      id: item.id,
      rev: item.rev,
      fields: picked,
      ...(fields ? {} : { relations: item.relations }),
      _links: {
        self: { href: this.apiUrl(item.id) },
        html: { href: `${this.standIn.url}web/wi.aspx?pcguid=00000000-0000-0000-0000-000000000000&id=${item.id}` },
      },
      url: this.apiUrl(item.id),
    };
  }

  private create(req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): boolean {
    const project = decodeURIComponent(m[1] ?? '');
    const type = decodeURIComponent(m[2] ?? '');
    if (!/^application\/json-patch\+json\b/i.test(req.contentType ?? '')) {
      json(res, 415, { message: 'VS403403: The request content type must be application/json-patch+json.' });
      return true;
    }
    const canonical = TYPES.find((t) => t.toLowerCase() === type.toLowerCase());
    if (!canonical) {
      json(res, 404, { message: `VS402323: Work item type ${type} does not exist in project ${project}.` });
      return true;
    }
    if (!Array.isArray(req.body)) {
      json(res, 400, { message: 'The body must be a JSON Patch document (an array of operations).' });
      return true;
    }
    const id = this.nextId++;
    const now = new Date().toISOString();
    const item: StoredWorkItem = {
      id,
      rev: 1,
      project,
      fields: {
        'System.Id': id,
        'System.AreaPath': project,
        'System.TeamProject': project,
        'System.IterationPath': project,
        'System.WorkItemType': canonical,
        'System.State': 'New',
        'System.Reason': 'New',
        'System.CreatedDate': now,
        'System.ChangedDate': now,
      },
      relations: [],
    };
    for (const op of req.body as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
      const path = typeof op.path === 'string' ? op.path : '';
      if (op.op !== 'add') {
        json(res, 400, { message: `stand-in: only "add" operations are understood, got ${String(op.op)}` });
        return true;
      }
      if (path.startsWith('/fields/')) item.fields[path.slice('/fields/'.length)] = op.value;
      else if (path === '/relations/-') item.relations.push(op.value as StoredWorkItem['relations'][number]);
      else {
        json(res, 400, { message: `stand-in: no such path ${path}` });
        return true;
      }
    }
    if (typeof item.fields['System.Title'] !== 'string' || item.fields['System.Title'] === '') {
      json(res, 400, {
        message: 'TF401320: Rule Error for field Title. Error code: Required, HasValues, LimitedToValues, AllowsOldValue, InAdmin.',
      });
      return true;
    }
    this.items.set(id, item);
    json(res, 200, this.answer(item));
    return true;
  }

  private get(m: RegExpMatchArray, res: ServerResponse): boolean {
    const item = this.items.get(Number(m[2]));
    if (!item) {
      json(res, 404, { message: `TF401232: Work item ${m[2]} does not exist, or you do not have permissions to read it.` });
      return true;
    }
    json(res, 200, this.answer(item));
    return true;
  }

  private wiql(req: RecordedRequest, m: RegExpMatchArray, res: ServerResponse): boolean {
    const query = (req.body as { query?: unknown } | undefined)?.query;
    const parsed =
      typeof query === 'string'
        ? /^SELECT \[System\.Id\] FROM WorkItems WHERE (.+?)(?: ORDER BY \[System\.Id\] DESC)?$/i.exec(query.trim())
        : null;
    if (!parsed) {
      json(res, 400, { message: `stand-in: WIQL not understood: ${String(query)}` });
      return true;
    }
    const tests: Array<(item: StoredWorkItem) => boolean> = [];
    for (const condition of (parsed[1] ?? '').split(/ AND (?=\[)/i)) {
      const c = /^\[(System\.TeamProject|System\.Tags)\] (=|CONTAINS) '((?:[^']|'')*)'$/i.exec(condition.trim());
      if (!c) {
        json(res, 400, { message: `stand-in: WIQL condition not understood: ${condition}` });
        return true;
      }
      const value = (c[3] ?? '').replace(/''/g, "'").toLowerCase();
      if ((c[1] ?? '').toLowerCase() === 'system.teamproject') tests.push((item) => item.project.toLowerCase() === value);
      else
        tests.push((item) =>
          String(item.fields['System.Tags'] ?? '')
            .split(';')
            .some((t) => t.trim().toLowerCase() === value),
        );
    }
    const project = decodeURIComponent(m[1] ?? '').toLowerCase();
    const found = [...this.items.values()]
      .filter((item) => item.project.toLowerCase() === project && tests.every((t) => t(item)))
      .sort((a, b) => b.id - a.id);
    json(res, 200, {
      queryType: 'flat',
      queryResultType: 'workItem',
      asOf: new Date().toISOString(),
      columns: [{ referenceName: 'System.Id', name: 'ID', url: `${this.standIn.url}_apis/wit/fields/System.Id` }],
      workItems: found.map((item) => ({ id: item.id, url: this.apiUrl(item.id) })),
    });
    return true;
  }

  private batch(req: RecordedRequest, res: ServerResponse): boolean {
    const body = req.body as { ids?: unknown; fields?: unknown } | undefined;
    if (!Array.isArray(body?.ids) || body.ids.length > 200) {
      json(res, 400, { message: 'stand-in: ids must be an array of at most 200 ids' });
      return true;
    }
    const fields = Array.isArray(body.fields) ? (body.fields as string[]) : undefined;
    const value = (body.ids as number[]).flatMap((id) => {
      const item = this.items.get(id);
      return item ? [this.answer(item, fields)] : [];
    });
    json(res, 200, { count: value.length, value });
    return true;
  }

  private states(m: RegExpMatchArray, res: ServerResponse): boolean {
    const type = decodeURIComponent(m[2] ?? '');
    if (!TYPES.some((t) => t.toLowerCase() === type.toLowerCase())) {
      json(res, 404, { message: `VS402323: Work item type ${type} does not exist.` });
      return true;
    }
    json(res, 200, { count: STATES.length, value: STATES });
    return true;
  }
}
