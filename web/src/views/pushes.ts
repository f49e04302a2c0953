/** The image page (`#/images/{digest}`) and the run page (`#/runs/{id}?organization&project&hub`). */
import { ApiError, type ApiClient } from '../api';
import { externalLink, h, show, statusLine } from '../dom';
import { imageHref, runHref, runLabel } from '../rows';
import type { ImageDetail, ImagePush } from '../types';
import { commitUrl, pushDetails } from './pushDetails';

function pushTable(pushes: readonly ImagePush[], caption: string): HTMLElement {
  const headers = ['Pushed at', 'Image', 'Run', 'Job', 'Agent', 'Commit', 'Branch', 'Attribution'];
  return h(
    'table',
    { class: 'results pushes' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...pushes.map((p) =>
        h(
          'tr',
          {},
          h('td', {}, p.pushedAt),
          h('td', {}, h('a', { href: imageHref(p.digest) }, p.reference)),
          h('td', {}, h('a', { href: runHref(p) }, runLabel(p))),
          h('td', {}, p.job.name ?? p.job.id),
          h('td', {}, p.agent.name ?? ''),
          h('td', {}, p.commit ? externalLink(commitUrl(p), p.commit.slice(0, 12)) : ''),
          h('td', {}, p.branch ?? ''),
          h('td', {}, p.attribution === 'ambiguous' ? `ambiguous: ${p.attributionReason ?? ''}` : 'exclusive'),
        ),
      ),
    ),
  );
}

/** Where the image runs (every cluster snapshot's workloads running its digest) and how each is exposed. */
function runningTable(running: ImageDetail['running']): HTMLElement {
  if (running.length === 0) return h('p', {}, 'No imported cluster snapshot runs this image.');
  const headers = ['Cluster', 'Namespace', 'Workload', 'Exposure', 'Snapshot taken'];
  return h(
    'table',
    { class: 'results running' },
    h('caption', {}, 'Every workload running this image'),
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...running.map((p) =>
        h(
          'tr',
          {},
          h('td', {}, p.cluster),
          h('td', {}, p.namespace),
          h('td', {}, `${p.workloadKind}/${p.workloadName}`),
          h(
            'td',
            {},
            p.exposure.length === 0
              ? 'not exposed'
              : `${p.internetExposed ? 'internet' : 'node only'}: ${[...new Set(p.exposure.map((e) => e.via))].join(', ')}`,
          ),
          h('td', {}, p.snapshotTakenAt),
        ),
      ),
    ),
  );
}

/** The image's findings, merged across scanners: counts, then the most severe with their fixed versions. */
function findingsSection(findings: ImageDetail['findings']): HTMLElement[] {
  const c = findings.counts;
  const counts = `${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low`;
  if (findings.scans.length === 0) return [h('p', {}, 'No scanner findings are stored for this image.')];
  const scanners = findings.scans.map((s) => `${s.scanner}${s.scannedAt ? ` (${s.scannedAt})` : ''}`).join(', ');
  return [
    h('p', { class: 'finding-counts' }, `${counts}; scanned by ${scanners}`),
    h(
      'table',
      { class: 'results findings' },
      h('caption', {}, 'The most severe findings'),
      h(
        'thead',
        {},
        h('tr', {}, ...['Vulnerability', 'Severity', 'Package', 'Installed', 'Fixed in'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h(
        'tbody',
        {},
        ...findings.topFindings.map((f) => {
          const o = f.occurrences[0];
          return h(
            'tr',
            {},
            h('td', {}, f.vulnerabilityId),
            h('td', {}, f.severity),
            h('td', {}, o?.packageName ?? ''),
            h('td', {}, o?.installedVersion ?? ''),
            h('td', {}, o?.fixedVersion ?? 'no fix known'),
          );
        }),
      ),
    ),
  ];
}

export async function imageView(main: HTMLElement, api: ApiClient, digest: string): Promise<void> {
  show(main, h('h1', {}, 'Image'), statusLine('Loading…'));
  let image;
  try {
    image = await api.image(digest);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    // The service knows no push of this digest: it runs, but no run is known to have built it.
    show(
      main,
      h('h1', {}, 'Image'),
      h('p', { class: 'digest' }, h('code', {}, digest)),
      statusLine('unmapped: no run is known to have pushed this image, so it has no owner to ask.'),
    );
    return;
  }
  const newest = image.pushes[0];
  show(
    main,
    h('h1', {}, 'Image'),
    h('p', { class: 'digest' }, h('code', {}, image.digest)),
    statusLine(image.pushes.length === 0 ? 'unmapped: no run is known to have pushed this image' : `attribution: ${image.attribution}`),
    h('h2', {}, 'Pushed as'),
    h(
      'ul',
      {},
      ...image.references.map((r) =>
        h('li', {}, `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''} (first ${r.firstPushedAt}, last ${r.lastPushedAt})`),
      ),
    ),
    h('h2', {}, 'Runs in'),
    runningTable(image.running),
    h('h2', {}, 'Findings'),
    ...findingsSection(image.findings),
    h('h2', {}, 'Pushed by'),
    pushTable(image.pushes, 'Every push of this image, newest first'),
    newest
      ? h('section', { 'aria-labelledby': 'newest-title' }, h('h2', { id: 'newest-title' }, 'Newest push'), pushDetails(newest))
      : null,
  );
}

export async function runView(main: HTMLElement, api: ApiClient, runId: string, params: URLSearchParams): Promise<void> {
  show(main, h('h1', {}, `Run ${runId}`), statusLine('Loading…'));
  const narrowed = new URLSearchParams();
  for (const key of ['organization', 'project', 'hub', 'provider']) {
    const value = params.get(key);
    if (value) narrowed.set(key, value);
  }
  const page = await api.run(runId, narrowed);
  const first = page.items[0];
  show(
    main,
    h('h1', {}, first ? `Run ${first.run.number} of ${first.pipeline.name}` : `Run ${runId}`),
    first ? pushDetails(first) : statusLine('This run reported no image.'),
    h('h2', {}, 'Images it pushed'),
    pushTable(page.items, 'Every image the run pushed'),
    page.nextCursor ? h('p', { class: 'note' }, 'The run pushed more images than this page shows.') : null,
  );
}
