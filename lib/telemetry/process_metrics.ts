/**
 * Process figures for the operator: resident memory, heap, open file descriptors, CPU time and
 * start time, under the names prom-client's default collectors use (so stock dashboards and
 * `process_resident_memory_bytes` alerts work). Read when scraped: no timer, nothing to stop.
 * prom-client's own collectDefaultMetrics() is not used because it starts an event-loop monitor
 * that has no way to be stopped when an app instance closes.
 */
import client from "prom-client";
import process from "node:process";

/** What the collectors read; injectable so a test can pin the figures. */
export interface ProcessProbe {
  memory(): { rss: number; heapUsed: number; heapTotal: number };
  /** Open descriptors, or null where the platform cannot tell (no /proc). */
  openFds(): number | null;
  /** User and system CPU time in microseconds. */
  cpu(): { user: number; system: number };
  /** Process start, seconds since the epoch. */
  startTimeSeconds: number;
}

function countOpenFds(): number | null {
  try {
    let count = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
    return count;
  } catch {
    return null;
  }
}

/** The probe of this process. */
export function systemProbe(): ProcessProbe {
  return {
    memory: () => Deno.memoryUsage(),
    openFds: countOpenFds,
    cpu: () => process.cpuUsage(),
    startTimeSeconds: Math.round(Date.now() / 1000 - performance.now() / 1000),
  };
}

/** Registers the process gauges on `registry`. */
export function registerProcessMetrics(
  registry: client.Registry,
  probe: ProcessProbe = systemProbe(),
): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge("process_resident_memory_bytes", "Resident memory size in bytes", () => probe.memory().rss);
  gauge(
    "nodejs_heap_size_used_bytes",
    "JavaScript heap in use, in bytes",
    () => probe.memory().heapUsed,
  );
  gauge(
    "nodejs_heap_size_total_bytes",
    "JavaScript heap reserved, in bytes",
    () => probe.memory().heapTotal,
  );
  // Left out where the platform cannot count them (no /proc), rather than reported as 0.
  let lastFds = probe.openFds();
  if (lastFds !== null) {
    gauge(
      "process_open_fds",
      "Open file descriptors",
      () => (lastFds = probe.openFds() ?? lastFds!),
    );
  }
  gauge(
    "process_start_time_seconds",
    "Start time of the process, seconds since the epoch",
    () => probe.startTimeSeconds,
  );
  new client.Counter({
    name: "process_cpu_seconds_total",
    help: "User and system CPU time spent, in seconds",
    registers: [registry],
    collect() {
      const { user, system } = probe.cpu();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
}
