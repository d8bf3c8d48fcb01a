import assert from "node:assert/strict";
import client from "prom-client";
import { type ProcessProbe, registerProcessMetrics } from "./process_metrics.ts";

function probe(figures: { rss: number; fds: number | null }): ProcessProbe {
  return {
    memory: () => ({ rss: figures.rss, heapUsed: 10, heapTotal: 20 }),
    openFds: () => figures.fds,
    cpu: () => ({ user: 1_500_000, system: 500_000 }),
    startTimeSeconds: 1_700_000_000,
  };
}

Deno.test("process metrics are read at each scrape", async () => {
  const registry = new client.Registry();
  const figures = { rss: 100, fds: 7 as number | null };
  registerProcessMetrics(registry, probe(figures));
  const first = await registry.metrics();
  assert.match(first, /^process_resident_memory_bytes 100$/m);
  assert.match(first, /^process_open_fds 7$/m);
  assert.match(first, /^process_cpu_seconds_total 2$/m);
  assert.match(first, /^process_start_time_seconds 1700000000$/m);
  assert.match(first, /^nodejs_heap_size_used_bytes 10$/m);
  figures.rss = 250;
  figures.fds = 9;
  const second = await registry.metrics();
  assert.match(second, /^process_resident_memory_bytes 250$/m);
  assert.match(second, /^process_open_fds 9$/m);
});

Deno.test("open descriptors are left out where the platform cannot count them", async () => {
  const registry = new client.Registry();
  registerProcessMetrics(registry, probe({ rss: 100, fds: null }));
  const text = await registry.metrics();
  assert.doesNotMatch(text, /process_open_fds/);
  assert.match(text, /^process_resident_memory_bytes 100$/m);
});

Deno.test("the system probe reads this process", () => {
  const registry = new client.Registry();
  registerProcessMetrics(registry);
  return registry.metrics().then((text) => {
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
    assert.ok(rss > 1_000_000, `rss ${rss}`);
  });
});
