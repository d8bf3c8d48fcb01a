import assert from "node:assert/strict";
import { memoryLogger } from "./log/mod.ts";
import { createScheduler } from "./scheduler.ts";

Deno.test("a scheduled task runs once at a time: a second call joins the run in flight", async () => {
  const scheduler = createScheduler({ logger: memoryLogger() });
  let runs = 0;
  let release!: () => void;
  scheduler.every("slow", 3_600_000, async () => {
    runs++;
    await new Promise<void>((resolve) => (release = resolve));
  });
  const first = scheduler.runNow("slow");
  const second = scheduler.runNow("slow");
  assert.equal(runs, 1, "a second call joins the run in flight");
  release();
  await Promise.all([first, second]);
  await scheduler.stop();
});

Deno.test("a failing task is logged by name without its message and reported", async () => {
  const logger = memoryLogger();
  const reported: string[] = [];
  const scheduler = createScheduler({ logger, onError: (_error, task) => reported.push(task) });
  scheduler.every(
    "cleanup",
    3_600_000,
    () => Promise.reject(new Error("row for jane@example.org")),
  );
  await scheduler.runNow("cleanup");
  await scheduler.stop();
  assert.deepEqual(reported, ["cleanup"]);
  assert.match(logger.lines.join("\n"), /"task":"cleanup"/);
  assert.ok(!logger.lines.join("\n").includes("jane@example.org"));
});

Deno.test("stop() called while a run is held stays pending until that run ends", async () => {
  const scheduler = createScheduler({ logger: memoryLogger() });
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  scheduler.every("held", 3_600_000, async () => {
    started();
    await new Promise<void>((resolve) => (release = resolve));
  });
  const run = scheduler.runNow("held");
  await running;
  let stopped = false;
  const stopping = scheduler.stop().then(() => (stopped = true));
  // Let every queued continuation run: a stop that does not wait would have settled by now.
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(stopped, false, "stop() waits for the run in flight");
  release();
  await stopping;
  assert.equal(stopped, true);
  await run;
});

Deno.test("a task first runs after the first-run delay, then on its interval", async () => {
  const asked: number[] = [];
  const scheduler = createScheduler({
    logger: memoryLogger(),
    firstRunDelayMs: (intervalMs) => {
      asked.push(intervalMs);
      return 5;
    },
  });
  let ran!: () => void;
  const first = new Promise<void>((resolve) => (ran = resolve));
  scheduler.every("chore", 3_600_000, () => Promise.resolve(ran()));
  // The scheduler's timers do not keep a process alive; this test's wait must.
  const keepAlive = setTimeout(() => {}, 10_000);
  await first;
  clearTimeout(keepAlive);
  assert.deepEqual(asked, [3_600_000], "the delay is chosen from the task's interval");
  await scheduler.stop();
});

Deno.test("stop() before a task's first run cancels it; a first-run delay not shorter than the interval adds none", async () => {
  let runs = 0;
  const stopped = createScheduler({ logger: memoryLogger(), firstRunDelayMs: () => 20 });
  stopped.every("chore", 3_600_000, () => Promise.resolve(runs++));
  await stopped.stop();
  const late = createScheduler({ logger: memoryLogger(), firstRunDelayMs: (ms) => ms });
  late.every("chore", 3_600_000, () => Promise.resolve(runs++));
  // Well past the cancelled first run's 20 ms.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await late.stop();
  assert.equal(runs, 0);
});

Deno.test("the app's first-run delay: 30-60 s after start, never past the interval", async () => {
  const { choresFirstRunDelayMs } = await import("./scheduler.ts");
  assert.equal(choresFirstRunDelayMs(3_600_000, () => 0), 30_000);
  assert.equal(choresFirstRunDelayMs(3_600_000, () => 0.999999), 59_999);
  assert.equal(choresFirstRunDelayMs(10_000, () => 0.5), 10_000);
});
