/**
 * The rows `query exposed` prints: one per (workload, running image), flattened from the
 * service's answer so that every value has its own field. Pure formatting, no I/O.
 */
import type { ExposurePath } from '../explorer/kubernetes/model';
import { SEVERITIES } from '../explorer/vulnerabilities/severity';
import type { CoverageRow, ExposedRow } from '../store/explorer';
import { formatTable } from './table';
import type { RelatedDigest } from '../explorer/platforms/relation';
import type { ImagePush } from '../schemas/images';

/** One run that pushed the row's digest. */
export interface ExposedRunLine {
  pipelineId: number;
  pipeline: string;
  runId: number;
  runNumber: string;
  commit: string | null;
  branch: string | null;
  /** The run's page in Azure DevOps, when the report gave it. */
  runUrl: string | null;
  /** The job's name. */
  job: string | null;
  /** The source repository the run built, by name and by URL as the pipeline gave them. */
  repositoryName: string | null;
  repositoryUrl: string | null;
  /** `ambiguous` when other runs reported the same push (a shared Docker daemon). */
  attribution: 'exclusive' | 'ambiguous';
  /** The digest the run pushed: the row's, or one related to it (an index and its platform manifests). */
  pushedDigest: string;
  /** Where the run ran: `azure-devops` or `github`. */
  provider: ImagePush['provider'];
  /** The commit's page on GitHub for a GitHub run (`{server}/{owner}/{repo}/commit/{sha}`); `null` for Azure DevOps, whose answer names none. */
  commitUrl: string | null;
}

/** The provider and, for a GitHub run, the commit's page: what `query exposed` and `query source` add to each run. */
export function providerAndCommitUrl(push: ImagePush): { provider: ImagePush['provider']; commitUrl: string | null } {
  return { provider: push.provider, commitUrl: push.github?.commitUrl ?? null };
}

/** One element of `query exposed --json`. */
export interface ExposedLine {
  cluster: string;
  namespace: string;
  workloadKind: string;
  workloadName: string;
  /** Each exposure path in short (`LoadBalancer web:80`, `Ingress shop-web → web (shop.example.com/)`). */
  exposure: string[];
  /** The first image reference the pod gave, else `null`. */
  reference: string | null;
  digest: string;
  critical: number;
  high: number;
  medium: number;
  low: number;
  negligible: number;
  unknown: number;
  /** Every run that pushed the digest or a digest related to it, newest first; empty: unmapped. */
  runs: ExposedRunLine[];
  /** Digests matched to this one (`platform linux/arm64 sha256:… (report)`, `index sha256:… (registry)`). */
  relatedDigests: string[];
  snapshotTakenAt: string;
  /** Who made the snapshot (`token:<name>`, `scheduled-sync:<API server>`), `null` when not recorded. */
  snapshotImportedBy: string | null;
}

/** One exposure path in a few words. */
export function describeExposure(path: ExposurePath): string {
  switch (path.via) {
    case 'LoadBalancer':
      return `LoadBalancer ${path.service}:${path.ports.join(',')}`;
    case 'Ingress':
      return `Ingress ${path.ingress} → ${path.service} (${path.host ?? '*'}${path.path ?? ''})`;
    case 'HTTPRoute':
      return `HTTPRoute ${path.route.namespace}/${path.route.name} → ${path.service} (${path.hostnames.join(',') || '*'})`;
    case 'NodePort':
      return `NodePort ${path.service}:${path.nodePorts.join(',')}`;
    case 'hostPort':
      return `hostPort ${path.container}:${path.hostPorts.join(',')}`;
    case 'hostNetwork':
      return 'hostNetwork';
  }
}

/** A related digest in a few words: `platform linux/arm64 sha256:… (report, registry)`. */
export function describeRelated(related: RelatedDigest): string {
  const p = related.platform;
  const platform = p ? ` ${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : '';
  return `${related.relation}${platform} ${related.digest} (${related.sources.join(', ')})`;
}

/** Flattens the service's rows. */
export function toExposedLines(rows: readonly ExposedRow[]): ExposedLine[] {
  return rows.map((row) => ({
    cluster: row.cluster,
    namespace: row.namespace,
    workloadKind: row.workloadKind,
    workloadName: row.workloadName,
    exposure: row.exposure.map(describeExposure),
    reference: row.references[0] ?? null,
    digest: row.digest,
    ...row.counts,
    runs: row.runs.map((push) => ({
      pipelineId: push.pipeline.id,
      pipeline: push.pipeline.name,
      runId: push.run.id,
      runNumber: push.run.number,
      commit: push.commit,
      branch: push.branch,
      runUrl: push.run.url,
      job: push.job.name,
      repositoryName: push.sourceRepository.name,
      repositoryUrl: push.sourceRepository.url,
      attribution: push.attribution,
      pushedDigest: push.digest,
      ...providerAndCommitUrl(push),
    })),
    relatedDigests: (row.relatedDigests ?? []).map(describeRelated),
    snapshotTakenAt: row.snapshotTakenAt,
    snapshotImportedBy: row.snapshotImportedBy,
  }));
}

/** The exposure in a table cell: each kind of path once, with how many (`Ingress ×2, LoadBalancer`); the full paths are in --json and --csv. */
function exposureSummary(paths: readonly string[]): string {
  const byKind = new Map<string, number>();
  for (const path of paths) {
    const kind = path.split(' ')[0] ?? path;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  return [...byKind].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ') || '-';
}

const shortDigest = (digest: string) => digest.slice(0, 19);
/**
 * `pipeline #runId (number) repository@commit branch`: which run built it, from which repository and commit; a branch
 * without its `refs/heads/` (a tag keeps `refs/tags/`), so that the cell fits the table (--json and --csv have it whole).
 */
const runText = (run: ExposedRunLine) =>
  `${run.pipeline} #${run.runId} (${run.runNumber}) ${run.repositoryName ?? '-'}@${run.commit?.slice(0, 8) ?? '-'} ${run.branch?.replace(/^refs\/heads\//, '') ?? '-'}`;
const severityCounts = (line: ExposedLine) => SEVERITIES.slice(0, 4).map((s) => String(line[s]));

/** The table: one row per (workload, image); each further run of its digest on a line of its own below; `unmapped` when no report named it. */
export function formatExposed(lines: readonly ExposedLine[]): string {
  if (lines.length === 0) return 'no exposed workload runs an image with such findings';
  const rows: string[][] = [];
  for (const l of lines) {
    const [first, ...more] = l.runs;
    rows.push([
      l.cluster,
      l.namespace,
      `${l.workloadKind}/${l.workloadName}`,
      exposureSummary(l.exposure),
      `${l.reference ?? '-'}@${shortDigest(l.digest)}`,
      ...severityCounts(l),
      first ? runText(first) : 'unmapped',
    ]);
    for (const run of more) rows.push([...Array<string>(9).fill(''), runText(run)]);
  }
  return formatTable(['CLUSTER', 'NAMESPACE', 'WORKLOAD', 'EXPOSURE', 'IMAGE', 'CRIT', 'HIGH', 'MED', 'LOW', 'RUNS'], rows);
}

/** The CSV header of `query exposed --csv`. */
export const EXPOSED_CSV_HEADER = [
  'cluster',
  'namespace',
  'workloadKind',
  'workloadName',
  'exposure',
  'reference',
  'digest',
  ...SEVERITIES,
  'pipelineId',
  'pipeline',
  'runId',
  'runNumber',
  'commit',
  'branch',
  'runUrl',
  'job',
  'repositoryName',
  'repositoryUrl',
  'attribution',
  'pushedDigest',
  'provider',
  'commitUrl',
] as const;

/** One CSV field, quoted when it must be (RFC 4180: a comma, a quote or a line break; quotes doubled). */
export function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV: one line per (row, run); an unmapped row is one line with empty run fields. Lines end in CRLF (RFC 4180). */
export function formatExposedCsv(lines: readonly ExposedLine[]): string {
  const out = [EXPOSED_CSV_HEADER.join(',')];
  for (const l of lines) {
    const head = [l.cluster, l.namespace, l.workloadKind, l.workloadName, l.exposure.join('; '), l.reference, l.digest];
    const counts = SEVERITIES.map((s) => l[s]);
    const runs: (ExposedRunLine | null)[] = l.runs.length === 0 ? [null] : l.runs;
    for (const r of runs) {
      const tail = r
        ? [
            r.pipelineId,
            r.pipeline,
            r.runId,
            r.runNumber,
            r.commit,
            r.branch,
            r.runUrl,
            r.job,
            r.repositoryName,
            r.repositoryUrl,
            r.attribution,
            r.pushedDigest,
            r.provider,
            r.commitUrl,
          ]
        : Array<string>(14).fill('');
      out.push([...head, ...counts, ...tail].map(csvField).join(','));
    }
  }
  return out.join('\r\n');
}

/** The table of `query coverage`. */
export function formatCoverage(rows: readonly CoverageRow[]): string {
  if (rows.length === 0) return 'no cluster snapshot has been imported';
  return formatTable(
    ['CLUSTER', 'NAMESPACE', 'IMAGES', 'MAPPED', 'UNMAPPED', 'UNRESOLVED'],
    rows.map((r) => [r.cluster, r.namespace, String(r.images), String(r.mapped), String(r.unmapped), String(r.unresolved)]),
  );
}
