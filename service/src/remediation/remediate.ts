/**
 * The remediation hand-off: for one running image that is internet-exposed and vulnerable, file one
 * work item per source repository that built it, in the project of that repository's newest run,
 * unless an open one already exists. Nothing of this is stored by the service: the tag on the work
 * item is what marks it (see `owner.ts`).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { canonicalOrganizationUrl } from '../auth/staticTokens';
import { ProblemError } from '../errors';
import type { Severity } from '../explorer/vulnerabilities/severity';
import type { ExposedFilter, ExposedRow } from '../store/explorer';
import type { Store } from '../store/store';
import { BoardError, type WorkItemBoard } from './boards';
import { draftWorkItem } from './content';
import { ownersOf, remediationKeyTag } from './owner';
import { apiUrlOf, DEFAULT_WORK_ITEM_TYPE, type RemediationOrganization } from './settings';

/** Which rows to hand off: every exposed row of one digest, optionally narrowed to a cluster or namespace. */
export interface RemediationRequest {
  digest: string;
  minSeverity: Severity;
  cluster?: string;
  namespace?: string;
  fixableOnly?: boolean;
  /** Find and draft, but create nothing. */
  dryRun?: boolean;
}

/** What happened for one owner. `planned`: a dry run would have created it. */
export interface RemediationItem {
  status: 'created' | 'existing' | 'planned';
  id: number | null;
  url: string | null;
  title: string;
  workItemType: string;
  organizationUrl: string;
  project: string;
  sourceRepository: string;
  /** The tag that marks this (repository, digest) pair's work item. */
  keyTag: string;
}

/** The answer to one request. */
export interface RemediationResult {
  digest: string;
  minSeverity: Severity;
  workItems: RemediationItem[];
}

/** What the hand-off needs from outside. */
export interface RemediationDependencies {
  store: Store;
  organizations: readonly RemediationOrganization[];
  /** Opens the board of `organizationUrl` (links name it), whose REST API is reached at `apiUrl`. */
  openBoard: (organizationUrl: string, pat: string, apiUrl: string) => Promise<WorkItemBoard>;
  /** This instance's filings in progress, by work item key: one per app (see {@link filingsInProgress}). */
  inProgress: FilingsInProgress;
  /** How long a filing waits for another's claim on the same work item; default {@link FILING_WAIT_MS}. */
  claimWaitMs?: number;
}

/** The filings one instance has in progress, by work item key. */
export type FilingsInProgress = Map<string, Promise<unknown>>;

/** A fresh register of filings in progress, for one instance of the service. */
export function filingsInProgress(): FilingsInProgress {
  return new Map();
}

/**
 * How long a claim to file one work item is held at most: longer than one filing can take (a work item query, a batch
 * read and a create, each bounded at 30 s by boards.ts), so that it lapses only when its instance died holding it.
 */
export const FILING_CLAIM_MS = 180_000;
/** How long a request waits for another instance's filing of the same work item before it answers 503. */
export const FILING_WAIT_MS = 60_000;
/** How often a waiting request asks whether the claim is free. */
const FILING_POLL_MS = 200;

/** Rows read per page while looking for the digest's rows. */
const PAGE = 500;

async function rowsOf(store: Store, request: RemediationRequest): Promise<ExposedRow[]> {
  const filter: ExposedFilter = {
    minSeverity: request.minSeverity,
    ...(request.cluster !== undefined ? { cluster: request.cluster } : {}),
    ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
    ...(request.fixableOnly === true ? { fixableOnly: true } : {}),
  };
  const digest = request.digest.toLowerCase();
  const rows: ExposedRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listExposed(filter, { limit: PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    rows.push(...page.items.filter((row) => row.digest.toLowerCase() === digest));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return rows;
}

function problem(status: number, title: string, detail: string, reason: string): ProblemError {
  return new ProblemError(status, title, detail, reason);
}

/** The configured organisation a push names, compared as `canonicalOrganizationUrl` does. */
function settingsFor(
  organizations: readonly RemediationOrganization[],
  url: string,
): { settings: RemediationOrganization; index: number } | null {
  const wanted = canonicalOrganizationUrl(url);
  const index = organizations.findIndex((o) => wanted !== null && canonicalOrganizationUrl(o.organizationUrl) === wanted);
  const settings = organizations[index];
  return settings === undefined ? null : { settings, index };
}

/** Azure DevOps' refusal, as the answer to our client: the PAT never appears, the setting to fix does. */
function boardProblem(err: unknown, organizationUrl: string, index: number): ProblemError {
  if (!(err instanceof BoardError)) throw err;
  if (err.status === 401 || err.status === 403) {
    return problem(
      502,
      'Azure DevOps refused the credentials',
      `Azure DevOps (${organizationUrl}) refused the PAT of remediation[${index}] (${err.message}): configure a PAT that is valid and has the "Work Items: Read & write" scope; nothing was filed`,
      'azure-devops-refused',
    );
  }
  return problem(
    502,
    'Azure DevOps did not answer as expected',
    `Azure DevOps (${organizationUrl}): ${err.message}; nothing was filed for this repository`,
    'azure-devops-failed',
  );
}

/** The key of one work item's filing: its organisation and its tag (one open work item per repository and digest). */
function filingKeyOf(organizationUrl: string, keyTag: string): string {
  return `${canonicalOrganizationUrl(organizationUrl) ?? organizationUrl}|${keyTag}`;
}

/** The database claim (see {@link holdingClaim}) of the filing of the work item tagged `keyTag` in `organizationUrl`. */
export function filingClaimKey(organizationUrl: string, keyTag: string): string {
  return `remediation:${filingKeyOf(organizationUrl, keyTag)}`;
}

/** One filing at a time per key in this instance, so that two clicks do not file two work items. */
async function oneAtATime<T>(inProgress: FilingsInProgress, key: string, work: () => Promise<T>): Promise<T> {
  const before = inProgress.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  inProgress.set(key, mine);
  try {
    return await mine;
  } finally {
    if (inProgress.get(key) === mine) inProgress.delete(key);
  }
}

/**
 * Runs `work` holding the database claim `key`, so that instances sharing the database file one work item between
 * them, not one each: a request that finds the claim taken waits for it (and then finds the work item the other one
 * filed). The claim is given back when `work` ends, or lapses after {@link FILING_CLAIM_MS} if this instance dies.
 * @throws ProblemError 503 (Retry-After) when another filing still holds it after {@link FILING_WAIT_MS}.
 */
async function holdingClaim<T>(store: Store, key: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  const holder = randomUUID();
  const giveUpAt = Date.now() + waitMs;
  while (!(await store.takeClaim(key, holder, Date.now(), Date.now() + FILING_CLAIM_MS))) {
    if (Date.now() >= giveUpAt) {
      throw new ProblemError(
        503,
        'Busy',
        `another request (on this or another instance of the service) has been filing this work item for ${Math.round(waitMs / 1000)} s; ask again shortly: it will be answered as existing once filed`,
        'remediation-busy',
        [],
        5,
      );
    }
    await delay(FILING_POLL_MS);
  }
  try {
    return await work();
  } finally {
    // A claim not given back (the database went away) lapses on its own.
    await store.releaseClaim(key, holder).catch(() => undefined);
  }
}

/**
 * Files (or finds) the work items of one image.
 * @throws ProblemError 404 when the image is not an exposed-and-vulnerable row, 422 when it has no
 *   owner (unmapped) or its organisation is not configured, 502 when Azure DevOps refuses or fails.
 */
export async function remediate(deps: RemediationDependencies, request: RemediationRequest): Promise<RemediationResult> {
  const rows = await rowsOf(deps.store, request);
  const first = rows[0];
  if (!first) {
    const where = [request.cluster, request.namespace].filter((p) => p !== undefined).join('/');
    throw problem(
      404,
      'Not found',
      `${request.digest} runs in no internet-exposed workload${where ? ` in ${where}` : ''} with findings at or above ${request.minSeverity}${request.fixableOnly ? ' that have a fix' : ''}: nothing to file`,
      'not-exposed',
    );
  }
  const owners = ownersOf(first.runs);
  if (owners.length === 0) {
    throw problem(
      422,
      'No owner',
      `${request.digest} is unmapped: no pipeline run reported pushing it, so there is no owning team to file a work item for`,
      'no-owner',
    );
  }
  // Every owner's organisation must be configured before anything is filed.
  const plans = owners.map((owner) => {
    const found = settingsFor(deps.organizations, owner.newest.organization.url);
    if (!found) {
      throw problem(
        422,
        'Organisation not configured',
        `the service is not configured to file work items in ${owner.newest.organization.url}: add it with a PAT to the "remediation" setting (CM_REMEDIATION)`,
        'remediation-not-configured',
      );
    }
    return { owner, ...found };
  });

  const workItems: RemediationItem[] = [];
  for (const { owner, settings, index } of plans) {
    const project = owner.newest.project.name;
    const workItemType = settings.workItemType ?? DEFAULT_WORK_ITEM_TYPE;
    const keyTag = remediationKeyTag(owner.repositoryKey, first.digest);
    const draft = draftWorkItem(rows, owner, {
      workItemType,
      minSeverity: request.minSeverity,
      keyTag,
      ...(settings.areaPath !== undefined ? { areaPath: settings.areaPath.replaceAll('{project}', project) } : {}),
    });
    const base = {
      title: draft.title,
      workItemType,
      organizationUrl: owner.newest.organization.url,
      project,
      sourceRepository: owner.repositoryLabel,
      keyTag,
    };
    const filingKey = filingKeyOf(base.organizationUrl, keyTag);
    const file = async (): Promise<RemediationItem> => {
      try {
        const board = await deps.openBoard(settings.organizationUrl, settings.pat, apiUrlOf(settings));
        const existing = await board.findOpen(project, keyTag);
        if (existing) return { ...base, status: 'existing', id: existing.id, url: existing.url };
        if (request.dryRun === true) return { ...base, status: 'planned', id: null, url: null };
        const created = await board.create(project, workItemType, draft.patch);
        return { ...base, status: 'created', id: created.id, url: created.url };
      } catch (err) {
        throw boardProblem(err, settings.organizationUrl, index);
      }
    };
    // A dry run files nothing, so it needs no claim; a filing holds this instance's turn, then the database's claim.
    const item = await oneAtATime(deps.inProgress, filingKey, () =>
      request.dryRun === true
        ? file()
        : holdingClaim(deps.store, filingClaimKey(base.organizationUrl, keyTag), deps.claimWaitMs ?? FILING_WAIT_MS, file),
    );
    workItems.push(item);
  }
  return { digest: first.digest, minSeverity: request.minSeverity, workItems };
}
