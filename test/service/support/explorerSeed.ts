/**
 * The explorer seed of the query tests: the kubectl fixture as cluster `prod`, the scanner
 * fixtures as findings of its images, and two runs (12 and 13) that pushed `web`'s digest.
 * Everything goes through the pure cores, as the import gives it to the store.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClusterSnapshot } from '../../../service/src/explorer/kubernetes/snapshot';
import type { ClusterSnapshot } from '../../../service/src/explorer/kubernetes/model';
import { parseScannerDocument } from '../../../service/src/explorer/vulnerabilities/parse';
import type { ImageScan } from '../../../service/src/explorer/vulnerabilities/finding';
import type { Store } from '../../../service/src/store/store';
import { loadFixture } from '../../explorer/vulnerabilityFixtures';
import { image, makeReport } from './reports';

/** The kubectl fixture, as a snapshot. */
export const SNAPSHOT: ClusterSnapshot = buildClusterSnapshot(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'explorer', 'kubectl-list.json'), 'utf8')) as unknown,
);

/** The resolved digest the fixture's workload `name` runs. */
export function digestOfWorkload(name: string): string {
  const digest = SNAPSHOT.workloads.find((w) => w.name === name)?.images[0]?.digest;
  assert.ok(digest, `workload ${name} runs a resolved digest`);
  return digest;
}

export const WEB = digestOfWorkload('web');
export const API = digestOfWorkload('api');
export const ADMIN = digestOfWorkload('admin');

function scanOf(fixture: 'trivy-web-api.json' | 'grype-web-api.json', digest: string): ImageScan[] {
  return parseScannerDocument(loadFixture(fixture)).scans.map((scan) => ({ ...scan, digest }));
}

/** Seeds `store`: `prod` taken at 2026-03-02T08:00Z, findings on web, api and admin, runs 12 and 13 for web. */
export async function seedExplorer(store: Store): Promise<void> {
  await store.replaceClusterSnapshot('prod', SNAPSHOT, new Date('2026-03-02T08:00:00Z'));
  await store.replaceScans([...scanOf('trivy-web-api.json', WEB), ...scanOf('grype-web-api.json', WEB)]);
  await store.replaceScans([...scanOf('trivy-web-api.json', API), ...scanOf('grype-web-api.json', ADMIN)]);
  const context = { principal: 'test', receivedAt: new Date('2026-03-01T10:05:00Z'), ambiguityWindowMs: 1500 };
  await store.ingest(makeReport({ images: [image({ digest: WEB })] }), context);
  const later = image({ digest: WEB, tag: '1.0.1', pushedAt: '2026-03-01T11:00:00.000Z' });
  await store.ingest(makeReport({ pipeline: { runId: 13, runNumber: '20260301.2' }, images: [later] }), context);
}
