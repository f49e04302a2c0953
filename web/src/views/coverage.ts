/** Coverage: per cluster and namespace, how many running images a run is known to have pushed. */
import type { ApiClient } from '../api';
import { h, show, statusLine } from '../dom';

export async function coverageView(main: HTMLElement, api: ApiClient): Promise<void> {
  show(main, h('h1', {}, 'Coverage'), statusLine('Loading…'));
  const rows = await api.coverage();
  // Where images are unmapped comes first: that is where an owner is missing.
  const sorted = [...rows].sort(
    (a, b) => b.unmapped - a.unmapped || a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace),
  );
  const total = rows.reduce((n, r) => ({ images: n.images + r.images, mapped: n.mapped + r.mapped }), { images: 0, mapped: 0 });
  show(
    main,
    h('h1', {}, 'Coverage'),
    statusLine(`${total.mapped} of ${total.images} running images are mapped to the run that pushed them.`),
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
