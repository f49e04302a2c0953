/** `POST /api/v1/reports`: the answer to an accepted report. */
import { Type, type Static } from '@sinclair/typebox';

export const IngestResponseSchema = Type.Object(
  {
    idempotencyKey: Type.String(),
    /**
     * `created` the first time; `replaced` when it replaced a different earlier send of the same
     * job attempt; `unchanged` when the identical report was already stored.
     */
    status: Type.Union([Type.Literal('created'), Type.Literal('replaced'), Type.Literal('unchanged')]),
    images: Type.Integer(),
    ambiguous: Type.Integer(),
  },
  { $id: 'IngestResponse' },
);

export type IngestResponse = Static<typeof IngestResponseSchema>;
