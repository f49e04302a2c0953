/**
 * A socket in front of a real dockerd that presents its transport as an engine that serves
 * BuildKit's gRPC natively (HTTP/2 with prior knowledge on the API socket, moby/moby#50744) and no
 * longer has the deprecated `/grpc` upgrade. Nothing is answered here: HTTP/1 requests go to the
 * engine unchanged (a `POST /grpc` is sent on as `POST /grpc-removed`, so the engine answers its own
 * 404), and an HTTP/2 connection is carried to the same engine's gRPC server through its `/grpc`
 * upgrade. Docker 28, the newest engine that runs here, does not serve gRPC natively itself.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

const PREFACE = 'PRI * HTTP/2.0';

/** The front's socket, and what went through it. */
export interface NativeGrpcFront {
  readonly socket: string;
  /** HTTP/2 connections carried to the engine's gRPC server. */
  readonly http2Connections: () => number;
  /** `POST /grpc` requests the engine refused (as a removed route). */
  readonly refusedUpgrades: () => number;
  close(): Promise<void>;
}

/** Carries one HTTP/2 connection to the engine's gRPC server through its `/grpc` upgrade. */
function carryHttp2(client: Socket, first: Buffer, engineSocket: string): void {
  const engine = connect(engineSocket);
  let answer = Buffer.alloc(0);
  const onAnswer = (chunk: Buffer) => {
    answer = Buffer.concat([answer, chunk]);
    const end = answer.indexOf('\r\n\r\n');
    if (end < 0) return;
    engine.removeListener('data', onAnswer);
    if (!/^HTTP\/1\.1 101/.test(answer.toString('latin1'))) {
      client.destroy();
      engine.destroy();
      return;
    }
    client.write(answer.subarray(end + 4));
    engine.write(first);
    client.pipe(engine);
    engine.pipe(client);
  };
  engine.on('data', onAnswer);
  engine.on('error', () => client.destroy());
  client.on('error', () => engine.destroy());
  engine.write('POST /grpc HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n');
}

/** Starts a front for the engine on `engineSocket`. */
export async function startNativeGrpcFront(engineSocket: string): Promise<NativeGrpcFront> {
  const socket = join(tmpdir(), `cm-native-grpc-${randomUUID()}.sock`);
  let http2 = 0;
  let refused = 0;
  const server: Server = createServer((client) => {
    client.pause();
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < PREFACE.length && !head.includes('\r\n')) return;
      client.removeListener('data', onHead);
      // Held until piped: an HTTP/2 client sends its first frames right after the preface, and they would be lost
      // while the engine's upgrade is answered (a flowing socket with no 'data' listener drops what it reads).
      client.pause();
      if (head.subarray(0, PREFACE.length).toString('latin1') === PREFACE) {
        http2++;
        carryHttp2(client, head, engineSocket);
        return;
      }
      let request = head;
      if (head.subarray(0, 11).toString('latin1') === 'POST /grpc ') {
        refused++;
        request = Buffer.concat([Buffer.from('POST /grpc-removed '), head.subarray(11)]);
      }
      const engine = connect(engineSocket);
      engine.on('error', () => client.destroy());
      client.on('error', () => engine.destroy());
      engine.write(request);
      client.pipe(engine);
      engine.pipe(client);
    };
    client.on('data', onHead);
    client.resume();
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    http2Connections: () => http2,
    refusedUpgrades: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(socket, { force: true });
          resolve();
        });
      }),
  };
}
