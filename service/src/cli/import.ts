/**
 * `container-mapping import kubernetes --cluster NAME <file|->` and `import vulnerabilities <file>...`: send a kubectl
 * List or scanner documents to a running service, which reads and stores them (`POST /api/v1/clusters/{cluster}/snapshot`,
 * `POST /api/v1/scans`), and print one line per import.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseTimestamp } from '../../../common/timestamp';
import { parseArgs } from 'node:util';
import type { ScanImport, SnapshotImport } from '../schemas/inventory';
import { UsageError, type Command, type CommandIo } from './command';
import { formatScanImport, formatSnapshotImport } from './importSummary';
import { postJson, serviceTarget, type ServiceTarget, type StreamedBody } from './send';

const FLAGS = { cluster: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, 'taken-at': { type: 'string' } } as const;

/** The path a cluster's snapshot is sent to; `takenAt`: when the cluster was read, when known. */
export function snapshotPath(cluster: string, takenAt?: Date): string {
  const query = takenAt === undefined ? '' : `?takenAt=${encodeURIComponent(takenAt.toISOString())}`;
  return `/api/v1/clusters/${encodeURIComponent(cluster)}/snapshot${query}`;
}

/**
 * Sends a kubectl List (text, or a stream) as a cluster's snapshot, read at `takenAt` (unknown: the service takes the time it
 * receives it); the answer says what the service stored.
 */
export async function sendSnapshot(
  target: ServiceTarget,
  cluster: string,
  list: string | Buffer | StreamedBody,
  takenAt?: Date,
): Promise<SnapshotImport> {
  return (await postJson(target, snapshotPath(cluster, takenAt), list)) as SnapshotImport;
}

/**
 * When the List was read from the cluster: `--taken-at`, else the file's modification time (kubectl wrote it as it
 * read the cluster; a copy made later only moves it later, never before the read), else (stdin) unknown.
 */
async function takenAtOf(flag: string | undefined, file: string): Promise<Date | undefined> {
  if (flag !== undefined) {
    const ms = parseTimestamp(flag);
    if (ms === undefined) throw new UsageError(`--taken-at "${flag}" is not an RFC 3339 date-time (2026-03-01T12:00:00Z)`);
    return new Date(ms);
  }
  return file === '-' ? undefined : (await stat(file)).mtime;
}

/**
 * Sends what a file (or stdin, for `-`) holds while it is read: a 200 MB scanner file never sits in the CLI's
 * memory either. A file's size goes as Content-Length, so that a service refuses one past its limit before it is sent.
 */
async function withFileBody<T>(file: string, send: (body: StreamedBody) => Promise<T>): Promise<T> {
  if (file === '-') return send({ stream: process.stdin });
  const { size } = await stat(file); // a missing or unreadable file fails here, naming it
  const stream = createReadStream(file);
  try {
    return await send({ stream, length: size });
  } finally {
    stream.destroy();
  }
}

async function importVulnerabilities(target: ServiceTarget, files: string[], io: CommandIo): Promise<number> {
  let failed = 0;
  // One document per request, in order: each is its own transaction, and one bad file does not stop the others.
  for (const file of files) {
    try {
      const answer = (await withFileBody(file, (body) => postJson(target, '/api/v1/scans', body))) as ScanImport;
      io.out(formatScanImport(file, answer));
    } catch (err) {
      failed += 1;
      io.err(`${file}: ${(err as Error).message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

export const importCommand: Command = {
  summary: 'send a kubectl List or scanner documents to the service (needs a token with the inventory scope)',
  usage:
    "import kubernetes --cluster NAME [--taken-at RFC3339 (default: the file's modification time)] <file|-> | import vulnerabilities <file>... (Trivy, Grype or Trivy Operator JSON); " +
    'common: [--url http://localhost:8080 (or CM_URL)] [--token T (or CM_TOKEN)]',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
    const [what, ...files] = positionals;
    const target = serviceTarget(values, io);
    if (what === 'kubernetes') {
      if (!values.cluster) throw new UsageError('--cluster is required: the name the snapshot is kept under');
      const [file, ...extra] = files;
      if (file === undefined || extra.length > 0) throw new UsageError('import kubernetes needs one file, or - for stdin');
      const cluster = values.cluster;
      const takenAt = await takenAtOf(values['taken-at'], file);
      io.out(formatSnapshotImport(await withFileBody(file, (body) => sendSnapshot(target, cluster, body, takenAt))));
      return 0;
    }
    if (what === 'vulnerabilities') {
      if (values.cluster !== undefined || values['taken-at'] !== undefined) {
        throw new UsageError('import vulnerabilities takes no --cluster and no --taken-at');
      }
      if (files.length === 0) throw new UsageError('import vulnerabilities needs at least one file');
      return importVulnerabilities(target, files, io);
    }
    throw new UsageError('import needs kubernetes or vulnerabilities');
  },
};
