/**
 * The streamed JSON reader of the import routes: the same values as `JSON.parse` however the body is cut into
 * chunks, only the kept paths built, the first syntax error named by byte, line, column and member, and the
 * byte limit enforced while the body arrives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { arrayOf, object, type Keep } from '../../service/src/jsonStream/keep';
import { JsonStreamReader } from '../../service/src/jsonStream/reader';
import { BodyIncompleteError, BodyTooLargeError, readJsonStream } from '../../service/src/jsonStream/readStream';
import { JsonSyntaxError } from '../../service/src/jsonStream/syntaxError';
import { pathToPointer } from '../../service/src/routes/inventory/problems';

const FIXTURES = join(__dirname, '..', 'fixtures', 'explorer');

/** Reads `text` in chunks of `size` bytes. */
function read(text: string | Buffer, size = 1 << 16, keep: Keep = 'whole'): unknown {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const reader = new JsonStreamReader(keep);
  for (let i = 0; i < bytes.length; i += size) reader.write(bytes.subarray(i, i + size));
  return reader.end();
}

function syntaxError(text: string, size = 1 << 16): JsonSyntaxError | null {
  try {
    read(text, size);
    return null;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_STRINGS = [
  '',
  'plain',
  'é',
  '😀 emoji',
  'quote " and \\ backslash',
  'tab\tnew\nline',
  '\u0000\u001f',
  '\u2028',
  '__proto__',
  'a/b~c',
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  const text = () => ODD_STRINGS[Math.floor(next() * ODD_STRINGS.length)]! + Math.floor(next() * 100);
  switch (pick) {
    case 0:
      return text();
    case 1:
      return [0, -0, 1, -12.5, 3e-7, 1e21, 123456789012345680000, 0.1][Math.floor(next() * 8)];
    case 2:
      return [true, false][Math.floor(next() * 2)];
    case 3:
      return null;
    case 4:
      return Math.floor(next() * 1e9) - 5e8;
    case 5:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [text(), randomValue(next, depth + 1)]));
  }
}

describe('Reading JSON as it streams in', () => {
  it('gives what JSON.parse gives for every fixture, however the bytes are cut into chunks', () => {
    for (const name of ['kubectl-list.json', 'trivy-web-api.json', 'grype-web-api.json', 'trivy-operator-list.json']) {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      for (const size of [1, 2, 3, 5, 64, 4096, 1 << 20])
        assert.deepEqual(read(text, size), JSON.parse(text), `${name} in chunks of ${size}`);
    }
  });

  it('gives what JSON.parse gives for random documents with escapes, astral characters and odd numbers, pretty or not', () => {
    const next = random(20261129);
    for (let n = 0; n < 300; n++) {
      const value = randomValue(next, 0);
      const text = n % 2 === 0 ? JSON.stringify(value) : JSON.stringify(value, null, 2);
      // \u escapes of every form, as other serialisers write them.
      const escaped = text.replace(/[^\x20-\x7e\n]/g, (c) => {
        const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
        return `\\u${n % 3 === 0 ? hex.toUpperCase() : hex}`;
      });
      for (const body of [text, escaped]) {
        const size = 1 + Math.floor(next() * 7);
        assert.deepEqual(read(body, size), JSON.parse(body), `${body} in chunks of ${size}`);
      }
    }
  });

  it('keeps a "__proto__" member as an own property, as JSON.parse does, never as the prototype', () => {
    const value = read('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('reads a body nested far deeper than the call stack allows', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    let value = read(deep);
    for (let depth = 1; depth < 200_000; depth++) value = (value as unknown[])[0];
    assert.deepEqual(value, []);
  });
});

describe('Keeping only the paths a reader needs', () => {
  const keep = object({
    kind: 'whole',
    items: arrayOf(object({ name: 'whole', labels: 'whole', annotations: object({ kept: 'whole' }, 'type') })),
  });

  it('builds the named members, drops the others, and keeps the rest of an annotation map as types only', () => {
    const body = {
      kind: 'List',
      apiVersion: 'v1',
      items: [
        {
          name: 'web',
          labels: { app: 'web', tier: { nested: [1, 2] } },
          annotations: { kept: 'yes', other: 'x'.repeat(1000), count: 7, flag: true, gone: null, map: { a: 1 }, list: [1] },
          spec: { template: { containers: [{ env: [{ name: 'SECRET', value: 'hunter2' }] }] } },
        },
      ],
    };
    assert.deepEqual(read(JSON.stringify(body), 7, keep), {
      kind: 'List',
      items: [
        {
          name: 'web',
          labels: { app: 'web', tier: { nested: [1, 2] } },
          annotations: { kept: 'yes', other: '', count: 0, flag: true, gone: null, map: {}, list: [] },
        },
      ],
    });
  });

  it('keeps a value of the wrong JSON type as its type, so that a reader still says what it found', () => {
    assert.deepEqual(read('{"items": {"name": "x"}, "kind": ["List"]}', 3, keep), { items: {}, kind: ['List'] });
    assert.deepEqual(read('{"items": [["x"], "text", 5, null]}', 3, keep), { items: [[], '', 0, null] });
  });

  it('still finds a syntax error inside a dropped member', () => {
    assert.throws(
      () => read('{"kind": "List", "spec": {"a": [1, 2,, 3]}}', 4, keep),
      /expected a value at position 37 .* in \$\.spec\.a\[2\]/,
    );
  });
});

describe('Naming the first JSON syntax error', () => {
  const cases: [string, number, string][] = [
    ['{"a":}', 5, 'a value'],
    ['{"a":1', 6, "',' or '}'"],
    ['[1,]', 3, 'a value'],
    ['[1 2]', 3, "',' or ']'"],
    ['{"a" 1}', 5, "':'"],
    ['{"a":1,}', 7, 'a property name in double quotes'],
    ['{"a":1} x', 8, 'the end of the body'],
    ['', 0, 'a value'],
    ['{"ab', 4, `a valid string character or its closing '"'`],
    ['["a\\x"]', 3, `a valid string character or its closing '"'`],
    ['["a\\u12g4"]', 3, `a valid string character or its closing '"'`],
    ['["tab\tin a string"]', 5, `a valid string character or its closing '"'`],
    ['[01]', 2, "',' or ']'"],
    ['[-]', 2, 'a digit'],
    ['[1.e5]', 3, 'a digit'],
    ['[1e+]', 4, 'a digit'],
    ['[tru]', 1, "'true'"],
    ['[nul', 4, "'null'"],
    ['{"a":1}}', 7, 'the end of the body'],
  ];
  for (const [text, position, expected] of cases) {
    it(`expects ${expected} at ${position} in ${JSON.stringify(text)}, in one chunk and byte by byte`, () => {
      assert.throws(() => JSON.parse(text), SyntaxError, 'the case must be invalid JSON');
      for (const size of [1 << 16, 1]) {
        const found = syntaxError(text, size);
        assert.equal(found?.position, position);
        assert.equal(found?.expected, expected);
      }
    });
  }

  it('counts lines and columns from 1, columns in characters', () => {
    const err = syntaxError('{\n  "é😀": x\n}');
    assert.deepEqual([err?.position, err?.line, err?.column], [14, 2, 9]);
    assert.deepEqual(err?.location, ['é😀']);
  });

  it('names the member being read and says when the body ends too early', () => {
    const text = readFileSync(join(FIXTURES, 'kubectl-list.json'), 'utf8');
    const cut = Buffer.from(text).subarray(0, 5000);
    const err = syntaxError(cut.toString('latin1'), 4096);
    assert.ok(err?.truncated);
    assert.equal(err.position, 5000);
    assert.equal(err.location[0], 'items');
    assert.equal(typeof err.location[1], 'number');
    assert.match(
      err.message,
      /at position 5000 \(line \d+, column \d+\) in \$\.items\[\d+\]\..*; the body ends too early \(truncated\?\)$/,
    );
  });
});

describe('Reading a body from a stream with a limit', () => {
  it('reads a body in the chunks the stream gives', async () => {
    const stream = Readable.from([Buffer.from('{"a": [1, '), Buffer.from('"two"]}')]);
    assert.deepEqual(await readJsonStream(stream, { limit: 100, keep: 'whole' }), { a: [1, 'two'] });
  });

  it('refuses a declared length past the limit without reading a byte', async () => {
    const stream = new PassThrough();
    await assert.rejects(readJsonStream(stream, { limit: 100, keep: 'whole', declaredLength: 101 }), (err: unknown) => {
      assert.ok(err instanceof BodyTooLargeError && err.declared && err.length === 101);
      return true;
    });
    assert.equal(stream.listenerCount('data'), 0);
  });

  it('stops at the chunk that passes the limit and reads no further', async () => {
    const stream = new PassThrough();
    const read = readJsonStream(stream, { limit: 10, keep: 'whole' });
    stream.write('["12345",');
    stream.write('"678"');
    await assert.rejects(read, (err: unknown) => err instanceof BodyTooLargeError && !err.declared && err.length === 14);
    assert.equal(stream.listenerCount('data'), 0);
  });

  it('fails with the reason when the stream breaks or closes before the body ends', async () => {
    const broken = new PassThrough();
    const read = readJsonStream(broken, { limit: 100, keep: 'whole' });
    broken.write('[1,');
    broken.destroy(new Error('aborted'));
    await assert.rejects(read, (err: unknown) => err instanceof BodyIncompleteError && /aborted/.test(err.message));
  });

  it('fails with the position when the stream ends in the middle of the document', async () => {
    await assert.rejects(readJsonStream(Readable.from([Buffer.from('{"a": [1, 2')]), { limit: 100, keep: 'whole' }), (err: unknown) => {
      assert.ok(err instanceof JsonSyntaxError && err.truncated && err.position === 11);
      return true;
    });
  });
});

describe('Turning a core error path into a JSON pointer', () => {
  for (const [path, pointer] of [
    ['$', ''],
    ['items[3].status.containerStatuses[0].imageID', '/items/3/status/containerStatuses/0/imageID'],
    ['items[0].metadata.labels["a/b~c"]', '/items/0/metadata/labels/a~1b~0c'],
  ] as const) {
    it(`turns ${path} into "${pointer}"`, () => assert.equal(pathToPointer(path), pointer));
  }
});
