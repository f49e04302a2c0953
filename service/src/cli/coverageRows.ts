/**
 * What `query coverage` prints beyond the counts: the unmapped digests of each namespace and the
 * workloads running them, as a list under the table, or as flat CSV. Pure formatting, no I/O.
 */
import type { CoverageRow } from '../store/explorer';
import { csvField, formatCoverage } from './exposedRows';

/** The table of counts, then, per namespace with unmapped images, each digest with its references and workloads. */
export function formatCoverageWithUnmapped(rows: readonly CoverageRow[]): string {
  const lines = [formatCoverage(rows)];
  for (const row of rows) {
    const images = row.unmappedImages ?? [];
    if (images.length === 0) continue;
    lines.push('', `unmapped in ${row.cluster}/${row.namespace}:`);
    for (const image of images) {
      const workloads = image.workloads.map((w) => `${w.kind}/${w.name}`).join(', ');
      lines.push(`  ${image.digest}  ${image.references.join(', ') || '-'}  ${workloads}`);
    }
  }
  return lines.join('\n');
}

/** The CSV header of `query coverage --csv`. */
export const COVERAGE_CSV_HEADER = [
  'cluster',
  'namespace',
  'images',
  'mapped',
  'unmapped',
  'unresolved',
  'digest',
  'references',
  'workloadKind',
  'workloadName',
] as const;

/**
 * The CSV: one line per (namespace, unmapped digest, workload running it); a namespace without
 * unmapped images is one line with empty digest and workload fields. Lines end in CRLF (RFC 4180).
 */
export function formatCoverageCsv(rows: readonly CoverageRow[]): string {
  const out = [COVERAGE_CSV_HEADER.join(',')];
  for (const row of rows) {
    const head = [row.cluster, row.namespace, row.images, row.mapped, row.unmapped, row.unresolved];
    const images = row.unmappedImages ?? [];
    if (images.length === 0) out.push([...head, null, null, null, null].map(csvField).join(','));
    for (const image of images) {
      for (const w of image.workloads)
        out.push([...head, image.digest, image.references.join(' '), w.kind, w.name].map(csvField).join(','));
    }
  }
  return out.join('\r\n');
}
