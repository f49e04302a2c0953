/**
 * A service whose template query ("internet-exposed workloads running images with high-severity CVEs")
 * answers `rows` rows, seeded through its real routes only, in the tools' shapes (scripts/clusterDocuments.ts):
 * one kubectl List of cluster `large` with `rows` Deployments, each running an image of its own behind a
 * public LoadBalancer (every third behind an Ingress instead); one Trivy report per image with a high
 * finding; and, for three images in four, a report of the run that pushed it (run 5000 + i of pipeline
 * `i / 10 mod 20`, each of the 20 building from a repository of its own). The graph of a page therefore has a
 * workload, an image and (mostly) a run per row, the 20 repositories and one registry.
 *
 * Used by the browser tests of the graph's cap (test/web/graph.browser.test.ts) and by
 * `npm run bench:explorer`'s browser figures (1,000 rows).
 */
import assert from 'node:assert/strict';
import { kubectlList, trivyReport, type ClusterWorkload } from '../../../scripts/clusterDocuments';
import { post, startSqliteService } from './sqliteService';
import { digestOf, image, makeReport } from '../../service/support/reports';

export const LARGE_READ_TOKEN = 'cmt_large-read-token-0123456789';
const INGEST_TOKEN = 'cmt_large-ingest-token-0123456789';
const INVENTORY_TOKEN = 'cmt_large-inventory-token-0123456789';
/** The cluster the rows run in. */
export const LARGE_CLUSTER = 'large';
const PIPELINES = 20;

/** A running, seeded service. */
export interface LargeResultService {
  url: string;
  /** Rows the template query answers (checked by walking its pages). */
  rows: number;
  stop(): Promise<void>;
}

/** Runs `work` on every item, `width` at a time. */
async function eachLimited<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Rows of `GET /api/v1/exposed?minSeverity=high`, walked page by page. */
async function countRows(base: string, token: string): Promise<number> {
  let rows = 0;
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ minSeverity: 'high', limit: '500', ...(cursor ? { cursor } : {}) });
    const response = await fetch(`${base}/api/v1/exposed?${params.toString()}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, await response.clone().text());
    const page = (await response.json()) as { items: unknown[]; nextCursor: string | null };
    rows += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return rows;
}

/** Starts `serve` on SQLite and seeds it so that the template query answers `rows` rows. */
export async function startLargeResultService(rows: number, options: { readOpen?: boolean } = {}): Promise<LargeResultService> {
  const service = await startSqliteService(
    {
      prefix: 'cm-large',
      readOpen: options.readOpen ?? false,
      tokens: [
        { name: 'large-ingest', token: INGEST_TOKEN, scopes: ['ingest'] },
        { name: 'large-read', token: LARGE_READ_TOKEN, scopes: ['read'] },
        { name: 'large-inventory', token: INVENTORY_TOKEN, scopes: ['inventory'] },
      ],
    },
    async (base) => {
      const now = new Date();
      const workloads: ClusterWorkload[] = Array.from({ length: rows }, (_, i) => {
        const namespace = `team-${i % 10}`;
        return {
          namespace,
          name: `app-${i}`,
          image: `contoso.azurecr.io/${namespace}/app-${i}:1.0.${i}`,
          digest: digestOf(`large result image ${i}`),
          exposure: i % 3 === 2 ? { ingressHost: `app-${i}.contoso.com` } : 'LoadBalancer',
        };
      });
      await post(`${base}/api/v1/clusters/${LARGE_CLUSTER}/snapshot`, INVENTORY_TOKEN, kubectlList(workloads, now));
      const finding = (i: number) => ({
        id: `CVE-2024-${10000 + i}`,
        packageName: 'golang.org/x/net',
        installedVersion: '0.15.0',
        fixedVersion: '0.17.0',
        severity: 'HIGH' as const,
        title: 'a high finding for the large result',
      });
      await eachLimited(workloads, 4, (w) =>
        post(`${base}/api/v1/scans`, INVENTORY_TOKEN, trivyReport(w.image, w.digest, [finding(Number(w.name.slice(4)))], now)),
      );
      const mapped = workloads.map((w, i) => ({ w, i })).filter(({ i }) => i % 4 !== 3);
      await eachLimited(mapped, 4, ({ w, i }) => {
        const p = Math.floor(i / 10) % PIPELINES;
        const report = makeReport({
          pipeline: {
            definitionId: 100 + p,
            definitionName: `app-${p} CI`,
            runId: 5000 + i,
            runNumber: `20261128.${i}`,
            runUrl: `https://dev.azure.com/contoso/Shop/_build/results?buildId=${5000 + i}`,
          },
          source: {
            url: `https://dev.azure.com/contoso/Shop/_git/app-${p}`,
            name: `app-${p}`,
            id: `a1b2c3d4-0000-4000-8000-${String(p).padStart(12, '0')}`,
          },
          images: [image({ digest: w.digest, registry: 'contoso.azurecr.io', repository: `${w.namespace}/${w.name}`, tag: `1.0.${i}` })],
        });
        return post(`${base}/api/v1/reports`, INGEST_TOKEN, report);
      });
      const answered = await countRows(base, LARGE_READ_TOKEN);
      assert.equal(answered, rows, `the template query answers ${answered} rows, not ${rows}`);
      return answered;
    },
  );
  return { url: service.url, rows: service.seeded, stop: () => service.stop() };
}
