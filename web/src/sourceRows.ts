/**
 * The pipelines / repositories table from a page of `GET /api/v1/sources/images`: one row per
 * pipeline of the named repository, with the images its runs pushed and how each runs exposed.
 * Pure, so that table, CSV and tests read the same values.
 */
import { exposureSummary, imageHref, runHref, runLabel, type Column, type Table, type TableRow } from './rows';
import type { ImagePush, SourceImage } from './types';

/** `prod/shop/Deployment/web: internet via Ingress ×2, LoadBalancer` per place; `not running` when none. */
export function placesSummary(image: SourceImage): string {
  if (image.running.length === 0) return 'not running';
  return image.running
    .map((place) => {
      const where = `${place.cluster}/${place.namespace}/${place.workloadKind}/${place.workloadName}`;
      if (place.exposure.length === 0) return `${where}: not exposed`;
      return `${where}: ${place.internetExposed ? 'internet' : 'node only'} via ${exposureSummary(place)}`;
    })
    .join('; ');
}

/** The image's name: the reference its newest push gave, without the digest, else the digest. */
export function sourceImageName(image: SourceImage): string {
  const push = image.pushes[0];
  return push ? `${push.registry}/${push.repository}${push.tag ? `:${push.tag}` : ''}` : image.digest;
}

const pipelineKey = (push: ImagePush): string => `${push.organization.url}|${push.pipeline.hub}|${push.pipeline.id}`;

/** One row per pipeline that pushed any of `items`, in order of its newest push (the route lists images most recently pushed first). */
export function sourceTable(items: readonly SourceImage[]): Table {
  const columns: Column[] = [
    { key: 'pipeline', label: 'Pipeline' },
    { key: 'repository', label: 'Source repository' },
    { key: 'project', label: 'Project' },
    { key: 'run', label: 'Newest run' },
    { key: 'images', label: 'Images' },
    { key: 'exposure', label: 'Runs in, and how it is exposed' },
    { key: 'critical', label: 'Critical', numeric: true },
    { key: 'high', label: 'High', numeric: true },
  ];
  const groups = new Map<string, { newest: ImagePush; images: SourceImage[] }>();
  for (const image of items) {
    for (const push of image.pushes) {
      const group = groups.get(pipelineKey(push));
      if (!group) groups.set(pipelineKey(push), { newest: push, images: [image] });
      else {
        if (push.pushedAt > group.newest.pushedAt) group.newest = push;
        if (!group.images.includes(image)) group.images.push(image);
      }
    }
  }
  const rows = [...groups].map(([key, { newest, images }]): TableRow => ({
    id: key,
    cells: {
      pipeline: `${newest.pipeline.name} (${newest.organization.name}/${newest.project.name})`,
      repository: newest.sourceRepository.name ?? newest.sourceRepository.url ?? '',
      project: newest.project.name,
      run: runLabel(newest),
      images: images
        .map((i) => `${sourceImageName(i)} (${i.findings.counts.critical} critical, ${i.findings.counts.high} high)`)
        .join('; '),
      exposure: images.map((i) => `${sourceImageName(i)} → ${placesSummary(i)}`).join('; '),
      critical: images.reduce((n, i) => n + i.findings.counts.critical, 0),
      high: images.reduce((n, i) => n + i.findings.counts.high, 0),
    },
    links: { run: runHref(newest), ...(images.length === 1 && images[0] ? { images: imageHref(images[0].digest) } : {}) },
  }));
  return { columns, rows };
}
