/**
 * The import routes: `POST /api/v1/clusters/{cluster}/snapshot` (a kubectl `List`) and `POST /api/v1/scans`
 * (one Trivy, Grype or Trivy Operator document). Each body is read by a pure core and stored by one store call
 * (one transaction). Bodies may be far larger than a report, up to `importBodyLimit`; they are read as they stream in,
 * keeping only the fields the cores read (`keptPaths.ts`).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { isInternetExposed } from '../../explorer/kubernetes/model';
import { buildClusterSnapshot } from '../../explorer/kubernetes/snapshot';
import { parseScannerDocument } from '../../explorer/vulnerabilities/parse';
import { relationsFromScan } from '../../explorer/platforms/fromScan';
import { closeAfterAnswer } from '../../http/requestGuards';
import { BodyTooLargeError, readJsonStream } from '../../jsonStream/readStream';
import { lingerOnClose } from '../../http/lingeringClose';
import type { AppInstance, RouteDependencies } from '../../http/types';
import { ScanImportSchema, SnapshotImportSchema, type ScanImport, type SnapshotImport } from '../../schemas/inventory';
import { problemResponse } from '../../schemas/responses';
import { describePrincipal, type Principal } from '../../auth/principal';
import { requireInventoryScope } from './access';
import { snapshotTakenAt } from './takenAt';
import { KUBECTL_LIST_KEEP, SCANNER_DOCUMENT_KEEP } from './keptPaths';
import { bodyProblem, importProblem } from './problems';

const SCANS_URL = '/api/v1/scans';

const ERRORS = {
  401: problemResponse('no or unverifiable credentials'),
  403: problemResponse('credentials without the inventory scope (ingest tokens and pipeline tokens may not import)'),
  408: problemResponse('the whole request did not arrive within the request timeout'),
  413: problemResponse('body larger than `importBodyLimit`'),
  415: problemResponse('not application/json'),
  503: problemResponse('the database is unreachable; send again after `Retry-After` seconds'),
};

/** Runs a core; its parse errors become 400 problems naming the JSON pointer. */
function readWith<T>(core: (body: unknown) => T, body: unknown): T {
  try {
    return core(body);
  } catch (err) {
    throw importProblem(err) ?? err;
  }
}

/** Registers the import routes in their own context: there JSON bodies may be up to `importBodyLimit`. */
export async function registerInventoryRoutes(app: AppInstance, deps: RouteDependencies): Promise<void> {
  await app.register(async (scope) => {
    const bodyLimit = deps.config.importBodyLimit;
    // The body is read as it streams in (no parseAs: Fastify hands over the raw stream), keeping only what the
    // route's core reads: a 200 MB scanner file never sits in memory, the limit holds as bytes arrive, and a
    // syntax error is named by its position.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', async (request: FastifyRequest, payload: Readable) => {
      const declared = Number(request.headers['content-length']);
      const keep = request.routeOptions.url === SCANS_URL ? SCANNER_DOCUMENT_KEEP : KUBECTL_LIST_KEEP;
      try {
        return await readJsonStream(payload, { limit: bodyLimit, keep, declaredLength: Number.isFinite(declared) ? declared : undefined });
      } catch (err) {
        // Refused while the client may still be sending: let it read the answer before the connection closes.
        if (err instanceof BodyTooLargeError) lingerOnClose(request.raw.socket);
        throw bodyProblem(err) ?? err;
      }
    });

    // onRequest runs before the body is read: a client that may not import is refused before it uploads. The
    // principal is kept for the handler, which records who made the snapshot.
    const principals = new WeakMap<FastifyRequest, Principal>();
    const authenticateFirst = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const principal = await deps.auth.authenticate(request.headers.authorization);
        requireInventoryScope(principal);
        principals.set(request, principal);
      } catch (err) {
        closeAfterAnswer(request, reply);
        throw err;
      }
    };

    const snapshotSchema = {
      summary: "Replace a cluster's snapshot with a kubectl List (`kubectl get … -A -o json`)",
      params: Type.Object({ cluster: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }) }),
      querystring: Type.Object(
        {
          takenAt: Type.Optional(
            Type.String({
              description:
                'when the cluster was read at its source (RFC 3339; not more than 5 minutes ahead of the service’s clock); default: when the List is received',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      // Any JSON passes the schema: the core reads the body and names the failing path.
      body: Type.Unknown({ description: 'a kubectl `v1` `List`' }),
      response: {
        201: { ...SnapshotImportSchema, description: 'stored; it replaced the previous snapshot of this cluster' },
        400: problemResponse('not valid JSON (`detail` names the position) or not a readable List (`pointer` names the field)'),
        409: problemResponse(
          'the stored snapshot of this cluster was taken after this one (`takenAt`): it is kept, and this one is not stored',
        ),
        ...ERRORS,
      },
    };
    scope.post(
      '/api/v1/clusters/:cluster/snapshot',
      { schema: snapshotSchema, bodyLimit, onRequest: authenticateFirst },
      async (request, reply) => {
        const { cluster } = request.params as { cluster: string };
        // Imported when received: the List is read and stored in this one step.
        const importedAt = new Date();
        const takenAt = snapshotTakenAt((request.query as { takenAt?: string }).takenAt, importedAt);
        const snapshot = readWith(buildClusterSnapshot, request.body);
        const principal = principals.get(request);
        if (principal === undefined) throw new Error('the import was not authenticated');
        const importedBy = describePrincipal(principal);
        await deps.store.replaceClusterSnapshot(cluster, snapshot, takenAt, 'import', { importedBy, importedAt });
        // After the commit, in the background: the answer never waits for a registry (see explorer/registry/lookup.ts).
        void deps.registryLookup?.afterSnapshot(cluster);
        const images = snapshot.workloads.flatMap((w) => w.images);
        const answer: SnapshotImport = {
          cluster,
          takenAt: takenAt.toISOString(),
          importedAt: importedAt.toISOString(),
          importedBy,
          workloads: snapshot.workloads.length,
          internetExposed: snapshot.workloads.filter(isInternetExposed).length,
          images: images.length,
          unresolved: images.filter((i) => !i.resolved).length,
          skipped: snapshot.skipped,
        };
        return reply.code(201).send(answer);
      },
    );

    const scanSchema = {
      summary: "Store one scanner document's findings (Trivy, Grype or Trivy Operator JSON)",
      body: Type.Unknown({ description: 'one Trivy, Grype or Trivy Operator JSON document' }),
      response: {
        201: { ...ScanImportSchema, description: "stored; for each image, this tool's earlier findings were replaced" },
        400: problemResponse('not valid JSON (`detail` names the position) or not a readable scanner document (`pointer` names the field)'),
        ...ERRORS,
      },
    };
    scope.post(SCANS_URL, { schema: scanSchema, bodyLimit, onRequest: authenticateFirst }, async (request, reply) => {
      const parsed = readWith(parseScannerDocument, request.body);
      const source = parsed.scans[0]?.source;
      const evidence = source ? `${source.scanner} ${source.scannerVersion ?? ''}`.trim() : parsed.format;
      await deps.store.replaceScans(parsed.scans, relationsFromScan(parsed.indexLinks, evidence));
      const answer: ScanImport = {
        format: parsed.format,
        images: parsed.scans.length,
        findings: parsed.scans.reduce((n, scan) => n + scan.findings.length, 0),
        skipped: parsed.skipped,
      };
      return reply.code(201).send(answer);
    });
  });
}
