/**
 * Metrics on prom-client, with a fixed label budget: a metric may only use
 * label names from {@link LABEL_NAMES}, and label values must look like
 * enum-ish identifiers (anything else is recorded as "invalid"), so no user
 * id, email or raw path can become a label. One registry per app instance.
 */
import client from "prom-client";

/** The only label names a metric may use. */
export const LABEL_NAMES = [
  "provider",
  "status",
  "route",
  "method",
  "mode",
  "result",
  "source",
  "reason",
  "state",
  "check",
  "topic",
] as const;
export type LabelName = (typeof LABEL_NAMES)[number];
export type Labels = Partial<Record<LabelName, string | number>>;

const LABEL_VALUE = /^[A-Za-z0-9_.:/{}-]{1,80}$/;

function clampLabels(names: readonly LabelName[], labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const raw = labels[name];
    if (raw === undefined) continue;
    const value = String(raw);
    out[name] = LABEL_VALUE.test(value) ? value : "invalid";
  }
  return out;
}

function checkBudget(name: string, labels: readonly LabelName[]): void {
  for (const label of labels) {
    if (!(LABEL_NAMES as readonly string[]).includes(label)) {
      throw new Error(`Metric ${name} uses a label outside the budget`);
    }
  }
}

async function valueOf(
  metric: { get(): Promise<client.MetricObjectWithValues<client.MetricValue<string>>> },
  labels: Record<string, string>,
): Promise<number> {
  const data = await metric.get();
  const keys = Object.keys(labels);
  const match = data.values.find((v) =>
    keys.every((k) => String(v.labels[k]) === labels[k]) &&
    Object.keys(v.labels).length === keys.length
  );
  return match?.value ?? 0;
}

export class Counter {
  constructor(
    private readonly inner: client.Counter<string>,
    private readonly labelNames: readonly LabelName[],
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    this.inner.inc(clampLabels(this.labelNames, labels), by);
  }
  /** The current value of one series (0 when never incremented). */
  value(labels: Labels = {}): Promise<number> {
    return valueOf(this.inner, clampLabels(this.labelNames, labels));
  }
}

export class Gauge {
  constructor(
    private readonly inner: client.Gauge<string>,
    private readonly labelNames: readonly LabelName[],
  ) {}
  set(value: number, labels: Labels = {}): void {
    this.inner.set(clampLabels(this.labelNames, labels), value);
  }
  inc(labels: Labels = {}, by = 1): void {
    this.inner.inc(clampLabels(this.labelNames, labels), by);
  }
  dec(labels: Labels = {}, by = 1): void {
    this.inner.dec(clampLabels(this.labelNames, labels), by);
  }
  value(labels: Labels = {}): Promise<number> {
    return valueOf(this.inner, clampLabels(this.labelNames, labels));
  }
  /**
   * Calls `read` whenever the gauge is read (a scrape, value()), for a figure that is a state
   * to look at rather than an event to record: it is current even when nothing happened since.
   */
  readWith(read: () => void): void {
    (this.inner as unknown as { collect?: () => void }).collect = read;
  }
}

export class Histogram {
  constructor(
    private readonly inner: client.Histogram<string>,
    private readonly labelNames: readonly LabelName[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    this.inner.observe(clampLabels(this.labelNames, labels), value);
  }
}

/** Default latency buckets in seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A set of metrics owned by one app instance (no process-wide default registry). */
export class MetricsRegistry {
  readonly prometheus = new client.Registry();

  counter(name: string, help: string, labelNames: readonly LabelName[] = []): Counter {
    checkBudget(name, labelNames);
    return new Counter(
      new client.Counter({ name, help, labelNames: [...labelNames], registers: [this.prometheus] }),
      labelNames,
    );
  }
  gauge(name: string, help: string, labelNames: readonly LabelName[] = []): Gauge {
    checkBudget(name, labelNames);
    return new Gauge(
      new client.Gauge({ name, help, labelNames: [...labelNames], registers: [this.prometheus] }),
      labelNames,
    );
  }
  histogram(
    name: string,
    help: string,
    labelNames: readonly LabelName[] = [],
    buckets: readonly number[] = LATENCY_BUCKETS,
  ): Histogram {
    checkBudget(name, labelNames);
    return new Histogram(
      new client.Histogram({
        name,
        help,
        labelNames: [...labelNames],
        buckets: [...buckets],
        registers: [this.prometheus],
      }),
      labelNames,
    );
  }
}
