/**
 * Re-importing a scanner's results for an image replaces what that scanner said before about
 * that image, and nothing else: other scanners' findings for it, and its findings for other
 * images, stay.
 */
import type { ImageScan } from './finding';

function scanKey(scan: ImageScan): string {
  return `${scan.digest} ${scan.source.format}`;
}

/**
 * The findings set after importing `incoming`: every scan of `current` whose image (digest) and
 * tool (format) appear in `incoming` is dropped, then `incoming` is added whole (a Trivy Operator
 * list may hold several reports of one digest, one per workload; all are kept).
 */
export function replaceScans(current: readonly ImageScan[], incoming: readonly ImageScan[]): ImageScan[] {
  const replaced = new Set(incoming.map(scanKey));
  return [...current.filter((scan) => !replaced.has(scanKey(scan))), ...incoming];
}
