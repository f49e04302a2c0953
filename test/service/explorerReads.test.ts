import { strict as assert } from 'node:assert';
import { listExposed, type SqlReader } from '../../service/src/store/explorerReads';
import type { Query } from '../../service/src/store/sql/queries';

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

/**
 * A reader that answers the three queries `listExposed` sends from plain data: `candidates` exposed
 * (workload, image) rows in key order, each image with one high finding, no pushes. It records the
 * digests whose findings were asked for.
 */
function fakeReader(candidates: number): { read: SqlReader; findingsOf: string[] } {
  const findingsOf: string[] = [];
  const rows = Array.from({ length: candidates }, (_, i) => ({
    cluster: 'prod',
    taken_at: '2026-11-28T00:00:00.000Z',
    imported_at_ms: Date.parse('2026-11-28T00:01:00.000Z'),
    source: 'import',
    imported_by: null,
    namespace: 'shop',
    kind: 'Deployment',
    name: `app-${String(i).padStart(3, '0')}`,
    digest: digest(i + 1),
    references_json: '[]',
    paths_json: '[{"exposure":"internet","via":"LoadBalancer","service":"web","ports":[443]}]',
  }));
  const read: SqlReader = async (query: Query) => {
    if (query.sql.includes('FROM running_images')) {
      const limit = Number(query.params[query.params.length - 1]);
      const after = query.params.length > 2 ? String(query.params[query.params.length - 3]) : '';
      return rows.filter((r) => r.name > after).slice(0, limit);
    }
    if (query.sql.includes('FROM scan_findings')) {
      findingsOf.push(...query.params.map(String));
      return query.params.map((d) => ({
        digest: d,
        tool: 'trivy',
        vulnerability_id: 'CVE-2024-0001',
        aliases_json: '[]',
        advisories_json: '[]',
        severity: 'high',
        package_name: 'openssl',
        installed_version: '3.0.0',
        fixed_version: null,
        scanner: 'Trivy',
        scanner_version: null,
        scanned_at: null,
        image_references_json: '[]',
      }));
    }
    return [];
  };
  return { read, findingsOf };
}

describe('the exposed question over the store reader', () => {
  it('reads the findings of only the candidates one page needs: the page and the row that says another follows', async () => {
    // Each candidate costs reading and merging all its image's findings (bench:explorer: 50 per image).
    const { read, findingsOf } = fakeReader(300);
    const page = await listExposed(read, { minSeverity: 'high' }, { limit: 2 });
    assert.deepEqual(
      page.items.map((r) => r.workloadName),
      ['app-000', 'app-001'],
    );
    assert.notEqual(page.nextCursor, null);
    assert.deepEqual(findingsOf, [digest(1), digest(2), digest(3)]);
  });

  it('still walks every candidate, page after page, when the pages are small', async () => {
    const { read } = fakeReader(7);
    const names: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await listExposed(read, { minSeverity: 'high' }, { limit: 3, ...(cursor ? { cursor } : {}) });
      names.push(...page.items.map((r) => r.workloadName));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(names, ['app-000', 'app-001', 'app-002', 'app-003', 'app-004', 'app-005', 'app-006']);
  });
});
