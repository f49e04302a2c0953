/**
 * Sends an import to a running service: where (`--url`, CM_URL), as whom (`--token`, CM_TOKEN), and the
 * service's problem document turned into one line when it refuses.
 */
import type { Readable } from 'node:stream';
import type { CommandIo } from './command';

/** The service to send to, from the flags or else the environment. */
export interface ServiceTarget {
  url: string;
  token?: string;
}

/** `--url` or CM_URL (default http://localhost:8080), `--token` or CM_TOKEN. */
export function serviceTarget(values: { url?: string; token?: string }, io: CommandIo): ServiceTarget {
  const url = values.url ?? io.env.CM_URL ?? 'http://localhost:8080';
  const token = values.token ?? io.env.CM_TOKEN;
  return token ? { url, token } : { url };
}

/** True when the flags or the environment name a service to send to. */
export function targetGiven(values: { url?: string }, io: CommandIo): boolean {
  return values.url !== undefined || io.env.CM_URL !== undefined;
}

/** The service refused an import: its status and the problem's `detail`. */
export class ServiceRefusedError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`the service answered ${status}: ${detail}`);
    this.name = 'ServiceRefusedError';
  }
}

/** A body sent while it is read (a file, stdin), never held in memory whole. */
export interface StreamedBody {
  stream: Readable;
  /** Its length in bytes when known (a file): sent as Content-Length, so that a service can refuse it before it is sent. */
  length?: number;
}

/**
 * A web stream that reads `stream` one chunk per pull. (`Readable.toWeb` in Node 20 reads ahead without
 * backpressure, so a 200 MB file would end up in memory after all.)
 */
function pullStream(stream: Readable): ReadableStream<Uint8Array> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * POSTs a JSON body as it is (the service, not the CLI, says where it is wrong) and returns the parsed answer.
 * A {@link StreamedBody} is sent as it is read (chunked when its length is not known).
 * @throws ServiceRefusedError for any answer but 2xx, also one given before the whole body was sent (413);
 *   fetch's own errors when the service cannot be reached.
 */
export async function postJson(target: ServiceTarget, path: string, body: string | Buffer | StreamedBody): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const init: RequestInit = { method: 'POST', headers };
  if (typeof body === 'string' || Buffer.isBuffer(body)) init.body = body;
  else {
    if (body.length !== undefined) headers['content-length'] = String(body.length);
    init.body = pullStream(body.stream);
    // Fetch requires this for a stream body: the request is sent while the answer may already arrive.
    init.duplex = 'half';
  }
  const response = await fetch(new URL(path, target.url), init);
  const text = await response.text();
  let answer: unknown = null;
  try {
    answer = JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page: the status alone says what happened.
  }
  if (!response.ok) {
    const detail = (answer as { detail?: unknown } | null)?.detail;
    throw new ServiceRefusedError(response.status, typeof detail === 'string' ? detail : text.slice(0, 200) || 'no detail');
  }
  return answer;
}
