/**
 * Answers for what Node's HTTP server refuses before Fastify sees a request (headers too
 * large, a request not received within `requestTimeoutMs`, bytes that are not HTTP): the same
 * `application/problem+json` as every other error, written straight to the socket, which is
 * then closed.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { ProblemError } from '../errors';

/** The problem for a client error Node's HTTP parser or timers raised. */
export function clientErrorProblem(code: string | undefined): ProblemError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ProblemError(408, 'Request timeout', 'the request was not received in time; the connection is closed', 'request-timeout');
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new ProblemError(
      431,
      'Request header fields too large',
      'the request headers are larger than the server accepts (16 KiB)',
      'headers-too-large',
    );
  }
  return new ProblemError(400, 'Bad request', 'the request is not valid HTTP/1.1', 'bad-request');
}

/** Fastify's `clientErrorHandler` option: one problem document, then the socket is closed. */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = clientErrorProblem(err.code);
  this.log.debug({ code: err.code, status: problem.status }, 'client error');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(problem.toProblem());
  // end() rather than destroy(): the answer is flushed before the FIN; a client that never
  // reads it loses the socket a second later all the same.
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
