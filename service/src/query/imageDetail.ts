/**
 * `GET /api/v1/images/{digest}` and `query image`: an image's pushes (those the reader may see),
 * where it runs and what scanners found in it, assembled from the store in one place for the
 * route and the command.
 */
import type { ImageDetail } from '../schemas/images';
import type { ImageUsage } from '../store/explorerSource';
import { canSee, type ReadScope } from '../store/readScope';
import { toImageDetail } from '../store/rows';
import type { Store } from '../store/store';

/** `GET /api/v1/images/{digest}`: the pushes, where the image runs, what was found in it (`ImageDetailAnswerSchema`). */
export type ImageExplorerDetail = ImageDetail & ImageUsage;

/**
 * The image's detail, or null when nothing is known of it: no push the reader may see, running
 * nowhere, never scanned. An image only the explorer knows (unmapped) has no pushes, but is shown.
 */
export async function readImageDetail(store: Store, digest: string, scope: ReadScope): Promise<ImageExplorerDetail | null> {
  const [image, usage] = await Promise.all([store.getImage(digest), store.imageUsage(digest)]);
  const pushes = image?.pushes.filter((push) => canSee(scope, push)) ?? [];
  if (pushes.length === 0 && usage.running.length === 0 && usage.findings.topFindings.length === 0) return null;
  return { ...toImageDetail(digest, pushes), ...usage };
}
