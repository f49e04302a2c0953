/**
 * "Ask the owning team to fix", as plain data: which images a selection of rows names, the request
 * each one makes of `POST /api/v1/remediations`, and what its answer or refusal says. Pure: no DOM,
 * so the unit tests run it under Node; the panel is `views/remediation.ts`.
 */
import type { ExplorerQuery } from './query';
import type { TableRow } from './rows';
import type { RemediationRequest, RemediationResult } from './types';

/** What the page says of a row whose image no run is known to have pushed. */
export const NO_OWNER = 'no owner: this image is not mapped to a pipeline run';

/** One image of a selection. */
export interface SelectedImage {
  digest: string;
  name: string;
}

/** The distinct mapped images of `rows`, in row order (two workloads running one image ask once). */
export function selectedImages(rows: readonly TableRow[]): SelectedImage[] {
  const seen = new Map<string, SelectedImage>();
  for (const row of rows) {
    if (!row.image?.mapped) continue;
    const key = row.image.digest.toLowerCase();
    if (!seen.has(key)) seen.set(key, { digest: row.image.digest, name: row.image.name });
  }
  return [...seen.values()];
}

/**
 * The request for one image under the page's query: the same severity, fixable-only, cluster and
 * namespace narrow the findings and places the work item lists as they narrowed the rows.
 */
export function remediationRequest(query: ExplorerQuery, digest: string, dryRun: boolean): RemediationRequest {
  return {
    digest,
    minSeverity: query.minSeverity,
    ...(query.fixable ? { fixable: true } : {}),
    ...(query.cluster !== '' ? { cluster: query.cluster } : {}),
    ...(query.namespace !== '' ? { namespace: query.namespace } : {}),
    ...(dryRun ? { dryRun: true } : {}),
  };
}

/** One line of the panel for one work item of an answer. */
export interface WorkItemLine {
  status: RemediationResult['workItems'][number]['status'];
  /** `Bug 12` or, when planned, `a Bug`. */
  label: string;
  url: string | null;
  text: string;
}

/** The panel's lines for one answer: what exists, what was filed, what would be filed. */
export function workItemLines(result: RemediationResult): WorkItemLine[] {
  return result.workItems.map((item) => {
    const where = `in ${item.project}, for ${item.sourceRepository}`;
    if (item.status === 'planned') {
      return {
        status: item.status,
        label: `a ${item.workItemType}`,
        url: null,
        text: `no open work item yet: files a ${item.workItemType} ${where}`,
      };
    }
    const label = `${item.workItemType} ${item.id ?? ''}`.trim();
    const verb = item.status === 'created' ? 'filed' : 'open work item exists';
    return { status: item.status, label, url: item.url, text: `${verb} ${where}` };
  });
}

/** Whether an answer leaves something to file (a dry run planned at least one work item). */
export const hasPlanned = (result: RemediationResult): boolean => result.workItems.some((w) => w.status === 'planned');

/**
 * Why filing is refused, in the page's words, from the status and problem the service answered.
 * A 401/403 names the scope the token lacks (the page never asks for a token in a URL: sign in
 * with one that has it); the others pass the service's problem on, which names what to fix.
 */
export function refusalText(status: number, detail: string | null): string {
  if (status === 401 || status === 403) {
    return `You may not file work items: it needs a token with the remediate scope${detail ? ` (${status}: ${detail})` : ` (${status})`}. Sign in with such a token to ask the owning team.`;
  }
  return detail ? `${detail} (${status})` : `The service answered ${status}.`;
}
