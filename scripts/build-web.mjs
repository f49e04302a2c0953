// Bundles the explorer page (web/) into build/web/: index.html, assets/app.js and assets/style.css.
// The service serves exactly these three files (service/src/routes/web/); nothing comes from a CDN.
// Run by `npm run build:web`, by `npm run build:service` (so `npm start` and the end-to-end tests
// always serve a page built from the same sources) and by the browser tests.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the page into `build/web` under `root`. */
export async function buildWeb() {
  const out = join(root, 'build', 'web');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  await build({
    entryPoints: { app: join(root, 'web', 'src', 'main.ts'), style: join(root, 'web', 'styles.css') },
    outdir: join(out, 'assets'),
    entryNames: '[name]',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'web', 'index.html'), join(out, 'index.html'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb();
