/**
 * Periodic background tasks (session sweeping, retention cleanup): one run at
 * a time per task, errors logged by name (never by message) and reported, and
 * a stop that waits for runs in flight.
 */
import type { Logger } from "./log/mod.ts";

export interface Scheduler {
  /** Runs `task` every `intervalMs` (and never twice at once). */
  every(name: string, intervalMs: number, task: () => Promise<unknown>): void;
  /** Runs a task now, outside its schedule (tests, admin actions). */
  runNow(name: string): Promise<void>;
  /** Stops every schedule and waits for runs in flight. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  logger: Logger;
  /** Called with errors from tasks (e.g. the error reporter); must not throw. */
  onError?: (error: unknown, task: string) => void;
}

/** Creates a scheduler owned by one app instance. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const tasks = new Map<
    string,
    { task: () => Promise<unknown>; timer: ReturnType<typeof setInterval>; running?: Promise<void> }
  >();

  function run(name: string): Promise<void> {
    const entry = tasks.get(name);
    if (!entry) return Promise.resolve();
    if (entry.running) return entry.running;
    entry.running = (async () => {
      try {
        await entry.task();
      } catch (error) {
        options.logger.error("background task failed", {
          task: name,
          errorType: error instanceof Error ? error.name : typeof error,
        });
        try {
          options.onError?.(error, name);
        } catch { /* reporting must never break the schedule */ }
      } finally {
        entry.running = undefined;
      }
    })();
    return entry.running;
  }

  return {
    every(name, intervalMs, task) {
      if (tasks.has(name)) throw new Error(`Task ${name} is already scheduled`);
      const timer = setInterval(() => void run(name), intervalMs);
      // Background chores must not keep a process alive on their own.
      Deno.unrefTimer(timer as unknown as number);
      tasks.set(name, { task, timer });
    },
    runNow: run,
    async stop() {
      for (const entry of tasks.values()) clearInterval(entry.timer);
      await Promise.all([...tasks.values()].map((entry) => entry.running));
      tasks.clear();
    },
  };
}
