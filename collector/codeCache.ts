/**
 * Loads a sibling bundle (the collector's `collect.js`) the way `require` would, but with V8's
 * code cache: the bytecode V8 compiled for the bundle in an earlier run on this machine, which
 * spares parsing and compiling it again. Measured on the push path (`npm run bench:task:profile`
 * with `PROFILE_INSTRUCTIONS`), compiling `collect.js` and the functions it runs is about a fifth
 * of what the task costs over `node -e 0`; see tasks/README.md, *Performance design*.
 *
 * The cache is kept beside the bundle, named after the bundle's content hash (fixed at build time)
 * and the running Node's version and architecture, so another build or another Node never reads
 * it; V8 checks it too (its own version, flags and the source's length) and rejects one that does
 * not fit, and the bundle is then compiled from source as `require` would. A host writes it only
 * where a later job will read it (a self-hosted agent or runner, which keeps its task folder):
 * on a machine that runs one job, writing it would only cost. Written to a temporary file and
 * renamed, so a reader never sees half of one. Any failure here is silent and costs nothing else.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A loaded bundle and the means to keep its code cache for the next run. */
export interface LoadedBundle<T> {
  exports: T;
  /** The cache was read and accepted by V8. */
  cacheUsed: boolean;
  /** Writes the code cache, now holding every function the run compiled, unless an accepted one is already there. Never throws. */
  keepCache(): void;
}

/** The cache file of `file` for this Node: beside it, named by the build's content hash. */
export function codeCachePath(file: string, contentHash: string): string {
  return `${file}.${contentHash}.${process.version}-${process.arch}.cache`;
}

/** The parameters Node's CommonJS loader gives a module's code. */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_END = '\n});';

/**
 * Loads `file` (CommonJS; it may `require` Node's own modules only) with the code cache named by
 * `contentHash` when there is one. Throws what loading the bundle itself throws, as `require` does.
 */
export function loadWithCodeCache<T>(file: string, contentHash: string): LoadedBundle<T> {
  const vm = require('node:vm') as typeof import('node:vm'); // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only here
  const cachePath = codeCachePath(file, contentHash);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // No cache yet (or unreadable): compiled from source.
  }
  const source = readFileSync(file, 'utf8');
  const script = new vm.Script(`${WRAPPER_START}${source}${WRAPPER_END}`, { filename: file, cachedData });
  const cacheUsed = cachedData !== undefined && script.cachedDataRejected !== true;
  const module = { exports: {} as T };
  const body = script.runInThisContext() as (
    exports: T,
    req: NodeJS.Require,
    mod: { exports: T },
    filename: string,
    directory: string,
  ) => void;
  body.call(module.exports, module.exports, require, module, file, dirname(file));
  return {
    exports: module.exports,
    cacheUsed,
    keepCache() {
      if (cacheUsed) return;
      const temporary = `${cachePath}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cachePath);
      } catch {
        try {
          unlinkSync(temporary);
        } catch {
          // Nothing was written.
        }
      }
    },
  };
}
