/**
 * A small Prometheus registry: counters and one latency histogram, rendered in the text
 * exposition format. Enough for the service's few metrics without a dependency.
 */

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const renderLabels = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
};

/** A counter with labels. */
export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = renderLabels(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  /** The current value for exactly these labels. */
  get(labels: Labels = {}): number {
    return this.values.get(renderLabels(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${renderLabels(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** A histogram of durations in seconds. */
export class Histogram {
  private readonly series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {}

  observe(labels: Labels, seconds: number): void {
    const key = renderLabels(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    this.bounds.forEach((bound, i) => {
      if (seconds <= bound) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
    s.sum += seconds;
    s.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.bounds.forEach((bound, i) =>
        lines.push(`${this.name}_bucket${renderLabels({ ...s.labels, le: String(bound) })} ${s.buckets[i] ?? 0}`),
      );
      lines.push(`${this.name}_bucket${renderLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${renderLabels(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${renderLabels(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** The service's metrics. */
export class ServiceMetrics {
  readonly reportsIngested = new Counter('cm_reports_ingested_total', 'Reports stored, by result (created or replaced).');
  readonly imagesIngested = new Counter('cm_images_ingested_total', 'Image pushes stored.');
  readonly reportsRejected = new Counter('cm_reports_rejected_total', 'Reports refused, by reason.');
  readonly requestDuration = new Histogram(
    'cm_http_request_duration_seconds',
    'HTTP request latency, by method, route and status code.',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );

  /** The Prometheus text exposition. */
  render(): string {
    return [this.reportsIngested, this.imagesIngested, this.reportsRejected, this.requestDuration].map((m) => m.render()).join('\n') + '\n';
  }
}
