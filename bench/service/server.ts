/**
 * The service under test, in its own process: the benchmark forks this file so the service
 * and the load generator share the machine the way a deployment and its clients do, instead
 * of one event loop serving and sending at once.
 *
 * It boots `buildApp` as `container-mapping serve` would: the store opened from a database
 * URL, the default logger (pino at `info`, no per-request lines), one static token. It tells
 * the parent its port over IPC, its CPU time when asked (`cpu`), and closes when the parent
 * says `close` or goes away.
 */
import { buildApp } from '../../service/src/app';
import { openStore } from '../../service/src/store/openStore';

/** What the parent passes in the environment. */
const databaseUrl = process.env.CM_BENCH_DATABASE_URL;
const tokenSha256 = process.env.CM_BENCH_TOKEN_SHA256;
/** The token's scopes, comma-separated (bench:explorer imports and reads); ingest and read by default. */
const scopes = (process.env.CM_BENCH_SCOPES ?? 'ingest,read').split(',') as Array<'ingest' | 'read' | 'inventory'>;

/** Transactions the store committed for ingestion (both stores count their group commits). */
function commitsOf(store: unknown): number {
  const commits = (store as { commits?: unknown }).commits;
  return typeof commits === 'number' ? commits : NaN;
}

async function main(): Promise<void> {
  if (!databaseUrl || !tokenSha256 || !process.send) throw new Error('bench server: run it through bench/service/run.ts');
  const store = await openStore(databaseUrl);
  const app = await buildApp({
    store,
    config: { databaseUrl, tokens: [{ name: 'bench', sha256: tokenSha256, scopes }] },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const close = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'close') void close();
    // The parent asks for the CPU time this process has used, to price each report, and for the
    // ingestion transactions committed so far, to see how many reports share a group commit.
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), commits: commitsOf(store) });
  });
  process.on('disconnect', () => void close());
  process.send({ port });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
