/**
 * The rows `query source` prints: one per (image the source built, workload running it) — an
 * image running nowhere is one row with empty place fields — flattened so that every value has
 * its own field. Pure formatting, no I/O.
 */
import { SEVERITIES } from '../explorer/vulnerabilities/severity';
import type { MergedFinding } from '../explorer/vulnerabilities/merge';
import type { SourceImage } from '../store/explorerSource';
import type { ImagePush } from '../schemas/images';
import { csvField, describeExposure, providerAndCommitUrl } from './exposedRows';
import { formatTable } from './table';

/** One push of the row's digest by the source. */
export interface SourceRunLine {
  pipelineId: number;
  pipeline: string;
  runId: number;
  runNumber: string;
  runUrl: string | null;
  /** `registry/repository[:tag]@digest` as pushed. */
  reference: string;
  pushedAt: string;
  commit: string | null;
  branch: string | null;
  /** Where the run ran: `azure-devops` or `github`. */
  provider: ImagePush['provider'];
  /** The commit's page on GitHub for a GitHub run; `null` for Azure DevOps. */
  commitUrl: string | null;
}

/** One finding in a few fields. */
export interface SourceFindingLine {
  id: string;
  severity: string;
  packageName: string;
  installedVersion: string;
  /** The first fixed version any scanner gave, else `null`. */
  fixedVersion: string | null;
}

/** One element of `query source --json`. */
export interface SourceLine {
  digest: string;
  lastPushedAt: string;
  /** Every push by the source, newest first. */
  runs: SourceRunLine[];
  /** Where it runs; all `null` when it runs nowhere. */
  cluster: string | null;
  namespace: string | null;
  workloadKind: string | null;
  workloadName: string | null;
  internetExposed: boolean | null;
  exposure: string[];
  critical: number;
  high: number;
  medium: number;
  low: number;
  negligible: number;
  unknown: number;
  topFindings: SourceFindingLine[];
}

function findingLine(f: MergedFinding): SourceFindingLine {
  const first = f.occurrences[0];
  return {
    id: f.vulnerabilityId,
    severity: f.severity,
    packageName: first?.packageName ?? '',
    installedVersion: first?.installedVersion ?? '',
    fixedVersion: f.occurrences.find((o) => o.fixedVersion !== null)?.fixedVersion ?? null,
  };
}

/** Flattens the service's page. */
export function toSourceLines(images: readonly SourceImage[]): SourceLine[] {
  return images.flatMap((image): SourceLine[] => {
    const common = {
      digest: image.digest,
      lastPushedAt: image.lastPushedAt,
      runs: image.pushes.map((p) => ({
        pipelineId: p.pipeline.id,
        pipeline: p.pipeline.name,
        runId: p.run.id,
        runNumber: p.run.number,
        runUrl: p.run.url,
        reference: p.reference,
        pushedAt: p.pushedAt,
        commit: p.commit,
        branch: p.branch,
        ...providerAndCommitUrl(p),
      })),
    };
    const findings = { ...image.findings.counts, topFindings: image.findings.topFindings.map(findingLine) };
    const nowhere = { cluster: null, namespace: null, workloadKind: null, workloadName: null, internetExposed: null, exposure: [] };
    if (image.running.length === 0) return [{ ...common, ...nowhere, ...findings }];
    return image.running.map((place) => ({
      ...common,
      cluster: place.cluster,
      namespace: place.namespace,
      workloadKind: place.workloadKind,
      workloadName: place.workloadName,
      internetExposed: place.internetExposed,
      exposure: place.exposure.map(describeExposure),
      ...findings,
    }));
  });
}

const findingText = (f: SourceFindingLine) => `${f.id} ${f.packageName}${f.fixedVersion ? ` → ${f.fixedVersion}` : ''}`;
const place = (l: SourceLine) =>
  l.cluster === null
    ? ['not running', '', '']
    : [
        `${l.cluster}/${l.namespace ?? ''}`,
        `${l.workloadKind ?? ''}/${l.workloadName ?? ''}`,
        l.internetExposed ? 'internet' : l.exposure.length > 0 ? 'node' : '-',
      ];

/** The table: one row per (image, workload), with the newest push's run; the top finding with its fix. */
export function formatSource(lines: readonly SourceLine[]): string {
  if (lines.length === 0) return 'no run of this source pushed an image';
  return formatTable(
    ['IMAGE', 'PUSHED AT', 'RUN', 'COMMIT', 'WHERE', 'WORKLOAD', 'EXPOSED', 'CRIT', 'HIGH', 'MED', 'LOW', 'TOP FINDING'],
    lines.map((l) => {
      const newest = l.runs[0];
      return [
        newest ? newest.reference.replace(/@sha256:[0-9a-f]{64}$/, `@${l.digest.slice(0, 19)}`) : l.digest.slice(0, 19),
        l.lastPushedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        newest ? `${newest.pipeline} #${newest.runId} (${newest.runNumber})${l.runs.length > 1 ? ` +${l.runs.length - 1}` : ''}` : '-',
        `${newest?.commit?.slice(0, 8) ?? '-'} ${newest?.branch ?? '-'}`,
        ...place(l),
        ...SEVERITIES.slice(0, 4).map((s) => String(l[s])),
        l.topFindings[0] ? findingText(l.topFindings[0]) : '-',
      ];
    }),
  );
}

/** The CSV header of `query source --csv`. */
export const SOURCE_CSV_HEADER = [
  'digest',
  'cluster',
  'namespace',
  'workloadKind',
  'workloadName',
  'internetExposed',
  'exposure',
  ...SEVERITIES,
  'topFindings',
  'reference',
  'pushedAt',
  'pipelineId',
  'pipeline',
  'runId',
  'runNumber',
  'commit',
  'branch',
  'runUrl',
  'provider',
  'commitUrl',
] as const;

/** The CSV: one line per (row, push), newest push first. Lines end in CRLF (RFC 4180). */
export function formatSourceCsv(lines: readonly SourceLine[]): string {
  const out = [SOURCE_CSV_HEADER.join(',')];
  for (const l of lines) {
    const head = [
      l.digest,
      l.cluster,
      l.namespace,
      l.workloadKind,
      l.workloadName,
      l.internetExposed === null ? null : String(l.internetExposed),
      l.exposure.join('; '),
      ...SEVERITIES.map((s) => l[s]),
      l.topFindings.map(findingText).join('; '),
    ];
    for (const r of l.runs) {
      out.push(
        [
          ...head,
          r.reference,
          r.pushedAt,
          r.pipelineId,
          r.pipeline,
          r.runId,
          r.runNumber,
          r.commit,
          r.branch,
          r.runUrl,
          r.provider,
          r.commitUrl,
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return out.join('\r\n');
}
