/**
 * What the step shows of what it mapped: the outputs (`digests`, `images`) and the rows of the
 * job summary's table (core.summary, written to the GITHUB_STEP_SUMMARY file). Pure.
 */
import type { PushedImage } from '../../common/report';

/** `registry/repository:tag` (or `@digest` when untagged), as the summary and the outputs name an image. */
export function imageName(image: PushedImage): string {
  return `${image.registry}/${image.repository}${image.tag !== undefined ? `:${image.tag}` : ''}`;
}

/** The `digests` output: each digest once, one per line, in the order found. */
export function digestsOutput(images: readonly PushedImage[]): string {
  return [...new Set(images.map((i) => i.digest))].join('\n');
}

/** The `images` output: `[{"image": "registry/repository:tag", "digest": "sha256:…"}]`. */
export function imagesOutput(images: readonly PushedImage[]): string {
  return JSON.stringify(images.map((i) => ({ image: imageName(i), digest: i.digest })));
}

/** Text for an HTML table cell (core.summary puts cell text into the markup as it is). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A cell as core.summary's addTable takes it. */
export type SummaryCell = string | { data: string; header?: boolean };

/** The summary's table: a header row, then one row per image (at most `limit`). */
export function summaryRows(images: readonly PushedImage[], limit = 100): SummaryCell[][] {
  const rows: SummaryCell[][] = [
    [
      { data: 'Image', header: true },
      { data: 'Digest', header: true },
      { data: 'Platforms', header: true },
    ],
  ];
  for (const image of images.slice(0, limit)) {
    const platforms =
      image.platforms?.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/')).join(', ') ??
      [image.os, image.architecture].filter(Boolean).join('/');
    rows.push([escapeHtml(imageName(image)), `<code>${escapeHtml(image.digest)}</code>`, escapeHtml(platforms)]);
  }
  return rows;
}
