/**
 * A local receiver for reports: answers `POST /api/v1/reports` with scripted statuses and
 * records what it received. It stands in for the mapping service (built elsewhere) in the
 * task's tests; it checks nothing but records everything, so the tests do the checking.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got. */
export interface ReceivedReport {
  path: string;
  authorization?: string;
  contentType?: string;
  body: unknown;
}

/** A report receiver on 127.0.0.1. */
export class ReportReceiver {
  readonly received: ReceivedReport[] = [];
  /** When each of `received` arrived (epoch ms). */
  readonly arrivals: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly statuses: number[],
  ) {}

  /**
   * Starts a receiver. `statuses` are answered in turn (the last one repeats); default 201.
   * `headersFor` adds headers to the answers of a status (e.g. `Retry-After` to a 503).
   */
  static async start(
    statuses: number[] = [201],
    headersFor: Partial<Record<number, Record<string, string>>> = {},
  ): Promise<ReportReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const receiver = new ReportReceiver(server, `http://127.0.0.1:${port}`, [...statuses]);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text: a test will say it is not JSON
        }
        receiver.arrivals.push(Date.now());
        const entry: ReceivedReport = { path: req.url ?? '', body };
        if (req.headers.authorization) entry.authorization = req.headers.authorization;
        if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
        receiver.received.push(entry);
        const status = receiver.statuses.length > 1 ? (receiver.statuses.shift() ?? 201) : (receiver.statuses[0] ?? 201);
        const problem = status >= 400;
        res.writeHead(status, { 'Content-Type': problem ? 'application/problem+json' : 'application/json', ...headersFor[status] });
        res.end(JSON.stringify(problem ? { type: 'about:blank', title: 'receiver says no', status } : { stored: true }));
      });
    });
    return receiver;
  }

  /** Stops the receiver. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
