/**
 * collector/codeCache.ts: a bundle loaded with V8's code cache behaves as `require` would, its
 * cache is written only when asked and only when none was accepted, and a cache that does not fit
 * (corrupt, from other code) is rejected by V8 and replaced, never trusted.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { codeCachePath, loadWithCodeCache } from '../../collector/codeCache';

interface Bundle {
  answer(): number;
  directory: string;
  os: string;
}

/** A CommonJS bundle as esbuild writes one: Node built-ins required, `module.exports` set, `__dirname` used. */
const SOURCE = `"use strict";
const os = require("os");
function answer() { let n = 0; for (let i = 0; i < 10; i++) n += i; return n - 3; }
module.exports = { answer, directory: __dirname, os: typeof os.tmpdir };
`;

describe('Loading a bundle with its code cache', function () {
  let dir: string;
  let file: string;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'cm-code-cache-'));
    file = join(dir, 'collect.js');
    writeFileSync(file, SOURCE);
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const caches = () => readdirSync(dir).filter((f) => f.endsWith('.cache'));

  it('loads it as require would, with no cache the first time, and writes the cache only when asked', function () {
    const first = loadWithCodeCache<Bundle>(file, 'aaaaaaaaaaaaaaaa');
    assert.equal(first.cacheUsed, false);
    assert.deepEqual(
      { answer: first.exports.answer(), directory: first.exports.directory, os: first.exports.os },
      { answer: 42, directory: dir, os: 'function' },
    );
    assert.deepEqual(caches(), [], 'nothing written before keepCache');
    first.keepCache();
    assert.deepEqual(caches(), [`collect.js.aaaaaaaaaaaaaaaa.${process.version}-${process.arch}.cache`]);
    assert.equal(codeCachePath(file, 'aaaaaaaaaaaaaaaa'), join(dir, caches()[0] ?? ''));
    assert.ok(
      readdirSync(dir).every((f) => !f.endsWith('.tmp')),
      'no temporary file is left',
    );
  });

  it('uses an accepted cache the next time and leaves it as it is', function () {
    loadWithCodeCache<Bundle>(file, 'bbbbbbbbbbbbbbbb').keepCache();
    const path = codeCachePath(file, 'bbbbbbbbbbbbbbbb');
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    const second = loadWithCodeCache<Bundle>(file, 'bbbbbbbbbbbbbbbb');
    assert.equal(second.cacheUsed, true);
    assert.equal(second.exports.answer(), 42);
    second.keepCache();
    assert.equal(statSync(path).mtimeMs, mtime, 'an accepted cache is not written again');
    assert.deepEqual(readFileSync(path), before);
  });

  it('rejects a corrupt cache, runs the bundle from source, and replaces the cache', function () {
    const path = codeCachePath(file, 'cccccccccccccccc');
    writeFileSync(path, Buffer.alloc(4096, 0x5a));
    const loaded = loadWithCodeCache<Bundle>(file, 'cccccccccccccccc');
    assert.equal(loaded.cacheUsed, false);
    assert.equal(loaded.exports.answer(), 42);
    loaded.keepCache();
    assert.notDeepEqual(readFileSync(path), Buffer.alloc(4096, 0x5a));
    assert.equal(loadWithCodeCache<Bundle>(file, 'cccccccccccccccc').cacheUsed, true);
  });

  it('rejects a cache made for other source (V8 checks its length; the content hash in the name covers the rest)', function () {
    loadWithCodeCache<Bundle>(file, 'dddddddddddddddd').keepCache();
    // Other code under the same name and hash, which the build never produces (the hash is the
    // content's): V8 compares the source's length with the one the cache was made for.
    writeFileSync(file, SOURCE.replace('return n - 3;', 'return n - 4 + 0;').replace('"use strict";', '"use strict"; const extra = 1;'));
    const loaded = loadWithCodeCache<Bundle>(file, 'dddddddddddddddd');
    assert.equal(loaded.cacheUsed, false);
    assert.equal(loaded.exports.answer(), 41);
  });

  it('stays silent when the cache cannot be written', function () {
    const loaded = loadWithCodeCache<Bundle>(file, 'eeeeeeeeeeeeeeee');
    // The folder is gone (CI runs as root, for whom a read-only mode does not stop a write).
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotThrow(() => loaded.keepCache());
    assert.equal(existsSync(dir), false);
  });

  it('throws what the bundle throws, as require does', function () {
    writeFileSync(file, 'throw new Error("broken bundle");');
    assert.throws(() => loadWithCodeCache(file, 'ffffffffffffffff'), /broken bundle/);
  });
});
