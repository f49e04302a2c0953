/** What `query image` prints after the pushes: where the image runs and what scanners found in it. Pure formatting. */
import { SEVERITIES } from '../explorer/vulnerabilities/severity';
import type { ImageUsage } from '../store/explorerSource';
import { describeExposure } from './exposedRows';
import { formatTable } from './table';

/** The "runs in" and "findings" sections of `query image`. */
export function formatImageUsage(usage: ImageUsage): string {
  const lines = ['runs in:'];
  if (usage.running.length === 0) lines.push('  no imported cluster snapshot runs it');
  else {
    lines.push(
      formatTable(
        ['CLUSTER', 'NAMESPACE', 'WORKLOAD', 'EXPOSURE', 'SNAPSHOT'],
        usage.running.map((p) => [
          p.cluster,
          p.namespace,
          `${p.workloadKind}/${p.workloadName}`,
          p.exposure.map(describeExposure).join('; ') || '-',
          p.snapshotTakenAt,
        ]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  const { counts, topFindings, scans } = usage.findings;
  lines.push('', `findings: ${SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ')}`);
  for (const f of topFindings) {
    const fix = f.occurrences.find((o) => o.fixedVersion !== null)?.fixedVersion;
    const pkg = f.occurrences[0];
    lines.push(
      `  ${f.severity.padEnd(8)} ${f.vulnerabilityId}  ${pkg ? `${pkg.packageName} ${pkg.installedVersion}` : ''}${fix ? ` → ${fix}` : ''}`,
    );
  }
  for (const s of scans)
    lines.push(
      `  scanned by ${s.scanner}${s.scannerVersion ? ` ${s.scannerVersion}` : ''} (${s.format}) at ${s.scannedAt ?? 'an unknown time'}`,
    );
  if (scans.length === 0) lines.push('  no scanner reported findings for it');
  return lines.join('\n');
}
