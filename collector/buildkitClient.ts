/**
 * BuildKit's control API, reached through the Docker engine: `POST /grpc` with `Upgrade: h2c`
 * hands the connection to dockerd's gRPC server (moby/moby daemon/server/router/grpc/grpc_routes.go,
 * the route buildx's `docker` driver dials: docker/buildx driver/docker/driver.go; still served,
 * as deprecated, by Docker 29), or, where that route is gone, HTTP/2 straight on the socket
 * (moby/moby#50744, `nativeDialer`), and one
 * gRPC call, `moby.buildkit.v1.Control/ListenBuildHistory`, is made on it over node:http2.
 * Everything is bounded by one deadline: an engine whose BuildKit has no history (Docker 20.10)
 * answers "unimplemented" at once, and one that never answers is left when the time is up.
 */
import { Duplex } from 'node:stream';
import type { DockerEndpoint } from './dockerHost';
import { tlsMaterial } from './engine';
import {
  encodeContentRead,
  completedSinceFilter,
  encodeHistoryRequest,
  grpcFrame,
  GrpcFrameReader,
  readContentChunk,
  readHistoryEvent,
  type HistoryEvent,
} from './buildkitProto';

/** BuildKit's history could not be read: why, in a few words. */
export class BuildKitUnavailableError extends Error {
  /**
   * `unsupported`: the engine has no build history to give (no `/grpc` route, as Podman; or a
   * BuildKit without `ListenBuildHistory`, as Docker 20.10's, whose builds push through the engine).
   */
  constructor(
    reason: string,
    readonly unsupported = false,
    /** The engine has no `/grpc` route (404): its gRPC may be served natively on the socket. */
    readonly noRoute = false,
  ) {
    super(reason);
    this.name = 'BuildKitUnavailableError';
  }
}

/** Opens a byte stream to a BuildKit gRPC server (HTTP/2 without TLS is spoken over it). */
export type BuildKitDialer = (deadlineMs: number) => Promise<Duplex>;

const HISTORY_METHOD = '/moby.buildkit.v1.Control/ListenBuildHistory';
const CONTENT_READ_METHOD = '/containerd.services.content.v1.Content/Read';
/** The largest blob read (an image index of a few dozen platforms is a few KiB). */
const MAX_CONTENT_BYTES = 4 * 1024 * 1024;
/** gRPC status codes (grpc/grpc doc/statuscodes.md) worth naming in a warning. */
const GRPC_STATUS: Record<string, string> = {
  '12': 'unimplemented',
  '14': 'unavailable',
  '7': 'permission denied',
  '4': 'deadline exceeded',
};
const MAX_UPGRADE_ANSWER = 64 * 1024;

/* eslint-disable @typescript-eslint/no-require-imports -- loaded only when a build is to be read */
function rawConnect(endpoint: DockerEndpoint): import('node:net').Socket {
  if (endpoint.kind === 'unix' || endpoint.kind === 'npipe') {
    return (require('node:net') as typeof import('node:net')).connect(endpoint.socketPath);
  }
  if (endpoint.kind === 'tcp') {
    const tls = tlsMaterial(endpoint);
    if (!tls) return (require('node:net') as typeof import('node:net')).connect({ host: endpoint.host, port: endpoint.port });
    return (require('node:tls') as typeof import('node:tls')).connect({
      host: endpoint.host,
      port: endpoint.port,
      servername: endpoint.host,
      ...tls,
    });
  }
  throw new BuildKitUnavailableError(endpoint.reason);
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * A Duplex over `socket` that first yields `head` (bytes read past the upgrade answer): node:http2
 * reads a generic Duplex through JS, so nothing the server sent early is lost.
 */
export function duplexOver(socket: Duplex, head: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  if (head.length > 0) stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('error', (err) => stream.destroy(err));
  socket.on('close', () => stream.destroy());
  return stream;
}

/**
 * Dials the engine's gRPC server natively: HTTP/2 with prior knowledge on the socket itself, which
 * dockerd serves beside its HTTP/1 API on unix sockets and named pipes since moby/moby#50744
 * (daemon/command/httphandler.go: an HTTP/2 request with `Content-Type: application/grpc` goes
 * to the gRPC server). An engine that speaks only HTTP/1 (Podman, an older dockerd) answers the
 * HTTP/2 preface with an HTTP/1 status line: that is "unsupported", not a failure.
 */
export function nativeDialer(endpoint: DockerEndpoint): BuildKitDialer {
  return (deadlineMs) =>
    new Promise((resolve, reject) => {
      if (endpoint.kind !== 'unix' && endpoint.kind !== 'npipe') {
        // Over TCP dockerd serves gRPC only with TLS and HTTP/2 negotiated; not attempted here.
        reject(new BuildKitUnavailableError('the engine has no /grpc route, and native gRPC is tried on local sockets only', true));
        return;
      }
      let socket: import('node:net').Socket;
      try {
        socket = rawConnect(endpoint);
      } catch (err) {
        reject(err instanceof BuildKitUnavailableError ? err : new BuildKitUnavailableError((err as Error).message));
        return;
      }
      const timer = setTimeout(
        () => {
          socket.destroy();
          reject(new BuildKitUnavailableError('the engine did not accept a connection in time'));
        },
        Math.max(1, deadlineMs - Date.now()),
      );
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new BuildKitUnavailableError(err.code ?? err.message));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.pause();
        resolve(http2OnlyDuplex(socket));
      });
    });
}

/**
 * A Duplex over a socket that must speak HTTP/2: until the server's first HTTP/2 bytes arrive, an
 * HTTP/1 answer, a refused write or a close means the engine does not serve gRPC there, and the
 * stream ends with that as an "unsupported" BuildKitUnavailableError (which openBuildKit reports).
 */
function http2OnlyDuplex(socket: import('node:net').Socket): Duplex {
  let http2 = false;
  const refused = () => new BuildKitUnavailableError('the engine does not serve gRPC on its socket (it answers HTTP/1 only)', true);
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, (err) => callback(err && !http2 ? refused() : err));
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!http2) {
      // An HTTP/2 server's first bytes are a SETTINGS frame, never "HTTP/1.".
      if (chunk.subarray(0, 7).toString('latin1') === 'HTTP/1.') {
        stream.destroy(refused());
        return;
      }
      http2 = true;
    }
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => (http2 ? stream.push(null) : stream.destroy(refused())));
  socket.on('error', (err) => stream.destroy(http2 ? err : refused()));
  socket.on('close', () => stream.destroy(http2 ? undefined : refused()));
  return stream;
}

/**
 * Dials dockerd's BuildKit: `POST /grpc` with `Upgrade: h2c`, then the raw connection. An engine
 * without that route (404: a dockerd that dropped the deprecated upgrade, or Podman) is dialed
 * natively instead (`nativeDialer`), which Podman refuses at once.
 */
export function engineDialer(endpoint: DockerEndpoint): BuildKitDialer {
  const upgrade = upgradeDialer(endpoint);
  const native = nativeDialer(endpoint);
  return async (deadlineMs) => {
    try {
      return await upgrade(deadlineMs);
    } catch (err) {
      if (err instanceof BuildKitUnavailableError && err.noRoute) return native(deadlineMs);
      throw err;
    }
  };
}

/** `POST /grpc` with `Upgrade: h2c` (moby's route since Docker 18.09, deprecated once gRPC is served natively). */
function upgradeDialer(endpoint: DockerEndpoint): BuildKitDialer {
  return (deadlineMs) =>
    new Promise((resolve, reject) => {
      let socket: import('node:net').Socket;
      try {
        socket = rawConnect(endpoint);
      } catch (err) {
        reject(err instanceof BuildKitUnavailableError ? err : new BuildKitUnavailableError((err as Error).message));
        return;
      }
      let answer = Buffer.alloc(0);
      let settled = false;
      const fail = (reason: string, unsupported = false, noRoute = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new BuildKitUnavailableError(reason, unsupported, noRoute));
      };
      const timer = setTimeout(() => fail('the engine did not open its BuildKit connection in time'), Math.max(1, deadlineMs - Date.now()));
      const onData = (chunk: Buffer) => {
        answer = Buffer.concat([answer, chunk]);
        const end = answer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (answer.length > MAX_UPGRADE_ANSWER) fail('the engine answered /grpc with too long a header');
          return;
        }
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.subarray(0, end).toString('latin1'));
        if (status?.[1] !== '101') {
          // 404 (no such route: Podman) or 400 (no upgrade): nothing to ask there.
          const code = status?.[1];
          fail(`the engine answered /grpc with ${code ?? 'no HTTP status'}`, code === '404' || code === '400', code === '404');
          return;
        }
        settled = true;
        clearTimeout(timer);
        socket.removeListener('data', onData);
        socket.removeListener('error', onError);
        socket.pause();
        resolve(duplexOver(socket, answer.subarray(end + 4)));
      };
      const onError = (err: NodeJS.ErrnoException) => fail(err.code ?? err.message);
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', () => fail('the engine closed the connection'));
      socket.write(
        'POST /grpc HTTP/1.1\r\nHost: docker\r\nUser-Agent: container-mapping-task\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n',
      );
    });
}

/** One HTTP/2 connection to a BuildKit gRPC server, for server-streaming calls; all bounded by one deadline. */
export interface BuildKitSession {
  /** Calls `path` with `request` (one message); resolves with the messages answered. */
  call(path: string, request: Buffer, what: string): Promise<Buffer[]>;
  close(): void;
}

/** Opens a session over `dial`'s stream; every call fails with `BuildKitUnavailableError` past `deadlineMs`. */
export async function openBuildKit(dial: BuildKitDialer, deadlineMs: number): Promise<BuildKitSession> {
  const transport = await dial(deadlineMs);
  const http2 = require('node:http2') as typeof import('node:http2'); // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only here
  const session = http2.connect('http://buildkit', { createConnection: () => transport });
  let broken: Error | undefined;
  // A dialer that learns the engine cannot serve gRPC (nativeDialer) destroys the transport with why.
  transport.once('error', (err: Error) => {
    if (err instanceof BuildKitUnavailableError) broken = err;
  });
  session.on(
    'error',
    (err: Error) => (broken = err instanceof BuildKitUnavailableError ? err : new BuildKitUnavailableError(`HTTP/2: ${err.message}`)),
  );
  const close = () => {
    session.destroy();
    transport.destroy();
  };
  const call = (path: string, body: Buffer, what: string) =>
    new Promise<Buffer[]>((resolve, reject) => {
      const messages: Buffer[] = [];
      const reader = new GrpcFrameReader();
      let settled = false;
      const finish = (err: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.removeListener('error', onSessionError);
        if (err) {
          request.close();
          reject(err);
        } else resolve(messages);
      };
      const onSessionError = () => finish(broken);
      if (broken) {
        reject(broken);
        return;
      }
      session.on('error', onSessionError);
      const timer = setTimeout(
        () => finish(new BuildKitUnavailableError(`BuildKit did not ${what} in time`)),
        Math.max(1, deadlineMs - Date.now()),
      );
      const request = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-accept-encoding': 'identity',
        'user-agent': 'container-mapping-task',
      });
      let status: string | undefined;
      let message: string | undefined;
      const readStatus = (headers: import('node:http2').IncomingHttpHeaders) => {
        const s = headers['grpc-status'];
        if (typeof s === 'string') status = s;
        const m = headers['grpc-message'];
        if (typeof m === 'string') message = decodeURIComponent(m);
      };
      request.on('response', readStatus);
      request.on('trailers', readStatus);
      request.on('data', (chunk: Buffer) => {
        try {
          messages.push(...reader.push(chunk));
        } catch (err) {
          finish(new BuildKitUnavailableError(`unreadable answer: ${(err as Error).message}`));
        }
      });
      // Deferred a turn: the transport's own reason (above) is the better one when it has one.
      request.on('error', (err: Error) =>
        setImmediate(() =>
          finish(broken instanceof BuildKitUnavailableError ? broken : new BuildKitUnavailableError(`HTTP/2 stream: ${err.message}`)),
        ),
      );
      request.on('end', () => {
        if (status === undefined) finish(new BuildKitUnavailableError('the answer ended without a gRPC status'));
        else if (status !== '0') {
          const name = GRPC_STATUS[status] ?? `gRPC status ${status}`;
          finish(new BuildKitUnavailableError(`BuildKit answered ${name}${message ? ` (${message.slice(0, 200)})` : ''}`, status === '12'));
        } else if (reader.incomplete) finish(new BuildKitUnavailableError('the answer ended inside a message'));
        else finish(undefined);
      });
      request.end(grpcFrame(body));
    });
  return { call, close };
}

/**
 * Lists the build history BuildKit holds (completed and running builds; `EarlyExit`, so the
 * stream ends after them): with `completedSinceMs`, BuildKit 0.20 and later (Docker 28) send
 * only the builds completed since then (to the second), where an older one sends them all; the
 * caller still applies its own window. A history keeps at least the last 50 builds of 48 hours
 * (BuildKit's defaults): measured on Docker 28.5 with 334 records, the whole history was 574 KB
 * and 108 ms to list, the last hour's 43 records 74 KB and 22 ms. Rejects with
 * `BuildKitUnavailableError` when BuildKit cannot say: no history API, no connection, past `deadlineMs`.
 */
export async function readHistory(session: BuildKitSession, completedSinceMs?: number): Promise<HistoryEvent[]> {
  const request = encodeHistoryRequest({ filters: completedSinceMs === undefined ? [] : [completedSinceFilter(completedSinceMs)] });
  return (await session.call(HISTORY_METHOD, request, 'list its build history')).map(readHistoryEvent);
}

/** `readHistory` on a session of its own. */
export async function listBuildHistory(dial: BuildKitDialer, deadlineMs: number, completedSinceMs?: number): Promise<HistoryEvent[]> {
  const session = await openBuildKit(dial, deadlineMs);
  try {
    return await readHistory(session, completedSinceMs);
  } finally {
    session.close();
  }
}

/** Reads a whole blob (an image index) from BuildKit's content store; throws `BuildKitUnavailableError`. */
export async function readContent(session: BuildKitSession, digest: string): Promise<Buffer> {
  const chunks = (await session.call(CONTENT_READ_METHOD, encodeContentRead(digest), `read ${digest}`)).map(readContentChunk);
  const size = chunks.reduce((n, c) => Math.max(n, c.offset + c.data.length), 0);
  if (size > MAX_CONTENT_BYTES) throw new BuildKitUnavailableError(`${digest} is larger than ${MAX_CONTENT_BYTES} bytes`);
  const blob = Buffer.alloc(size);
  for (const c of chunks) c.data.copy(blob, c.offset);
  const crypto = require('node:crypto') as typeof import('node:crypto'); // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only here
  if (`sha256:${crypto.createHash('sha256').update(blob).digest('hex')}` !== digest) {
    throw new BuildKitUnavailableError(`the content read for ${digest} does not match its digest`);
  }
  return blob;
}
