/** Coverage: per cluster and namespace, how many running images a run is known to have pushed. */
import type { ApiClient } from '../api';
import { h, show, statusLine } from '../dom';
import { imageHref } from '../rows';

export async function coverageView(main: HTMLElement, api: ApiClient): Promise<void> {
  show(main, h('h1', {}, 'Coverage'), statusLine('Loading…'));
  const rows = await api.coverage(undefined, true);
  // Where images are unmapped comes first: that is where an owner is missing.
  const sorted = [...rows].sort(
    (a, b) => b.unmapped - a.unmapped || a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace),
  );
  const total = rows.reduce((n, r) => ({ images: n.images + r.images, mapped: n.mapped + r.mapped }), { images: 0, mapped: 0 });
  // The unmapped images themselves, first: each is a running image nobody can be asked to fix yet.
  const unmapped = sorted.flatMap((r) =>
    (r.unmappedImages ?? []).map((image) => ({ cluster: r.cluster, namespace: r.namespace, ...image })),
  );
  show(
    main,
    h('h1', {}, 'Coverage'),
    statusLine(`${total.mapped} of ${total.images} running images are mapped to the run that pushed them.`),
    unmapped.length === 0
      ? h('p', {}, 'Every running image with a digest is mapped to a run.')
      : h(
          'table',
          { class: 'results unmapped-images' },
          h('caption', {}, 'Unmapped running images: no report names their digest, so no pipeline owns them'),
          h('thead', {}, h('tr', {}, ...['Cluster', 'Namespace', 'Workloads', 'Image', 'Digest'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            ...unmapped.map((u) =>
              h(
                'tr',
                {},
                h('td', {}, u.cluster),
                h('td', {}, u.namespace),
                h('td', {}, u.workloads.map((w) => `${w.kind}/${w.name}`).join(', ')),
                h('td', {}, u.references.join(', ')),
                h('td', {}, h('a', { href: imageHref(u.digest) }, h('code', {}, u.digest))),
              ),
            ),
          ),
        ),
    rows.length === 0
      ? statusLine('No cluster snapshot has been imported yet.')
      : h(
          'table',
          { class: 'results coverage' },
          h('caption', {}, 'Running images per cluster and namespace, unmapped first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Cluster', 'Namespace', 'Images', 'Mapped', 'Unmapped', 'Unresolved', 'Mapped share'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            ...sorted.map((r) => {
              const share = r.images === 0 ? 0 : Math.round((100 * r.mapped) / r.images);
              return h(
                'tr',
                {},
                h('td', {}, r.cluster),
                h('td', {}, r.namespace),
                h('td', { class: 'num' }, r.images),
                h('td', { class: 'num' }, r.mapped),
                h('td', { class: r.unmapped > 0 ? 'num unmapped' : 'num' }, r.unmapped),
                h('td', { class: 'num' }, r.unresolved),
                h(
                  'td',
                  {},
                  h('meter', { min: '0', max: '100', value: String(share), 'aria-label': `${r.cluster}/${r.namespace} mapped share` }),
                  ` ${share} %`,
                ),
              );
            }),
          ),
        ),
    h('p', { class: 'note' }, 'Unresolved: the cluster reported an image by tag only, so no digest can be matched to a run.'),
  );
}
