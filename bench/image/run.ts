/**
 * `npm run bench:image`: builds the service image from the Dockerfile (as test/deploy/image.test.ts does: stand-in
 * base when the engine has none, classic builder, no pull) and prints its size, its layers above the base, and the
 * build time. The build time depends on the layer cache: the first build (apt-get, npm ci) takes minutes, a rebuild
 * after a source change only the service build; `--no-cache` measures a cold build.
 */
import { buildServiceImage, ensureBaseImage, inspect, BASE_IMAGE, TEST_IMAGE } from '../../test/deploy/support/image';

async function main(): Promise<void> {
  const cold = process.argv.includes('--no-cache');
  await ensureBaseImage();
  const ms = await buildServiceImage(cold ? ['--no-cache'] : []);
  const size = Number((await inspect('image', TEST_IMAGE)).Size);
  const base = Number((await inspect('image', BASE_IMAGE)).Size);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  console.log(`image ${TEST_IMAGE}: ${mb(size)} (base ${BASE_IMAGE} ${mb(base)}, service layers ${mb(size - base)})`);
  console.log(`build: ${(ms / 1000).toFixed(0)} s${cold ? ' (no cache)' : ' (with the layer cache)'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
