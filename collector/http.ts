/**
 * One HTTP(S) request with a deadline, directly or through the host's web proxy: the transport of
 * every request the collector and its hosts send outside the engine (the report to the service,
 * the task's two Azure DevOps calls). HTTP/1.1 written on a socket of its own (`node:net`, and
 * `node:tls` for `https:`), one request a connection (`Connection: close`), the answer read to its
 * declared end (`Content-Length`, the chunked encoding's last chunk, or the connection's close).
 *
 * Why not node:http: counted with valgrind (`npm run bench:task:profile`), loading `node:http` and
 * its first request cost about as many instructions as a tenth of the whole push path, for three
 * requests of a known shape; `node:net` is already loaded by the first look. Certificates are
 * checked by Node's TLS exactly as `https.request` does (its default CA store,
 * `NODE_EXTRA_CA_CERTS`, the host name). Through a proxy, an `http:` target is asked in absolute
 * form, an `https:` one through a CONNECT tunnel, TLS end to end (so the target's certificate is
 * checked as on a direct connection).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ProxySettings } from './proxy';
import { proxyAuthorization } from './proxy';

/** An answer: its status, its headers (names lowercase) and the start of its body. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request. */
export interface HttpRequestOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Sent with a `Content-Length`; none for a GET. */
  body?: string;
  /** The whole exchange, connection to the answer's end. */
  timeoutMs: number;
  /** The proxy the request goes through (already decided by `proxyFor`); undefined: direct. */
  proxy: ProxySettings | undefined;
  /** How much of the body is kept (the rest is read and dropped); default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * Receives, at once, a function that abandons the request (it then rejects): for a request
   * started on speculation whose answer may not be wanted. Calling it after the end does nothing.
   */
  onStart?: (abandon: () => void) => void;
}

/** The proxy refused to open a tunnel. */
export class TunnelRefused extends Error {
  constructor(readonly status: number) {
    super(`the proxy answered ${status} to CONNECT`);
  }
}

/** The most an answer's head (status line and headers) may take. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Where to connect: host (no brackets), port, and whether TLS. */
interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

function endpointOf(url: URL): Endpoint {
  const tls = url.protocol === 'https:';
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (tls ? 443 : 80), tls };
}

/** TLS options for `host`: SNI carries host names only, never addresses. */
function tlsOptions(host: string, extra: ConnectionOptions): ConnectionOptions {
  const options: ConnectionOptions = { ...extra, host };
  if (isIP(host) === 0) options.servername = host;
  return options;
}

/** `node:tls`'s connect, loaded at the first HTTPS connection (with `node:crypto`: a job whose endpoints are all `http:` never needs it). */
function tlsConnect(options: ConnectionOptions): Socket {
  return (require('node:tls') as typeof import('node:tls')).connect(options); // eslint-disable-line @typescript-eslint/no-require-imports -- loaded only for HTTPS
}

function dial(endpoint: Endpoint): Socket {
  return endpoint.tls
    ? tlsConnect(tlsOptions(endpoint.host, { port: endpoint.port }))
    : netConnect({ host: endpoint.host, port: endpoint.port });
}

/**
 * The request's head, ending the connection after the answer unless `keepOpen` (a CONNECT, whose
 * connection becomes the tunnel); throws on a header that would break it (a line break in a value,
 * a name that is not a token).
 */
export function requestHead(method: string, target: string, host: string, headers: Record<string, string>, keepOpen = false): string {
  let head = `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new Error(`invalid header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  return keepOpen ? `${head}\r\n` : `${head}Connection: close\r\n\r\n`;
}

/** A parsed head: status and headers (names lowercase, repeated ones joined with ", "). */
export interface AnswerHead {
  status: number;
  headers: Record<string, string>;
}

/** Parses a head (without its closing empty line); undefined when it is not an HTTP/1.x status line and headers. */
export function parseHead(text: string): AnswerHead | undefined {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(status[1]), headers };
}

/**
 * Reads one answer from the bytes a connection delivers, in whatever pieces they come: skips
 * interim (1xx) answers, then reads the body to its declared end and keeps its first
 * `maxBodyBytes`. `feed` returns the answer once it is complete; `closed` the answer the
 * connection's end completes (a body without a declared length), or why it is incomplete.
 */
export class AnswerReader {
  private pending: Buffer = Buffer.alloc(0);
  private head: AnswerHead | undefined;
  private mode: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'close' | 'done' = 'head';
  private remaining = 0;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  constructor(private readonly maxBodyBytes: number) {}

  /** Takes the next bytes; returns the answer when it is complete, throws when the answer is malformed. */
  feed(data: Buffer): HttpAnswer | undefined {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      switch (this.mode) {
        case 'head': {
          const end = this.pending.indexOf('\r\n\r\n');
          if (end < 0) {
            if (this.pending.length > MAX_HEAD_BYTES) throw new Error('the answer has no end of headers');
            return undefined;
          }
          const head = parseHead(this.pending.subarray(0, end).toString('latin1'));
          if (!head) throw new Error('the answer is not HTTP/1.x');
          this.pending = this.pending.subarray(end + 4);
          // An interim answer (100 Continue, 103 Early Hints) is followed by the real one.
          if (head.status >= 100 && head.status < 200) continue;
          this.head = head;
          const length = head.headers['content-length'];
          if (/(^|,)\s*chunked\s*$/i.test(head.headers['transfer-encoding'] ?? '')) {
            this.mode = 'chunk-size';
          } else if (length !== undefined) {
            if (!/^\d{1,15}$/.test(length)) throw new Error('the answer has an unreadable Content-Length');
            this.remaining = Number(length);
            this.mode = 'length';
          } else if (head.status === 204 || head.status === 304) {
            this.remaining = 0;
            this.mode = 'length';
          } else {
            // No declared length: the body ends with the connection.
            this.mode = 'close';
          }
          if (this.mode === 'length' && this.remaining === 0) return this.complete();
          continue;
        }
        case 'length':
          this.takeBody();
          return this.remaining === 0 ? this.complete() : undefined;
        case 'chunk-size': {
          const end = this.pending.indexOf('\r\n');
          if (end < 0) {
            if (this.pending.length > 1024) throw new Error('the answer has an unreadable chunk size');
            return undefined;
          }
          const size = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/.exec(this.pending.subarray(0, end).toString('latin1'));
          if (!size?.[1]) throw new Error('the answer has an unreadable chunk size');
          this.pending = this.pending.subarray(end + 2);
          this.remaining = parseInt(size[1], 16);
          this.mode = this.remaining === 0 ? 'trailer' : 'chunk-data';
          continue;
        }
        case 'chunk-data':
          this.takeBody();
          if (this.remaining > 0) return undefined;
          this.mode = 'chunk-end';
          continue;
        case 'chunk-end': {
          if (this.pending.length < 2) return undefined;
          if (this.pending[0] !== 13 || this.pending[1] !== 10) throw new Error('the answer has a malformed chunk');
          this.pending = this.pending.subarray(2);
          this.mode = 'chunk-size';
          continue;
        }
        case 'trailer': {
          const end = this.pending.indexOf('\r\n');
          if (end < 0) return undefined;
          this.pending = this.pending.subarray(end + 2);
          if (end === 0) return this.complete();
          continue;
        }
        case 'close':
          this.keep(this.pending);
          this.pending = Buffer.alloc(0);
          return undefined;
        case 'done':
          return undefined;
      }
    }
  }

  /** The connection ended: the answer, when a body without a declared length ends with it; otherwise why it is incomplete. */
  closed(): HttpAnswer | Error {
    if (this.mode === 'close') return this.complete();
    return new Error(this.head ? 'the connection closed before the answer ended' : 'the connection closed without an answer');
  }

  /** Takes up to `remaining` bytes of body from what is pending. */
  private takeBody(): void {
    const take = Math.min(this.remaining, this.pending.length);
    this.keep(this.pending.subarray(0, take));
    this.pending = this.pending.subarray(take);
    this.remaining -= take;
  }

  private keep(part: Buffer): void {
    if (this.keptBytes >= this.maxBodyBytes || part.length === 0) return;
    const piece = part.length > this.maxBodyBytes - this.keptBytes ? part.subarray(0, this.maxBodyBytes - this.keptBytes) : part;
    this.kept.push(piece);
    this.keptBytes += piece.length;
  }

  private complete(): HttpAnswer {
    this.mode = 'done';
    return { status: this.head?.status ?? 0, headers: this.head?.headers ?? {}, body: Buffer.concat(this.kept).toString('utf8') };
  }
}

/** Sends one request to `url`; settles once, whatever comes first (an error, the deadline, the answer's end). */
export function sendRequest(url: URL, options: HttpRequestOptions): Promise<HttpAnswer> {
  const { method, body, timeoutMs, proxy } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const open: Socket[] = [];
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const socket of open) socket.destroy();
      if (error || !answer) reject(error ?? new Error('no answer'));
      else resolve(answer);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    options.onStart?.(() => finish(new Error('abandoned')));
    const watch = (socket: Socket): Socket => {
      open.push(socket);
      socket.on('error', (err) => finish(err));
      return socket;
    };
    /** Writes the request (its head already checked by `requestHead`) on `socket` and reads its answer. */
    const exchange = (socket: Socket, head: string) => {
      const reader = new AnswerReader(maxBodyBytes);
      socket.on('data', (data: Buffer) => {
        try {
          const answer = reader.feed(data);
          if (answer) finish(undefined, answer);
        } catch (err) {
          finish(err as Error);
        }
      });
      socket.on('end', () => {
        const outcome = reader.closed();
        if (outcome instanceof Error) finish(outcome);
        else finish(undefined, outcome);
      });
      socket.on('close', () => finish(new Error('the connection closed without an answer')));
      socket.write(head);
      if (body !== undefined) socket.write(body);
    };
    try {
      const headers = body !== undefined ? { ...options.headers, 'Content-Length': String(Buffer.byteLength(body)) } : options.headers;
      const pathAndQuery = `${url.pathname || '/'}${url.search}`;
      // Every head is built, and so checked, before any connection is opened: a header that would break the
      // request (a line break in a token) is refused here, as an error of this request, and never
      // later, inside a socket's event, where it would escape as an uncaught exception.
      if (!proxy) {
        const head = requestHead(method, pathAndQuery, url.host, headers);
        exchange(watch(dial(endpointOf(url))), head);
        return;
      }
      const at = endpointOf(new URL(proxy.url));
      const authorization = proxyAuthorization(proxy);
      const proxyHeaders: Record<string, string> = authorization ? { 'Proxy-Authorization': authorization } : {};
      if (url.protocol === 'http:') {
        // A plain-HTTP target: the whole request goes to the proxy, its target in absolute form.
        const head = requestHead(method, url.href, url.host, { ...headers, ...proxyHeaders });
        exchange(watch(dial(at)), head);
        return;
      }
      // An HTTPS target: a CONNECT tunnel, then TLS with the target itself through it.
      const target = endpointOf(url);
      const authority = `${url.hostname}:${target.port}`;
      const connectHead = requestHead('CONNECT', authority, authority, proxyHeaders, true);
      const targetHead = requestHead(method, pathAndQuery, url.host, headers);
      const tunnel = watch(dial(at));
      let head = Buffer.alloc(0);
      const onHead = (data: Buffer) => {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD_BYTES) finish(new Error('the proxy answered CONNECT with no end of headers'));
          return;
        }
        // From here the tunnel's bytes are TLS's (the target waits for its ClientHello, so none is pending).
        tunnel.removeListener('data', onHead);
        tunnel.removeListener('end', onEnd);
        const answer = parseHead(head.subarray(0, end).toString('latin1'));
        if (!answer) {
          finish(new Error('the proxy did not answer CONNECT in HTTP/1.x'));
          return;
        }
        if (answer.status !== 200) {
          finish(new TunnelRefused(answer.status));
          return;
        }
        try {
          exchange(watch(tlsConnect(tlsOptions(target.host, { socket: tunnel }))), targetHead);
        } catch (err) {
          finish(err as Error);
        }
      };
      const onEnd = () => finish(new Error('the proxy closed the connection before answering CONNECT'));
      tunnel.on('data', onHead);
      tunnel.on('end', onEnd);
      tunnel.write(connectHead);
    } catch (err) {
      finish(err as Error);
    }
  });
}
