/**
 * The answers of the import routes: what was stored, and what was skipped. Inlined in the routes'
 * responses rather than shared by `$id`: no other route answers with them.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Items of kinds the importer does not read, counted by kind (`apps/ControllerRevision`: 3). */
const SkippedSchema = Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
  description: 'items of kinds that are not read, counted by kind; they are not an error',
});

/** `POST /api/v1/clusters/{cluster}/snapshot`: the snapshot that replaced the cluster's previous one. */
export const SnapshotImportSchema = Type.Object(
  {
    cluster: Type.String(),
    takenAt: Type.String({
      format: 'date-time',
      description: 'when the cluster was read at its source: the `takenAt` sent, else when the service received the List',
    }),
    importedAt: Type.String({ format: 'date-time', description: 'when the service stored the snapshot' }),
    importedBy: Type.String({ description: 'who made it: `token:<name>` (the token’s configured name, never the token)' }),
    workloads: Type.Integer({ description: 'workloads with a running pod' }),
    internetExposed: Type.Integer(),
    images: Type.Integer({ description: 'running images, counted per workload' }),
    unresolved: Type.Integer({ description: 'running images without a manifest digest' }),
    skipped: SkippedSchema,
  },
  { title: 'SnapshotImport' },
);
export type SnapshotImport = Static<typeof SnapshotImportSchema>;

/** `POST /api/v1/scans`: the findings that replaced the same tool's earlier ones for each image. */
export const ScanImportSchema = Type.Object(
  {
    format: Type.Union([Type.Literal('trivy'), Type.Literal('grype'), Type.Literal('trivy-operator')]),
    images: Type.Integer({ description: 'images (manifest digests) whose findings were replaced' }),
    findings: Type.Integer(),
    skipped: SkippedSchema,
  },
  { title: 'ScanImport' },
);
export type ScanImport = Static<typeof ScanImportSchema>;
