/** One-line summaries of what the service stored for an import. */
import type { ScanImport, SnapshotImport } from '../schemas/inventory';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function skippedText(skipped: Record<string, number>): string {
  const entries = Object.entries(skipped);
  return entries.length === 0 ? '' : `; skipped: ${entries.map(([kind, n]) => `${kind} ${n}`).join(', ')}`;
}

/** `cluster prod: 10 workloads, 3 internet-exposed, 10 images (1 unresolved); skipped: ConfigMap 1`. */
export function formatSnapshotImport(answer: SnapshotImport): string {
  return (
    `cluster ${answer.cluster}: ${plural(answer.workloads, 'workload')}, ${answer.internetExposed} internet-exposed, ` +
    `${plural(answer.images, 'image')} (${answer.unresolved} unresolved)${skippedText(answer.skipped)}`
  );
}

/** `scan.json: trivy, 1 image, 12 findings`. */
export function formatScanImport(file: string, answer: ScanImport): string {
  return `${file}: ${answer.format}, ${plural(answer.images, 'image')}, ${plural(answer.findings, 'finding')}${skippedText(answer.skipped)}`;
}
