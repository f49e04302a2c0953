/** RFC 9457 problem details: the one shape of every error the service answers with. */
import { Type, type Static } from '@sinclair/typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    /** JSON pointer (RFC 6901) into the request body of the first failing field, when there is one. */
    pointer: Type.Optional(Type.String()),
    /** The name of the failing query or path parameter, when there is one. */
    parameter: Type.Optional(Type.String()),
    /** Every failing field, when validation found several. */
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          pointer: Type.Optional(Type.String()),
          parameter: Type.Optional(Type.String()),
          detail: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem' },
);

export type Problem = Static<typeof ProblemSchema>;
