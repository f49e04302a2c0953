/**
 * The named wire formats: added to Fastify once (`app.addSchema`), referenced by the routes by
 * `$id`, and listed under `components.schemas` of `/openapi.json` under the same names.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ReportSchema } from '../../../common/report';
import { GitHubReportSchema } from '../../../common/githubReport';
import { ImageDetailAnswerSchema } from './explorerUsage';
import { ImagePushPageSchema, ImagePushSchema } from './images';
import { ProblemSchema } from './problem';
import { IngestResponseSchema } from './reports';

/** Every schema a route refers to by `$id`. */
export const SHARED_SCHEMAS = [
  ReportSchema,
  GitHubReportSchema,
  IngestResponseSchema,
  ImagePushSchema,
  ImageDetailAnswerSchema,
  ImagePushPageSchema,
  ProblemSchema,
] as const;

/** A reference to one of `SHARED_SCHEMAS`, typed as the schema it names. */
export function sharedRef<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  if (schema.$id === undefined) throw new Error('a shared schema needs an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options));
}
