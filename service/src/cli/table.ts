/** Readable tables for the `query` command: pure formatting, no I/O. */
import type { ImageDetail, ImagePush } from '../schemas/images';

/** Left-aligned columns separated by two spaces; long cells are cut with an ellipsis. */
export function formatTable(headers: string[], rows: string[][], maxWidth = 60): string {
  const cut = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = [headers, ...rows].map((r) => r.map(cut));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const PUSH_HEADERS = ['PUSHED AT', 'IMAGE', 'RUN', 'PIPELINE', 'PROJECT', 'COMMIT', 'ATTRIBUTION'];

function pushRow(p: ImagePush, withDigest: boolean): string[] {
  const name = `${p.registry}/${p.repository}${p.tag ? `:${p.tag}` : ''}${withDigest ? `@${p.digest.slice(0, 19)}` : ''}`;
  return [
    p.pushedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    name,
    `${p.run.id} (${p.run.number})`,
    // A GitHub run's pipeline is its workflow (no id), its project the repository (`owner/name`).
    p.github ? `${p.pipeline.name} (GitHub)` : `${p.pipeline.name} #${p.pipeline.id}`,
    p.github ? p.github.repository : `${p.organization.name}/${p.project.name}`,
    p.commit?.slice(0, 12) ?? '-',
    p.attribution,
  ];
}

/** The table for a list of pushes. */
export function formatPushes(pushes: ImagePush[]): string {
  if (pushes.length === 0) return 'no images match';
  return formatTable(
    PUSH_HEADERS,
    pushes.map((p) => pushRow(p, true)),
  );
}

/** The answer to `query image`: the digest, its names, and each run that pushed it. */
export function formatImage(image: ImageDetail): string {
  const lines = [`digest       ${image.digest}`, `attribution  ${image.attribution}`, '', 'pushed as:'];
  for (const r of image.references) lines.push(`  ${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}`);
  lines.push('', 'pushed by:');
  lines.push(
    formatTable(
      PUSH_HEADERS,
      image.pushes.map((p) => pushRow(p, false)),
    ),
  );
  for (const p of image.pushes) {
    lines.push('', `run ${p.run.id} (${p.run.number})${p.run.url ? `  ${p.run.url}` : ''}`);
    const source = [p.sourceRepository.url ?? p.sourceRepository.name, p.branch, p.commit].filter((v): v is string => !!v);
    if (source.length > 0) lines.push(`  source  ${source.join('  ')}`);
    const job = [
      p.job.name ?? p.job.id,
      `attempt ${p.job.attempt}`,
      p.job.stage ? `stage ${p.job.stage}` : '',
      p.agent.name ? `agent ${p.agent.name}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`  job     ${job}`);
    if (p.github) {
      lines.push(
        `  github  ${p.github.repository}  workflow ${p.github.workflowRef}${p.github.eventName ? `  on ${p.github.eventName}` : ''}`,
      );
      if (p.github.commitUrl) lines.push(`  commit  ${p.github.commitUrl}`);
    }
    if (p.attributionReason) lines.push(`  ambiguous: ${p.attributionReason}`);
  }
  return lines.join('\n');
}
