/**
 * Reads a JSON body from a stream while it arrives: each chunk goes through the {@link JsonStreamReader} and
 * is let go, and the byte limit is enforced as bytes arrive (or at once, from a declared length), so that
 * neither a large body nor an endless one is ever held in memory.
 */
import type { Readable } from 'node:stream';
import type { Keep } from './keep';
import { JsonStreamReader } from './reader';

/** The body is larger than the limit: declared so (Content-Length), or found so while it arrived. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    /** The declared length, or the bytes received when the limit was passed. */
    readonly length: number,
    readonly declared: boolean,
  ) {
    super(
      declared ? `the body is declared as ${length} bytes, more than the limit of ${limit}` : `the body passed the limit of ${limit} bytes`,
    );
    this.name = 'BodyTooLargeError';
  }
}

/** The stream failed or closed before the body ended: the client went away, or the request timed out. */
export class BodyIncompleteError extends Error {
  constructor(reason: string) {
    super(`the body did not arrive whole: ${reason}`);
    this.name = 'BodyIncompleteError';
  }
}

/** How to read one body. */
export interface ReadJsonOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** What to build of the document. */
  keep: Keep;
  /** The length the sender declared (Content-Length), when it did. */
  declaredLength?: number | undefined;
}

/**
 * Reads one JSON document from `stream`, keeping what `options.keep` names.
 * @throws BodyTooLargeError as soon as the declared length or the bytes received pass the limit; the rest of
 *   the stream is not read. JsonSyntaxError at the first byte that is not JSON, or at the end of a truncated
 *   body. BodyIncompleteError when the stream fails or closes first.
 */
export function readJsonStream(stream: Readable, options: ReadJsonOptions): Promise<unknown> {
  const { limit, keep, declaredLength } = options;
  if (declaredLength !== undefined && declaredLength > limit) return Promise.reject(new BodyTooLargeError(limit, declaredLength, true));
  return new Promise((resolve, reject) => {
    const reader = new JsonStreamReader(keep);
    let received = 0;
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const fail = (err: unknown) => {
      stop();
      reject(err);
    };
    function onData(chunk: Buffer | string) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > limit) return fail(new BodyTooLargeError(limit, received, false));
      try {
        reader.write(bytes);
      } catch (err) {
        fail(err);
      }
    }
    function onEnd() {
      stop();
      try {
        resolve(reader.end());
      } catch (err) {
        reject(err);
      }
    }
    function onError(err: Error) {
      fail(new BodyIncompleteError(err.message));
    }
    function onClose() {
      fail(new BodyIncompleteError('the connection closed before the body ended'));
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
