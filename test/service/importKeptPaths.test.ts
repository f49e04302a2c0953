/**
 * The import routes read bodies as they stream in and keep only the paths in `routes/inventory/keptPaths.ts`.
 * These tests derive what the cores read from the cores themselves (every field they touch on every fixture,
 * recorded through a Proxy) and check it is kept, and that the cores answer the same on the pruned document as
 * on the whole one: the same result for every fixture, and the same error when any field they read is of
 * another type or missing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClusterSnapshot } from '../../service/src/explorer/kubernetes/snapshot';
import { parseScannerDocument } from '../../service/src/explorer/vulnerabilities/parse';
import type { Keep } from '../../service/src/jsonStream/keep';
import { JsonStreamReader } from '../../service/src/jsonStream/reader';
import { KUBECTL_LIST_KEEP, SCANNER_DOCUMENT_KEEP } from '../../service/src/routes/inventory/keptPaths';
import { DIGEST_B, list, pod } from '../explorer/kubernetesItems';

const FIXTURES = join(__dirname, '..', 'fixtures', 'explorer');

/** Every element of an array (its index, or its length, was read). */
const ELEMENT = Symbol('[*]');
/** Every member of an object (its keys were listed). */
const EVERY_MEMBER = Symbol('{*}');
type Segment = string | number | typeof ELEMENT | typeof EVERY_MEMBER;

/** One place a core read: `general` with ELEMENT for indexes (checked against the keep tree), `concrete` with them. */
interface Read {
  general: Segment[];
  concrete: Segment[];
}

function describePath(path: readonly Segment[]): string {
  return '$' + path.map((s) => (s === ELEMENT ? '[*]' : s === EVERY_MEMBER ? '.*' : typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}

/** `value` behind Proxies that report every member read, `in` test and key listing, at any depth. */
function traced(value: unknown, reads: Read[], general: Segment[] = [], concrete: Segment[] = []): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const step = (target: object, prop: string): [Segment, Segment] | undefined => {
    if (Array.isArray(target)) {
      if (prop === 'length') return [ELEMENT, ELEMENT];
      return /^\d+$/.test(prop) ? [ELEMENT, Number(prop)] : undefined; // methods: their reads of indexes are traced
    }
    return [prop, prop];
  };
  return new Proxy(value, {
    get(target, prop, receiver) {
      const result: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === 'symbol') return result;
      const segments = step(target, prop);
      if (segments === undefined) return result;
      const read: Read = { general: [...general, segments[0]], concrete: [...concrete, segments[1]] };
      reads.push(read);
      return traced(result, reads, read.general, read.concrete);
    },
    has(target, prop) {
      const segments = typeof prop === 'string' ? step(target, prop) : undefined;
      if (segments !== undefined) reads.push({ general: [...general, segments[0]], concrete: [...concrete, segments[1]] });
      return Reflect.has(target, prop);
    },
    ownKeys(target) {
      reads.push({ general: [...general, EVERY_MEMBER], concrete: [...concrete, EVERY_MEMBER] });
      return Reflect.ownKeys(target);
    },
  });
}

/** Whether a read at `path` sees the same on the pruned document as on the whole one. */
function isKept(keep: Keep | undefined, path: readonly Segment[]): boolean {
  let at = keep;
  for (const segment of path) {
    if (at === 'whole') return true;
    if (at === undefined || at === 'type') return false;
    if (segment === ELEMENT) at = at.items;
    else if (segment === EVERY_MEMBER) return at.otherFields !== undefined;
    else at = at.fields.get(String(segment)) ?? at.otherFields;
  }
  return at !== undefined;
}

/** What a core answers: its result, or its error's class, message and location. */
function outcome(core: (document: unknown) => unknown, document: unknown): unknown {
  try {
    return { result: core(document) };
  } catch (err) {
    const e = err as Error & { path?: string; pointer?: string };
    return { error: e.name, message: e.message, path: e.path, pointer: e.pointer };
  }
}

function streamed(text: string, keep: Keep): unknown {
  const reader = new JsonStreamReader(keep);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 4096) reader.write(bytes.subarray(i, i + 4096));
  return reader.end();
}

const CORES = [
  { name: 'buildClusterSnapshot', core: buildClusterSnapshot as (document: unknown) => unknown, keep: KUBECTL_LIST_KEEP },
  { name: 'parseScannerDocument', core: parseScannerDocument as (document: unknown) => unknown, keep: SCANNER_DOCUMENT_KEEP },
];

/** A List with what the fixture has not: a native sidecar (an init container that keeps running) and its status. */
function sidecarList(): unknown {
  const withSidecar = pod(
    'shop',
    'mesh',
    { app: 'mesh' },
    {
      spec: {
        initContainers: [{ name: 'proxy', image: 'registry.example/proxy:1', restartPolicy: 'Always', ports: [{ hostPort: 15001 }] }],
      },
    },
  ) as { status: Record<string, unknown> };
  withSidecar.status.initContainerStatuses = [
    { name: 'proxy', image: 'registry.example/proxy:1', imageID: `registry.example/proxy@${DIGEST_B}` },
  ];
  return list(withSidecar);
}

const DOCUMENTS: { name: string; text: string }[] = [
  ...['kubectl-list.json', 'trivy-web-api.json', 'grype-web-api.json', 'trivy-operator-list.json'].map((name) => ({
    name,
    text: readFileSync(join(FIXTURES, name), 'utf8'),
  })),
  { name: 'a List with a native sidecar', text: JSON.stringify(sidecarList()) },
];

describe('Keeping what the import cores read, and only that', () => {
  for (const { name, core, keep } of CORES) {
    for (const document of DOCUMENTS) {
      it(`${name} gives the same answer on ${document.name} pruned as whole`, () => {
        const whole = outcome(core, JSON.parse(document.text));
        assert.deepEqual(outcome(core, streamed(document.text, keep)), whole);
      });

      it(`keeps every field ${name} reads of ${document.name}`, () => {
        const reads: Read[] = [];
        outcome(core, traced(JSON.parse(document.text), reads));
        assert.ok(reads.length > 0);
        const dropped = [...new Set(reads.filter((read) => !isKept(keep, read.general)).map((read) => describePath(read.general)))];
        assert.deepEqual(dropped, [], `${name} reads fields that keptPaths.ts drops: add them there`);
      });
    }
  }

  it('drops what no core reads: descriptions, references, env values, pod templates, other annotations', () => {
    const trivy = streamed(DOCUMENTS[1]!.text, SCANNER_DOCUMENT_KEEP) as { Results: { Vulnerabilities: Record<string, unknown>[] }[] };
    const finding = trivy.Results[0]!.Vulnerabilities[0]!;
    assert.deepEqual(Object.keys(finding).sort(), [
      'FixedVersion',
      'InstalledVersion',
      'PkgName',
      'Severity',
      'VendorIDs',
      'VulnerabilityID',
    ]);
    const kubectl = streamed(DOCUMENTS[0]!.text, KUBECTL_LIST_KEEP);
    const text = JSON.stringify(kubectl);
    for (const gone of ['"env"', '"conditions"', '"template"', '"uid"', '"creationTimestamp"']) assert.ok(!text.includes(gone), gone);
    assert.ok(text.length < DOCUMENTS[0]!.text.length / 2, `${text.length} of ${DOCUMENTS[0]!.text.length}`);
  });

  it('gives the same answer, or the same error at the same path, when any field a core reads is of another type or missing', function () {
    this.timeout(120_000);
    const replacements: unknown[] = [undefined, null, 7, 'x', true, [], {}, [7], { x: 7 }];
    let checked = 0;
    for (const { name, core, keep } of CORES) {
      for (const document of DOCUMENTS) {
        const reads: Read[] = [];
        outcome(core, traced(JSON.parse(document.text), reads));
        // One concrete place per general path: every field a core reads, each changed in every way.
        const places = new Map<string, Segment[]>();
        for (const read of reads) {
          const concrete = read.concrete.filter((s) => s !== EVERY_MEMBER);
          if (!concrete.includes(ELEMENT)) places.set(describePath(read.general), concrete);
        }
        for (const [general, place] of places) {
          for (const replacement of replacements) {
            const changed = JSON.parse(document.text) as unknown;
            if (!setAt(changed, place, replacement)) continue;
            const text = JSON.stringify(changed) ?? 'null';
            assert.deepEqual(
              outcome(core, streamed(text, keep)),
              outcome(core, JSON.parse(text)),
              `${name} on ${document.name} with ${general} = ${JSON.stringify(replacement)}`,
            );
            checked += 1;
          }
        }
      }
    }
    assert.ok(checked > 1000, `only ${checked} changes checked`);
  });
});

/** Sets (or with `undefined`, deletes) the value at `path`; false when the path is not there. */
function setAt(document: unknown, path: readonly Segment[], value: unknown): boolean {
  if (path.length === 0) return false;
  let at: unknown = document;
  for (const segment of path.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return false;
    at = (at as Record<string | number, unknown>)[segment as string | number];
  }
  if (typeof at !== 'object' || at === null) return false;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete (at as Record<string, unknown>)[last];
  } else (at as Record<string | number, unknown>)[last] = value;
  return true;
}
