/**
 * How long a governance mode change on instance A takes to be seen by
 * instance B: two app instances on one Postgres and one Redis, `setMode` on A,
 * and the time until B's `mode.current()` answers the new mode. B learns it
 * from the `governance.mode_changed` event (Redis Streams) and re-reads the
 * database; the 1 s periodic re-read is the bound when the bus cannot reach B.
 *
 *   TEST_DATABASE_URL=postgres://… TEST_REDIS_URL=redis://… deno run -A bench/mode_propagation.ts [--changes 50] [--no-bus]
 *
 * `--no-bus` gives B an in-process bus of its own, so only the periodic re-read
 * carries the change (the worst case). Figures go in docs/operations/MODE_TOGGLE.md.
 */
import { systemClock } from "../lib/clock.ts";
import type { Mode } from "../lib/config.ts";
import { createMemoryBus } from "../lib/realtime/mod.ts";
import { argument, percentile, twoInstances, waitUntil, write } from "./harness.ts";

const changes = argument("changes", 50);
const noBus = Deno.args.includes("--no-bus");
const ownBus = noBus ? createMemoryBus({ clock: systemClock, historySize: 100 }) : undefined;
const { a, b, close } = await twoInstances(ownBus ? { busOfB: ownBus } : {});

const samples: number[] = [];
const modes: Mode[] = ["LIVE", "DEMO"];
try {
  for (let i = 0; i < changes; i++) {
    const target = modes[i % 2]!;
    const started = performance.now();
    await a.services.mode.setMode(target, { type: "system" });
    await waitUntil(() => b.services.mode.current() === target, started, "the change");
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, noBus ? 300 : 50));
  }
} finally {
  await close();
  await ownBus?.close();
}

samples.sort((x, y) => x - y);
write(
  `mode propagation A → B (${noBus ? "periodic re-read only" : "Redis event"}), ` +
    `${samples.length} changes: p50 ${percentile(samples, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(samples, 99).toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`,
);
