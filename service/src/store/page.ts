/** Cuts the extra row a list query fetched into a page and its cursor. */
import { encodeCursor } from './cursor';
import { toImagePush, type PushRow } from './rows';
import type { ImagePushPage } from '../schemas/images';

/** Builds the page from `limit + 1` rows at most. */
export function toPage(rows: PushRow[], limit: number): ImagePushPage {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const more = rows.length > limit && last !== undefined;
  return {
    items: items.map(toImagePush),
    nextCursor: more ? encodeCursor({ pushedAtMs: Number(last.pushed_at_ms), id: Number(last.id) }) : null,
  };
}
