import { strict as assert } from 'node:assert';
import { detectFormat } from '../../service/src/explorer/vulnerabilities/detect';
import { VulnerabilityDocumentError } from '../../service/src/explorer/vulnerabilities/documentError';
import { parseScannerDocument } from '../../service/src/explorer/vulnerabilities/parse';
import { loadFixture, WEB_API, WORKER } from './vulnerabilityFixtures';

/** Sets a value deep in a parsed document, creating nothing: the path must exist up to its last step. */
function setAt(document: unknown, path: (string | number)[], value: unknown): void {
  let node = document as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function documentError(run: () => unknown): VulnerabilityDocumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof VulnerabilityDocumentError) return error;
    throw error;
  }
  assert.fail('expected a VulnerabilityDocumentError');
}

describe('detectFormat', () => {
  const operatorList = loadFixture('trivy-operator-list.json');
  const items = operatorList['items'] as unknown[];
  const cases: Array<[string, unknown, string]> = [
    ['a Trivy image report', loadFixture('trivy-web-api.json'), 'trivy'],
    ['a Grype image scan', loadFixture('grype-web-api.json'), 'grype'],
    ['a kubectl List of VulnerabilityReports', operatorList, 'trivy-operator'],
    ['a single VulnerabilityReport', items[0], 'trivy-operator'],
    ['a VulnerabilityReportList', { ...operatorList, kind: 'VulnerabilityReportList' }, 'trivy-operator'],
    ['an empty kubectl List (a cluster with no reports yet)', { apiVersion: 'v1', kind: 'List', items: [] }, 'trivy-operator'],
  ];
  for (const [what, document, format] of cases) {
    it(`reads ${what} as ${format}`, () => {
      assert.equal(detectFormat(document), format);
    });
  }

  const unknown: Array<[string, unknown]> = [
    ['a CycloneDX SBOM', { bomFormat: 'CycloneDX', specVersion: '1.5', components: [] }],
    ['a kubectl List of pods', { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' } }] }],
    ['a JSON array', [{ SchemaVersion: 2 }]],
    ['null', null],
    ['a Trivy report without ArtifactName', { SchemaVersion: 2, Results: [] }],
  ];
  for (const [what, document] of unknown) {
    it(`refuses ${what} at $ and names the three formats it expected`, () => {
      const error = documentError(() => detectFormat(document));
      assert.equal(error.path, '$');
      assert.match(error.message, /Trivy JSON.*Grype JSON.*Trivy Operator VulnerabilityReports/);
    });
  }

  it('refuses a Trivy report of schema version 1 at $.SchemaVersion', () => {
    const error = documentError(() => detectFormat({ ...loadFixture('trivy-web-api.json'), SchemaVersion: 1 }));
    assert.equal(error.path, '$.SchemaVersion');
    assert.match(error.message, /expected 2/);
  });
});

describe('parseScannerDocument', () => {
  it('reads a Trivy report: digest from Metadata.RepoDigests, every result, scanner version and scan time', () => {
    const { format, scans } = parseScannerDocument(loadFixture('trivy-web-api.json'));
    assert.equal(format, 'trivy');
    assert.equal(scans.length, 1);
    const [scan] = scans;
    assert.equal(scan!.digest, WEB_API);
    assert.deepEqual(scan!.imageReferences, [`127.0.0.1:5000/demo/web-api@${WEB_API}`]);
    assert.deepEqual(scan!.source, {
      format: 'trivy',
      scanner: 'Trivy',
      scannerVersion: '0.58.1',
      scannedAt: '2026-11-20T09:14:03.512817204Z',
    });
    assert.deepEqual(
      scan!.findings.map((f) => [f.vulnerabilityId, f.packageName, f.severity]),
      [
        ['CVE-2023-5678', 'libssl3', 'low'],
        ['CVE-2023-0464', 'libssl3', 'high'],
        ['CVE-2023-0464', 'openssl', 'high'],
        ['CVE-2011-3374', 'apt', 'low'],
        ['TEMP-0841856-B18BAF', 'bash', 'unknown'],
        ['CVE-2022-40897', 'setuptools', 'medium'],
      ],
    );
    assert.deepEqual(scan!.findings[0], {
      vulnerabilityId: 'CVE-2023-5678',
      aliases: [],
      advisories: ['DSA-5532-1'],
      severity: 'low',
      packageName: 'libssl3',
      installedVersion: '3.0.11-1~deb12u1',
      fixedVersion: '3.0.11-1~deb12u2',
    });
    assert.equal(scan!.findings[3]!.fixedVersion, null, 'no FixedVersion is no known fix');
  });

  it('keys a Trivy report pushed under two names to one digest once per distinct digest', () => {
    const document = loadFixture('trivy-web-api.json');
    setAt(document, ['Metadata', 'RepoDigests'], [`127.0.0.1:5000/demo/web-api@${WEB_API}`, `127.0.0.1:5001/mirror/web-api@${WEB_API}`]);
    const { scans } = parseScannerDocument(document);
    assert.deepEqual(
      scans.map((s) => [s.digest, s.imageReferences.length]),
      [[WEB_API, 2]],
    );
  });

  it('reads a Grype scan: aliases from relatedVulnerabilities, fix versions, descriptor as the source', () => {
    const { format, scans } = parseScannerDocument(loadFixture('grype-web-api.json'));
    assert.equal(format, 'grype');
    assert.equal(scans.length, 1, 'repoDigests and manifestDigest name the same digest');
    const [scan] = scans;
    assert.equal(scan!.digest, WEB_API);
    assert.deepEqual(scan!.source, {
      format: 'grype',
      scanner: 'grype',
      scannerVersion: '0.84.0',
      scannedAt: '2026-11-20T09:20:11.004512+00:00',
    });
    assert.deepEqual(scan!.findings[0], {
      vulnerabilityId: 'GHSA-r9hx-vwmv-q579',
      aliases: ['CVE-2022-40897'],
      advisories: [],
      severity: 'medium',
      packageName: 'setuptools',
      installedVersion: '65.5.0',
      fixedVersion: '65.5.1',
    });
    assert.deepEqual(scan!.findings[1]!.aliases, [], 'a related entry that repeats the id is no alias');
    assert.deepEqual(
      scan!.findings.map((f) => [f.vulnerabilityId, f.severity, f.fixedVersion]),
      [
        ['GHSA-r9hx-vwmv-q579', 'medium', '65.5.1'],
        ['CVE-2023-5678', 'medium', '3.0.11-1~deb12u2'],
        ['CVE-2011-3374', 'negligible', null],
        ['CVE-2024-0727', 'critical', null],
      ],
    );
  });

  it('keys a Grype scan of a multi-platform image under both the index (repoDigests) and the platform manifest', () => {
    const document = loadFixture('grype-web-api.json');
    setAt(document, ['source', 'target', 'manifestDigest'], WORKER);
    const { scans } = parseScannerDocument(document);
    assert.deepEqual(scans.map((s) => s.digest).sort(), [WEB_API, WORKER].sort());
    assert.ok(scans.every((s) => s.findings.length === 4));
  });

  it('reads a Grype scan with only manifestDigest (empty repoDigests, as for a local image)', () => {
    const document = loadFixture('grype-web-api.json');
    setAt(document, ['source', 'target', 'repoDigests'], []);
    assert.deepEqual(
      parseScannerDocument(document).scans.map((s) => s.digest),
      [WEB_API],
    );
  });

  it('reads a kubectl List: one scan per VulnerabilityReport, other kinds skipped and counted', () => {
    const { format, scans, skipped } = parseScannerDocument(loadFixture('trivy-operator-list.json'));
    assert.equal(format, 'trivy-operator');
    assert.deepEqual(skipped, { ConfigAuditReport: 1 });
    assert.deepEqual(
      scans.map((s) => [
        s.digest,
        s.imageReferences,
        s.source,
        s.findings.map((f) => [f.vulnerabilityId, f.severity, f.packageName, f.fixedVersion]),
      ]),
      [
        [
          WEB_API,
          [`127.0.0.1:5000/demo/web-api@${WEB_API}`],
          { format: 'trivy-operator', scanner: 'Trivy', scannerVersion: '0.57.1', scannedAt: '2026-11-21T02:00:07Z' },
          [['CVE-2023-0464', 'high', 'libssl3', '3.0.11-1~deb12u2']],
        ],
        [
          WORKER,
          [`127.0.0.1:5000/demo/worker@${WORKER}`],
          { format: 'trivy-operator', scanner: 'Trivy', scannerVersion: '0.57.1', scannedAt: '2026-11-21T02:03:40Z' },
          [['CVE-2023-42363', 'critical', 'busybox', null]],
        ],
      ],
    );
  });

  it('reads a single VulnerabilityReport', () => {
    const items = loadFixture('trivy-operator-list.json')['items'] as unknown[];
    const { scans, skipped } = parseScannerDocument(items[2]);
    assert.deepEqual(
      scans.map((s) => s.digest),
      [WORKER],
    );
    assert.deepEqual(skipped, {});
  });

  type Edit = [path: (string | number)[], value: unknown];
  const missingDigest: Array<[string, 'trivy-web-api.json' | 'grype-web-api.json' | 'trivy-operator-list.json', Edit[], string]> = [
    ['a Trivy report without RepoDigests', 'trivy-web-api.json', [[['Metadata', 'RepoDigests'], undefined]], '$.Metadata.RepoDigests'],
    ['a Trivy report with empty RepoDigests', 'trivy-web-api.json', [[['Metadata', 'RepoDigests'], []]], '$.Metadata.RepoDigests'],
    [
      'a Trivy report whose RepoDigests holds a tag',
      'trivy-web-api.json',
      [[['Metadata', 'RepoDigests', 0], 'demo/web-api:1.0']],
      '$.Metadata.RepoDigests[0]',
    ],
    [
      'a Grype scan with neither digest',
      'grype-web-api.json',
      [
        [['source', 'target', 'repoDigests'], []],
        [['source', 'target', 'manifestDigest'], ''],
      ],
      '$.source.target.repoDigests',
    ],
    [
      'a Grype scan with a short manifestDigest',
      'grype-web-api.json',
      [[['source', 'target', 'manifestDigest'], 'sha256:85047e']],
      '$.source.target.manifestDigest',
    ],
    [
      'a VulnerabilityReport without artifact.digest',
      'trivy-operator-list.json',
      [[['items', 2, 'report', 'artifact', 'digest'], undefined]],
      '$.items[2].report.artifact.digest',
    ],
  ];
  for (const [what, fixture, edits, expected] of missingDigest) {
    it(`refuses ${what}, naming ${expected}`, () => {
      const document = loadFixture(fixture);
      for (const [path, value] of edits) setAt(document, path, value);
      const error = documentError(() => parseScannerDocument(document));
      assert.equal(error.path, expected);
      assert.match(error.message, /digest/);
    });
  }

  const wronglyTyped: Array<
    [string, 'trivy-web-api.json' | 'grype-web-api.json' | 'trivy-operator-list.json', (string | number)[], unknown, string]
  > = [
    ['Trivy Results as an object', 'trivy-web-api.json', ['Results'], {}, '$.Results'],
    ['Trivy Vulnerabilities as a string', 'trivy-web-api.json', ['Results', 1, 'Vulnerabilities'], 'none', '$.Results[1].Vulnerabilities'],
    [
      'a Trivy VulnerabilityID as a number',
      'trivy-web-api.json',
      ['Results', 0, 'Vulnerabilities', 2, 'VulnerabilityID'],
      2023,
      '$.Results[0].Vulnerabilities[2].VulnerabilityID',
    ],
    [
      'a Trivy Severity that is no severity',
      'trivy-web-api.json',
      ['Results', 0, 'Vulnerabilities', 0, 'Severity'],
      'SEVERE',
      '$.Results[0].Vulnerabilities[0].Severity',
    ],
    [
      'Trivy VendorIDs holding a number',
      'trivy-web-api.json',
      ['Results', 0, 'Vulnerabilities', 0, 'VendorIDs', 0],
      5532,
      '$.Results[0].Vulnerabilities[0].VendorIDs[0]',
    ],
    ['Grype matches as an object', 'grype-web-api.json', ['matches'], {}, '$.matches'],
    [
      'a Grype severity as a number',
      'grype-web-api.json',
      ['matches', 3, 'vulnerability', 'severity'],
      9.8,
      '$.matches[3].vulnerability.severity',
    ],
    [
      'a Grype related id as null',
      'grype-web-api.json',
      ['matches', 0, 'relatedVulnerabilities', 0, 'id'],
      null,
      '$.matches[0].relatedVulnerabilities[0].id',
    ],
    [
      'Grype fix versions as a string',
      'grype-web-api.json',
      ['matches', 1, 'vulnerability', 'fix', 'versions'],
      '3.0.11',
      '$.matches[1].vulnerability.fix.versions',
    ],
    ['a Grype artifact name missing', 'grype-web-api.json', ['matches', 2, 'artifact', 'name'], undefined, '$.matches[2].artifact.name'],
    [
      'operator vulnerabilities as an object',
      'trivy-operator-list.json',
      ['items', 0, 'report', 'vulnerabilities'],
      {},
      '$.items[0].report.vulnerabilities',
    ],
    [
      'an operator resource missing',
      'trivy-operator-list.json',
      ['items', 2, 'report', 'vulnerabilities', 0, 'resource'],
      undefined,
      '$.items[2].report.vulnerabilities[0].resource',
    ],
    [
      'an operator report without a scanner',
      'trivy-operator-list.json',
      ['items', 0, 'report', 'scanner'],
      undefined,
      '$.items[0].report.scanner',
    ],
  ];
  for (const [what, fixture, path, value, expected] of wronglyTyped) {
    it(`refuses ${what} with the JSON path ${expected}`, () => {
      const document = loadFixture(fixture);
      setAt(document, path, value);
      const error = documentError(() => parseScannerDocument(document));
      assert.equal(error.path, expected);
      assert.equal(error.pointer, '/' + path.join('/'));
    });
  }

  it('refuses a Grype scan of a directory: findings without an image have no digest to key', () => {
    const document = loadFixture('grype-web-api.json');
    setAt(document, ['source', 'type'], 'directory');
    const error = documentError(() => parseScannerDocument(document));
    assert.equal(error.path, '$.source.type');
  });
});
