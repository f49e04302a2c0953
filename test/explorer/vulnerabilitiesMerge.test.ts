import { strict as assert } from 'node:assert';
import { atOrAbove, countBySeverity, hasFindingAtOrAbove, parseMinimumSeverity } from '../../service/src/explorer/vulnerabilities/count';
import type { Finding, ImageScan, ScanSource } from '../../service/src/explorer/vulnerabilities/finding';
import { mergeFindings } from '../../service/src/explorer/vulnerabilities/merge';
import { parseScannerDocument } from '../../service/src/explorer/vulnerabilities/parse';
import { replaceScans } from '../../service/src/explorer/vulnerabilities/replace';
import { higherSeverity, isAtOrAbove, normaliseSeverity, type Severity } from '../../service/src/explorer/vulnerabilities/severity';
import { loadFixture, WEB_API, WORKER } from './vulnerabilityFixtures';

const TRIVY: ScanSource = { format: 'trivy', scanner: 'Trivy', scannerVersion: '0.58.1', scannedAt: '2026-11-20T09:00:00Z' };
const GRYPE: ScanSource = { format: 'grype', scanner: 'grype', scannerVersion: '0.84.0', scannedAt: '2026-11-20T09:05:00Z' };

function finding(vulnerabilityId: string, severity: Severity, more: Partial<Finding> = {}): Finding {
  return {
    vulnerabilityId,
    aliases: [],
    advisories: [],
    severity,
    packageName: 'libssl3',
    installedVersion: '3.0.11',
    fixedVersion: null,
    ...more,
  };
}

function scan(source: ScanSource, findings: Finding[], digest = WEB_API): ImageScan {
  return { digest, imageReferences: [], source, findings };
}

describe('normaliseSeverity', () => {
  const cases: Array<[string, string, Severity | undefined]> = [
    ['Trivy', 'CRITICAL', 'critical'],
    ['Trivy', 'HIGH', 'high'],
    ['Trivy', 'MEDIUM', 'medium'],
    ['Trivy', 'LOW', 'low'],
    ['Trivy', 'UNKNOWN', 'unknown'],
    ['Grype', 'Critical', 'critical'],
    ['Grype', 'High', 'high'],
    ['Grype', 'Medium', 'medium'],
    ['Grype', 'Low', 'low'],
    ['Grype', 'Negligible', 'negligible'],
    ['Grype', 'Unknown', 'unknown'],
    ['Grype (no metadata)', '', 'unknown'],
    ['hand-edited', ' high ', 'high'],
    ['no scanner', 'SEVERE', undefined],
    ['no scanner', 'moderate', undefined],
  ];
  for (const [who, word, expected] of cases) {
    it(`reads ${who}'s ${JSON.stringify(word)} as ${String(expected)}`, () => {
      assert.equal(normaliseSeverity(word), expected);
    });
  }

  it('ranks negligible under low and over unknown', () => {
    assert.equal(isAtOrAbove('negligible', 'low'), false);
    assert.equal(isAtOrAbove('negligible', 'unknown'), true);
    assert.equal(isAtOrAbove('unknown', 'negligible'), false);
    assert.equal(higherSeverity('negligible', 'low'), 'low');
    assert.equal(higherSeverity('unknown', 'negligible'), 'negligible');
  });
});

describe('mergeFindings', () => {
  it('counts the same CVE from Trivy and Grype once and keeps both sources', () => {
    const merged = mergeFindings([scan(TRIVY, [finding('CVE-2023-0464', 'high')]), scan(GRYPE, [finding('CVE-2023-0464', 'high')])]);
    assert.equal(merged.length, 1);
    assert.deepEqual(
      merged[0]!.occurrences.map((o) => o.source.format),
      ['trivy', 'grype'],
    );
  });

  it('counts a CVE in two packages of one image once, with both packages as occurrences', () => {
    const merged = mergeFindings([
      scan(TRIVY, [
        finding('CVE-2023-0464', 'high', { packageName: 'libssl3' }),
        finding('CVE-2023-0464', 'high', { packageName: 'openssl' }),
      ]),
    ]);
    assert.equal(merged.length, 1);
    assert.deepEqual(
      merged[0]!.occurrences.map((o) => o.packageName),
      ['libssl3', 'openssl'],
    );
  });

  it('treats a GHSA id that Grype relates to a CVE as that CVE', () => {
    const merged = mergeFindings([
      scan(TRIVY, [finding('CVE-2022-40897', 'medium')]),
      scan(GRYPE, [finding('GHSA-r9hx-vwmv-q579', 'medium', { aliases: ['CVE-2022-40897'] })]),
    ]);
    assert.equal(merged.length, 1);
    assert.equal(merged[0]!.vulnerabilityId, 'CVE-2022-40897');
    assert.deepEqual(merged[0]!.aliases, ['GHSA-r9hx-vwmv-q579']);
    assert.deepEqual(
      merged[0]!.occurrences.map((o) => o.vulnerabilityId),
      ['CVE-2022-40897', 'GHSA-r9hx-vwmv-q579'],
    );
  });

  it('treats a bare GHSA finding as the CVE another scanner lists it beside, whatever the case of the id', () => {
    const merged = mergeFindings([
      scan(TRIVY, [finding('ghsa-r9hx-vwmv-q579', 'low')]),
      scan(GRYPE, [finding('GHSA-R9HX-VWMV-Q579', 'medium', { aliases: ['CVE-2022-40897'] })]),
    ]);
    assert.deepEqual(
      merged.map((m) => [m.vulnerabilityId, m.occurrences.length]),
      [['CVE-2022-40897', 2]],
    );
  });

  it('keeps a GHSA id listed beside two different CVEs as its own finding', () => {
    const merged = mergeFindings([
      scan(GRYPE, [finding('GHSA-aaaa-bbbb-cccc', 'high', { aliases: ['CVE-2024-0001'] })]),
      scan(GRYPE, [finding('CVE-2024-0002', 'high', { aliases: ['GHSA-aaaa-bbbb-cccc'] })]),
      scan(TRIVY, [finding('GHSA-aaaa-bbbb-cccc', 'high')]),
    ]);
    assert.deepEqual(merged.map((m) => m.vulnerabilityId).sort(), ['CVE-2024-0001', 'CVE-2024-0002', 'GHSA-aaaa-bbbb-cccc']);
  });

  it('never joins two CVEs that share a vendor advisory', () => {
    const merged = mergeFindings([
      scan(TRIVY, [
        finding('CVE-2023-0464', 'high', { advisories: ['DSA-5417-1'] }),
        finding('CVE-2023-0465', 'medium', { advisories: ['DSA-5417-1'] }),
      ]),
    ]);
    assert.deepEqual(
      merged.map((m) => [m.vulnerabilityId, m.advisories]),
      [
        ['CVE-2023-0464', ['DSA-5417-1']],
        ['CVE-2023-0465', ['DSA-5417-1']],
      ],
    );
  });

  const disagreements: Array<[Severity, Severity, Severity]> = [
    ['low', 'medium', 'medium'],
    ['critical', 'high', 'critical'],
    ['unknown', 'low', 'low'],
    ['negligible', 'unknown', 'negligible'],
  ];
  for (const [trivy, grype, expected] of disagreements) {
    it(`counts ${expected} when Trivy says ${trivy} and Grype says ${grype}, and keeps each scanner's own`, () => {
      const [merged] = mergeFindings([scan(TRIVY, [finding('CVE-2023-5678', trivy)]), scan(GRYPE, [finding('CVE-2023-5678', grype)])]);
      assert.equal(merged!.severity, expected);
      assert.deepEqual(
        merged!.occurrences.map((o) => o.severity),
        [trivy, grype],
      );
    });
  }

  it('keeps findings of different images apart', () => {
    const merged = mergeFindings([
      scan(TRIVY, [finding('CVE-2023-0464', 'high')], WEB_API),
      scan(TRIVY, [finding('CVE-2023-0464', 'high')], WORKER),
    ]);
    assert.deepEqual(merged.map((m) => m.digest).sort(), [WEB_API, WORKER].sort());
  });

  it('marks a finding fixable when any scanner names a fixed version', () => {
    const [merged] = mergeFindings([
      scan(TRIVY, [finding('CVE-2023-5678', 'low')]),
      scan(GRYPE, [finding('CVE-2023-5678', 'low', { fixedVersion: '3.0.12' })]),
    ]);
    assert.equal(merged!.fixable, true);
    const [unfixed] = mergeFindings([scan(TRIVY, [finding('CVE-2023-5678', 'low')])]);
    assert.equal(unfixed!.fixable, false);
  });

  it('merges the three fixtures of the web-api image into one finding per vulnerability, most severe first', () => {
    const scans = [
      ...parseScannerDocument(loadFixture('trivy-web-api.json')).scans,
      ...parseScannerDocument(loadFixture('grype-web-api.json')).scans,
      ...parseScannerDocument(loadFixture('trivy-operator-list.json')).scans,
    ];
    const webApi = mergeFindings(scans).filter((m) => m.digest === WEB_API);
    assert.deepEqual(
      webApi.map((m) => [m.vulnerabilityId, m.severity, m.occurrences.map((o) => o.source.format).join('+')]),
      [
        ['CVE-2024-0727', 'critical', 'grype'],
        ['CVE-2023-0464', 'high', 'trivy+trivy+trivy-operator'],
        ['CVE-2022-40897', 'medium', 'trivy+grype'],
        ['CVE-2023-5678', 'medium', 'trivy+grype'],
        ['CVE-2011-3374', 'low', 'trivy+grype'],
        ['TEMP-0841856-B18BAF', 'unknown', 'trivy'],
      ],
    );
  });
});

describe('replaceScans', () => {
  it("replaces one scanner's earlier findings for an image, and keeps the other scanner's", () => {
    const before = [
      scan(TRIVY, [finding('CVE-2023-0464', 'high'), finding('CVE-2023-5678', 'low')]),
      scan(GRYPE, [finding('CVE-2023-5678', 'medium')]),
    ];
    const after = replaceScans(before, [scan({ ...TRIVY, scannedAt: '2026-11-27T09:00:00Z' }, [finding('CVE-2023-5678', 'low')])]);
    const merged = mergeFindings(after);
    assert.deepEqual(
      merged.map((m) => [m.vulnerabilityId, m.occurrences.map((o) => `${o.source.format}@${o.source.scannedAt}`)]),
      [['CVE-2023-5678', ['grype@2026-11-20T09:05:00Z', 'trivy@2026-11-27T09:00:00Z']]],
      'CVE-2023-0464 is gone: the newer Trivy scan no longer reports it',
    );
  });

  it("keeps the same scanner's findings for other images", () => {
    const before = [scan(TRIVY, [finding('CVE-2023-0464', 'high')], WEB_API), scan(TRIVY, [finding('CVE-2023-42363', 'critical')], WORKER)];
    const after = replaceScans(before, [scan(TRIVY, [], WEB_API)]);
    assert.deepEqual(
      mergeFindings(after).map((m) => [m.digest, m.vulnerabilityId]),
      [[WORKER, 'CVE-2023-42363']],
    );
  });

  it('keeps every report of one image in one import (the operator writes one per workload)', () => {
    const incoming = [
      scan({ ...TRIVY, format: 'trivy-operator' }, [finding('CVE-2023-0464', 'high')]),
      scan({ ...TRIVY, format: 'trivy-operator' }, [finding('CVE-2023-0464', 'high')]),
    ];
    assert.equal(replaceScans([], incoming).length, 2);
  });

  it('gives the same set when the same file is imported twice', () => {
    const incoming = parseScannerDocument(loadFixture('trivy-web-api.json')).scans;
    const once = replaceScans([], incoming);
    assert.deepEqual(replaceScans(once, parseScannerDocument(loadFixture('trivy-web-api.json')).scans), once);
  });
});

describe('severity counts', () => {
  const findings = [
    { severity: 'critical' as const },
    { severity: 'high' as const },
    { severity: 'high' as const },
    { severity: 'negligible' as const },
    { severity: 'unknown' as const },
  ];

  it('counts every severity, zero where there is none', () => {
    assert.deepEqual(countBySeverity(findings), { critical: 1, high: 2, medium: 0, low: 0, negligible: 1, unknown: 1 });
  });

  const thresholds: Array<[Severity, number]> = [
    ['critical', 1],
    ['high', 3],
    ['medium', 3],
    ['low', 3],
  ];
  for (const [minimum, expected] of thresholds) {
    it(`finds ${expected} findings at or above ${minimum}`, () => {
      assert.equal(atOrAbove(findings, minimum).length, expected);
    });
  }

  it('says whether any finding reaches a severity', () => {
    assert.equal(hasFindingAtOrAbove([{ severity: 'medium' }], 'high'), false);
    assert.equal(hasFindingAtOrAbove([{ severity: 'medium' }, { severity: 'critical' }], 'high'), true);
    assert.equal(hasFindingAtOrAbove([{ severity: 'negligible' }], 'low'), false);
  });

  it('counts a CVE that two scanners report once, at the higher severity', () => {
    const merged = mergeFindings([scan(TRIVY, [finding('CVE-2023-5678', 'low')]), scan(GRYPE, [finding('CVE-2023-5678', 'high')])]);
    assert.deepEqual(countBySeverity(merged), { critical: 0, high: 1, medium: 0, low: 0, negligible: 0, unknown: 0 });
  });

  const minimums: Array<[string, Severity | undefined]> = [
    ['high', 'high'],
    ['CRITICAL', 'critical'],
    ['Low', 'low'],
    ['negligible', undefined],
    ['unknown', undefined],
    ['', undefined],
    ['severe', undefined],
  ];
  for (const [text, expected] of minimums) {
    it(`reads --min-severity ${JSON.stringify(text)} as ${String(expected)}`, () => {
      assert.equal(parseMinimumSeverity(text), expected);
    });
  }
});
