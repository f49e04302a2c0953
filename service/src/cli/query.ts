/**
 * `container-mapping query image <digest>`, `query images [filters]`, `query run <runId>`
 * (`query exposed` and `query coverage` are in `queryExposed.ts`):
 * asks a running service (default http://localhost:8080) or, with --database, the store directly.
 */
import { parseArgs } from 'node:util';
import { normalizeDigest } from '../../../common/imageReference';
import type { ImagePushPage } from '../schemas/images';
import { readImageDetail, type ImageExplorerDetail } from '../query/imageDetail';
import { toPushFilter } from '../query/pushFilter';
import { EVERY_RUN } from '../store/readScope';
import { openStore } from '../store/openStore';
import { UsageError, type Command, type CommandIo } from './command';
import { formatImageUsage } from './imageUsageText';
import { runExplorerQuery } from './queryExposed';
import { runSourceQuery } from './querySource';
import { fetchJson, type Values } from './serviceClient';
import { formatImage, formatPushes } from './table';

const FILTERS = [
  'registry',
  'repository',
  'tag',
  'organization',
  'project',
  'pipeline',
  'source-repository',
  'commit',
  'provider',
  'since',
  'until',
] as const;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  database: { type: 'string' },
  json: { type: 'boolean' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  hub: { type: 'string' },
  ...Object.fromEntries(FILTERS.map((f) => [f, { type: 'string' }])),
} as const;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function queryOf(values: Values): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...FILTERS, 'limit', 'cursor', 'hub']) {
    const v = values[key];
    if (typeof v === 'string') out[camel(key)] = v;
  }
  return out;
}

async function getImage(values: Values, io: CommandIo, digest: string): Promise<ImageExplorerDetail | null> {
  if (typeof values.database === 'string') {
    const store = await openStore(values.database);
    try {
      // The store read directly holds every organisation's runs: whoever can open it sees them all.
      return await readImageDetail(store, digest, EVERY_RUN);
    } finally {
      await store.close();
    }
  }
  return (await fetchJson(values, io, `/api/v1/images/${digest}`, {})) as ImageExplorerDetail | null;
}

async function listImages(values: Values, io: CommandIo, path: string, runId?: number): Promise<ImagePushPage> {
  const query = queryOf(values);
  if (typeof values.database === 'string') {
    const store = await openStore(values.database);
    try {
      const filter = toPushFilter(query);
      if (runId !== undefined) Object.assign(filter, { runId, hub: query.hub ?? 'build' });
      return await store.listPushes(filter, { limit: Number(query.limit ?? 50), ...(query.cursor ? { cursor: query.cursor } : {}) });
    } finally {
      await store.close();
    }
  }
  return (await fetchJson(values, io, path, query)) as ImagePushPage;
}

export const queryCommand: Command = {
  summary: 'look up images by digest, filters or run',
  usage:
    'query image <digest> | query images [--registry R] [--repository R] [--tag T] [--organization O] [--project P] ' +
    '[--pipeline P] [--source-repository S] [--commit C] [--provider azure-devops|github] [--since ISO] [--until ISO] [--limit N] [--cursor C] | ' +
    'query run <runId> [--organization O] [--project P] [--hub build|release] [--provider azure-devops|github] | ' +
    'query exposed --min-severity low|medium|high|critical [--cluster C] [--namespace N] [--fixable] ' +
    '[--repository SOURCE] [--organization O] [--project P] [--since ISO] [--until ISO] [--limit N] [--cursor C] [--csv] | ' +
    'query coverage [--cluster C] [--csv] | ' +
    'query source --repository URL|ID|NAME | --pipeline ID [--hub build|release] [--project P] [--organization O] ' +
    '[--since ISO] [--until ISO] [--limit N] [--cursor C] [--csv]; ' +
    'common: [--url http://localhost:8080] [--token T (or CM_TOKEN)] [--database URL (read the store directly)] [--json]',
  async run(args, io) {
    if (args[0] === 'exposed' || args[0] === 'coverage') return runExplorerQuery(args[0], args.slice(1), io);
    if (args[0] === 'source') return runSourceQuery(args.slice(1), io);
    const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
    const [what, target] = positionals;
    const print = (data: unknown, text: string) => io.out(values.json ? JSON.stringify(data, null, 2) : text);
    if (what === 'image') {
      const digest = normalizeDigest(target ?? '');
      if (!digest) throw new UsageError('query image needs a digest: sha256: and 64 hex digits');
      const image = await getImage(values, io, digest);
      if (!image) {
        io.err(`no image with digest ${digest} is known: never reported, running nowhere, never scanned`);
        return 1;
      }
      const pushes =
        image.pushes.length > 0 ? formatImage(image) : `digest       ${image.digest}\n\npushed by: no report names it (unmapped)`;
      print(image, `${pushes}\n\n${formatImageUsage(image)}`);
      return 0;
    }
    if (what === 'images' || what === 'run') {
      let runId: number | undefined;
      if (what === 'run') {
        if (!target || !/^\d+$/.test(target)) throw new UsageError('query run needs a run id');
        runId = Number(target);
      }
      const page = await listImages(values, io, runId === undefined ? '/api/v1/images' : `/api/v1/runs/${runId}`, runId);
      print(page, formatPushes(page.items) + (page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : ''));
      return 0;
    }
    throw new UsageError('query needs image, images, run, exposed, coverage or source');
  },
};
