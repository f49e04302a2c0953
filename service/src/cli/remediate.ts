/**
 * `container-mapping remediate --min-severity <s> [--cluster C] [--namespace N] [--fixable] [--dry-run] [--json]`:
 * asks a running service (`--url`/`CM_URL`, `--token`/`CM_TOKEN`: a token with the read and remediate
 * scopes) to file a work item for every image of the exposed-and-vulnerable rows, one request per
 * digest. Unmapped images are listed as "no owner"; nothing is asked for them. With `--dry-run` the
 * service looks for existing work items and creates none. Exit 1 when any request failed.
 */
import { parseArgs } from 'node:util';
import { MINIMUM_SEVERITIES } from '../explorer/vulnerabilities/count';
import type { RemediationItem, RemediationResult } from '../remediation/remediate';
import type { ExposedPage, ExposedRow } from '../store/explorer';
import { UsageError, type Command, type CommandIo } from './command';
import { fetchJson, type Values } from './serviceClient';
import { formatTable } from './table';

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  'min-severity': { type: 'string' },
  cluster: { type: 'string' },
  namespace: { type: 'string' },
  fixable: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

/** What happened to one image. */
export interface RemediationLine {
  digest: string;
  reference: string | null;
  /** `cluster/namespace Kind/name` of each exposed row running it. */
  workloads: string[];
  status: 'no-owner' | 'done' | 'failed';
  workItems: RemediationItem[];
  /** The service's problem detail when it failed. */
  error?: string;
}

/** POSTs JSON to the service. @returns status and parsed body. */
async function postJson(values: Values, io: CommandIo, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const base = (typeof values.url === 'string' ? values.url : io.env.CM_URL) ?? 'http://localhost:8080';
  const token = typeof values.token === 'string' ? values.token : io.env.CM_TOKEN;
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** Groups exposed rows by digest, in the order the service listed them. */
export function byDigest(rows: readonly ExposedRow[]): Map<string, ExposedRow[]> {
  const groups = new Map<string, ExposedRow[]>();
  for (const row of rows) groups.set(row.digest, [...(groups.get(row.digest) ?? []), row]);
  return groups;
}

/** The table: one line per work item, one per image without owner or with a failure. */
export function formatRemediation(lines: readonly RemediationLine[]): string {
  if (lines.length === 0) return 'no exposed workload runs an image with such findings';
  const rows = lines.flatMap((l) => {
    const image = `${l.reference ?? '-'}@${l.digest.slice(0, 19)}`;
    const where = l.workloads.join(', ');
    if (l.status === 'no-owner') return [[image, where, 'no owner (unmapped: nothing to file)', '', '']];
    if (l.status === 'failed') return [[image, where, `failed: ${l.error ?? ''}`, '', '']];
    return l.workItems.map((w) => [
      image,
      where,
      w.status === 'planned' ? 'would create' : w.status,
      w.sourceRepository,
      w.url ?? `${w.project} (${w.workItemType})`,
    ]);
  });
  return formatTable(['IMAGE', 'WORKLOADS', 'STATUS', 'REPOSITORY', 'WORK ITEM'], rows, 100);
}

async function exposedRows(values: Values, io: CommandIo, query: Record<string, string>): Promise<ExposedRow[]> {
  const rows: ExposedRow[] = [];
  let cursor: string | undefined;
  do {
    const page = (await fetchJson(values, io, '/api/v1/exposed', { ...query, limit: '500', ...(cursor ? { cursor } : {}) })) as ExposedPage;
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return rows;
}

export const remediateCommand: Command = {
  summary: 'file a work item for the owning team of every exposed, vulnerable image (or show what would be filed)',
  usage:
    'remediate --min-severity low|medium|high|critical [--cluster C] [--namespace N] [--fixable] [--dry-run] [--json] [--url URL] [--token T]',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError('remediate takes no arguments, only options');
    const minSeverity = MINIMUM_SEVERITIES.find((s) => s === values['min-severity']?.toLowerCase());
    if (!minSeverity) throw new UsageError(`remediate needs --min-severity ${MINIMUM_SEVERITIES.join('|')}`);
    const narrow = {
      ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    };
    const rows = await exposedRows(values, io, { minSeverity, ...narrow, ...(values.fixable ? { fixable: 'true' } : {}) });
    const lines: RemediationLine[] = [];
    for (const [digest, group] of byDigest(rows)) {
      const line: RemediationLine = {
        digest,
        reference: group[0]?.references[0] ?? null,
        workloads: group.map((r) => `${r.cluster}/${r.namespace} ${r.workloadKind}/${r.workloadName}`),
        status: 'done',
        workItems: [],
      };
      if (group[0]?.runs.length === 0) {
        lines.push({ ...line, status: 'no-owner' });
        continue;
      }
      const answer = await postJson(values, io, '/api/v1/remediations', {
        digest,
        minSeverity,
        ...narrow,
        ...(values.fixable ? { fixable: true } : {}),
        ...(values['dry-run'] ? { dryRun: true } : {}),
      });
      if (answer.status === 200 || answer.status === 201) lines.push({ ...line, workItems: (answer.body as RemediationResult).workItems });
      else lines.push({ ...line, status: 'failed', error: `${answer.status} ${(answer.body as { detail?: string }).detail ?? ''}` });
    }
    io.out(values.json ? JSON.stringify(lines, null, 2) : formatRemediation(lines));
    return lines.some((l) => l.status === 'failed') ? 1 : 0;
  },
};
