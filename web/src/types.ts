/**
 * The answers the page reads, typed from the service's own wire-format schemas
 * (service/src/schemas): a field renamed there fails the page's typecheck.
 */
import type { Static } from '@sinclair/typebox';
import type { CoverageSchema, exposedPageSchema } from '../../service/src/schemas/explorer';
import type { ImagePushPageSchema, ImagePushSchema } from '../../service/src/schemas/images';
import type { ImageDetailAnswerSchema, sourceImagePageSchema } from '../../service/src/schemas/explorerUsage';
import type { ProblemSchema } from '../../service/src/schemas/problem';
import type { RemediationRequestSchema, RemediationResultSchema } from '../../service/src/schemas/remediation';

/** One push of one image by one job of one run. */
export type ImagePush = Static<typeof ImagePushSchema>;
type ExposedItem = Static<ReturnType<typeof exposedPageSchema>>['items'][number];
/** One row of `GET /api/v1/exposed` (`runs` is `ImagePush` by reference in the schema). */
export type ExposedRow = Omit<ExposedItem, 'runs'> & { runs: ImagePush[] };
/** A page of `GET /api/v1/exposed`. */
export interface ExposedPage {
  items: ExposedRow[];
  nextCursor: string | null;
}
/** `GET /api/v1/coverage`. */
export type Coverage = Static<typeof CoverageSchema>;
/** `GET /api/v1/images/{digest}` (`pushes` by reference in the schema). */
export type ImageDetail = Omit<Static<typeof ImageDetailAnswerSchema>, 'pushes'> & { pushes: ImagePush[] };
/** `GET /api/v1/runs/{runId}`. */
export type ImagePushPage = Omit<Static<typeof ImagePushPageSchema>, 'items'> & { items: ImagePush[] };
/** An RFC 9457 problem document, as the service answers errors. */
export type Problem = Static<typeof ProblemSchema>;
/** The body of `POST /api/v1/remediations`. */
export type RemediationRequest = Static<typeof RemediationRequestSchema>;
/** Its answer: one work item per source repository that built the image (created, existing, or planned in a dry run). */
export type RemediationResult = Static<typeof RemediationResultSchema>;
type SourceItem = Static<ReturnType<typeof sourceImagePageSchema>>['items'][number];
/** One image a source built, from `GET /api/v1/sources/images` (`pushes` by reference in the schema). */
export type SourceImage = Omit<SourceItem, 'pushes'> & { pushes: ImagePush[] };
/** A page of `GET /api/v1/sources/images`. */
export interface SourceImagePage {
  items: SourceImage[];
  nextCursor: string | null;
}
