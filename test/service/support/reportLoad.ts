/**
 * A bounded ingestion load over HTTP, as pipelines send it: a few clients, each sending new
 * reports one after another, until told to stop (or a budget runs out). It records what each
 * answer was, so a fault test can check that nothing acknowledged is lost and nothing else
 * than 2xx or 503 problem+json with `Retry-After` was ever answered.
 */
import type { Report } from '../../../common/report';
import { digestOf, image, makeReport } from './reports';

/** Whether an answer is the documented 503: problem+json, `Retry-After` in whole seconds. */
export function describeUnavailable(status: number, headers: Headers, body: unknown): string | null {
  const problem = body as { status?: unknown; type?: unknown } | null;
  if (status !== 503) return `status ${status}`;
  if (!(headers.get('content-type') ?? '').startsWith('application/problem+json')) return `503 as ${headers.get('content-type')}`;
  if (!/^[1-9][0-9]*$/.test(headers.get('retry-after') ?? '')) return `503 with Retry-After ${headers.get('retry-after')}`;
  if (problem?.status !== 503 || typeof problem.type !== 'string') return `503 with body ${JSON.stringify(body)}`;
  return null;
}

/** Sends one report; returns 'acked', 'unavailable' (a well-formed 503), or what else happened. */
export async function sendReport(serviceUrl: string, token: string, report: Report): Promise<'acked' | 'unavailable' | string> {
  let res: Response;
  try {
    res = await fetch(`${serviceUrl}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
  } catch (err) {
    return `no answer: ${(err as Error).message} (${String((err as { cause?: unknown }).cause)})`;
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 201 || res.status === 200) {
    return (body as { idempotencyKey?: unknown }).idempotencyKey === report.idempotencyKey
      ? 'acked'
      : `2xx for another key: ${JSON.stringify(body)}`;
  }
  const wrong = describeUnavailable(res.status, res.headers, body);
  return wrong === null ? 'unavailable' : `${wrong}: ${JSON.stringify(body)}`;
}

/** Limits that keep a load bounded whatever happens. */
const MAX_REPORTS = 4000;
const PAUSE_AFTER_503_MS = 50;

/** A running load; `stop()` ends it and resolves once every client has finished. */
export class ReportLoad {
  /** Every report sent, by idempotency key. */
  readonly sent = new Map<string, Report>();
  /** Keys answered 2xx. */
  readonly acked = new Set<string>();
  /** Reports answered 503 (not yet stored, as far as their sender knows). */
  readonly refused: Report[] = [];
  /** Anything else: a 500, a malformed 503, no answer at all. */
  readonly unexpected: string[] = [];
  private stopped = false;
  private readonly clients: Array<Promise<void>>;

  constructor(
    private readonly serviceUrl: string,
    private readonly token: string,
    seed: string,
    clients = 6,
  ) {
    let next = 0;
    const nextReport = (): Report | undefined => {
      if (next >= MAX_REPORTS) return undefined;
      const i = next++;
      return makeReport({ pipeline: { runId: 100_000 + i }, images: [image({ digest: digestOf(`${seed}-${i}`), tag: `load-${i}` })] });
    };
    this.clients = Array.from({ length: clients }, async () => {
      for (let report = nextReport(); report && !this.stopped; report = nextReport()) {
        this.sent.set(report.idempotencyKey, report);
        const outcome = await sendReport(this.serviceUrl, this.token, report);
        if (outcome === 'acked') this.acked.add(report.idempotencyKey);
        else if (outcome === 'unavailable') {
          this.refused.push(report);
          await new Promise((r) => setTimeout(r, PAUSE_AFTER_503_MS));
        } else this.unexpected.push(outcome);
      }
    });
  }

  /** Resolves once `count` more reports than now have been acknowledged; throws if the load ends first. */
  async ackedMore(count: number): Promise<void> {
    const target = this.acked.size + count;
    while (this.acked.size < target) {
      if (this.stopped || this.sent.size >= MAX_REPORTS)
        throw new Error(`the load ended with ${this.acked.size} of ${target} reports acknowledged${this.firstUnexpected()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once `count` more 503s than now were answered; throws if the load ends first. */
  async refusedMore(count: number): Promise<void> {
    const target = this.refused.length + count;
    while (this.refused.length < target) {
      if (this.stopped || this.sent.size >= MAX_REPORTS)
        throw new Error(`the load ended with ${this.refused.length} of ${target} 503 answers${this.firstUnexpected()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private firstUnexpected(): string {
    return this.unexpected.length === 0 ? '' : `; ${this.unexpected.length} unexpected answers, the first: ${this.unexpected[0]}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.clients);
  }

  /**
   * Sends every refused report again, as the task or backfill would, until each is
   * acknowledged (a bounded number of tries each).
   */
  async resendRefused(): Promise<void> {
    for (const report of this.refused) {
      let outcome = '';
      for (let attempt = 0; attempt < 40 && outcome !== 'acked'; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
        outcome = await sendReport(this.serviceUrl, this.token, report);
        if (outcome !== 'acked' && outcome !== 'unavailable') this.unexpected.push(outcome);
      }
      if (outcome === 'acked') this.acked.add(report.idempotencyKey);
    }
  }
}
