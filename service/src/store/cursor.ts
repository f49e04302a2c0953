/** Opaque keyset cursors: the (pushed time, id) of the last item of a page. */
import { InvalidCursorError } from './store';

/** Position after which the next page starts (lists are newest first). */
export interface CursorPosition {
  pushedAtMs: number;
  id: number;
}

/** Encodes a position as URL-safe base64. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.pushedAtMs}.${position.id}`, 'utf8').toString('base64url');
}

/** @throws InvalidCursorError when the text is not a cursor we issued. */
export function decodeCursor(cursor: string): CursorPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(text);
  if (!match) throw new InvalidCursorError();
  return { pushedAtMs: Number(match[1]), id: Number(match[2]) };
}
