/**
 * How long a flag change takes to reach a second instance: two app instances
 * on one Postgres and one Redis (the event bus), a change made on A, and the
 * time until B evaluates the new version (what B's OFREP answers from).
 *
 *   TEST_DATABASE_URL=postgres://… TEST_REDIS_URL=redis://… deno run -A bench/ofrep_propagation.ts [--changes 50]
 *
 * Figures go in docs/flags.md; tests/flags_instances_test.ts checks the behaviour.
 */
import { argument, percentile, twoInstances, waitUntil, write } from "./harness.ts";

const changes = argument("changes", 50);
const { a, b, close } = await twoInstances();
const actor = { actor: { type: "system" as const } };

const samples: number[] = [];
try {
  await a.services.flags.set("bench.propagation", { enabled: false }, actor);
  for (let i = 0; i < changes; i++) {
    const started = performance.now();
    const flag = await a.services.flags.set("bench.propagation", { enabled: i % 2 === 0 }, actor);
    await waitUntil(
      () => (b.services.flags.get("bench.propagation")?.version ?? 0) >= flag.version,
      started,
      "the change",
    );
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
} finally {
  await close();
}

samples.sort((x, y) => x - y);
write(`flag change on A → evaluated on B (Postgres + Redis Streams), ${samples.length} changes`);
write(
  `p50 ${percentile(samples, 50).toFixed(1)} ms  p90 ${percentile(samples, 90).toFixed(1)} ms  ` +
    `p99 ${percentile(samples, 99).toFixed(1)} ms  max ${samples.at(-1)!.toFixed(1)} ms ` +
    `(includes A's write, audit and publish)`,
);
