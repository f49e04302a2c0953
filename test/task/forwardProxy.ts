/**
 * A small forward web proxy on 127.0.0.1 for the task's tests, as corporate proxies behave:
 * `CONNECT host:port` opens a tunnel, a request in absolute form (`POST http://host/path`) is
 * forwarded, and both need `Proxy-Authorization: Basic <user:password>` (else 407). It forwards
 * to loopback only (anything else: 403) and records what it was asked, including the request
 * lines it sees inside tunnels to plain-HTTP targets, so tests can tell which calls went
 * through it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';

/** One request the proxy was asked to carry. */
export interface ProxiedRequest {
  /** `CONNECT` for a tunnel, else the forwarded method. */
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  target: string;
  /** The `Proxy-Authorization` header, when sent. */
  authorization?: string;
  /** Whether the credentials were accepted (and the request carried). */
  accepted: boolean;
  /** For tunnels: the HTTP request lines (`GET /path`) the client sent through it, query strings removed. */
  tunnelled: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD) (\S+) HTTP\/1\.[01]\r\n/g;

/** A forward proxy requiring Basic credentials. Start with `ForwardProxy.start(user, password)`. */
export class ForwardProxy {
  readonly requests: ProxiedRequest[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly expected: string,
  ) {}

  /** Starts a proxy on 127.0.0.1 at a free port that accepts exactly `username`:`password`. */
  static async start(username: string, password: string): Promise<ForwardProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const proxy = new ForwardProxy(server, `http://127.0.0.1:${port}`, expected);
    server.on('connection', (socket: Socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.forward(req, res));
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => proxy.tunnel(req, socket, head));
    return proxy;
  }

  /** The tunnel and forwarded requests whose credentials were accepted. */
  accepted(): ProxiedRequest[] {
    return this.requests.filter((r) => r.accepted);
  }

  /** Stops the proxy and every connection through it. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private record(req: IncomingMessage): ProxiedRequest {
    const entry: ProxiedRequest = { method: req.method ?? '', target: req.url ?? '', accepted: false, tunnelled: [] };
    const authorization = req.headers['proxy-authorization'];
    if (authorization) entry.authorization = authorization;
    entry.accepted = authorization === this.expected;
    this.requests.push(entry);
    return entry;
  }

  /** A request in absolute form: forwarded to its (loopback) target without the proxy's header. */
  private forward(req: IncomingMessage, res: ServerResponse): void {
    const entry = this.record(req);
    if (!entry.accepted) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test proxy"', 'Content-Length': '0' });
      res.end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      res.writeHead(403).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }

  /** `CONNECT host:port`: a byte tunnel to a loopback target. */
  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    const entry = this.record(req);
    client.on('error', () => undefined);
    if (!entry.accepted) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!match || !LOOPBACK.has(match[1] ?? '')) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Plain-HTTP targets only: read the request lines that pass through, for the tests.
    let seen = head.toString('latin1');
    const scan = () => {
      entry.tunnelled = [...seen.matchAll(REQUEST_LINE)].map((m) => `${m[1]} ${(m[2] ?? '').split('?')[0]}`);
    };
    scan();
    client.pause();
    const upstream = netConnect(Number(match[2]), (match[1] ?? '').replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => {
        if (seen.length < 1024 * 1024) seen += chunk.toString('latin1');
        scan();
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  }
}
