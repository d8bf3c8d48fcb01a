/**
 * Periodic background tasks (session sweeping, retention cleanup): a first run soon after start,
 * then one every interval; one run at a time per task, errors logged by name (never by message)
 * and reported, and a stop that waits for runs in flight.
 */
import type { Logger } from "./log/mod.ts";

export interface Scheduler {
  /**
   * Runs `task` once after the first-run delay (see {@link SchedulerOptions.firstRunDelayMs}),
   * then every `intervalMs` from the start (and never twice at once).
   */
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
  /**
   * How long after `every()` a task first runs, given its interval (default: never before the
   * first interval). Without a first run, an instance restarted more often than a chore's
   * interval (rollouts, autoscaling) never ran it: analytics past their retention stayed.
   */
  firstRunDelayMs?: (intervalMs: number) => number;
}

/**
 * The app's first-run delay: 30 to 60 s after start (spread so instances started together do not
 * run together), or the interval when that is shorter. After the start's own database work, and
 * soon enough that a chore runs on an instance that lives a minute.
 */
export function choresFirstRunDelayMs(intervalMs: number, random: () => number = Math.random) {
  return Math.min(intervalMs, 30_000 + Math.floor(random() * 30_000));
}

/** Creates a scheduler owned by one app instance. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const tasks = new Map<
    string,
    {
      task: () => Promise<unknown>;
      timer: ReturnType<typeof setInterval>;
      first?: ReturnType<typeof setTimeout>;
      running?: Promise<void>;
    }
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
      const firstMs = options.firstRunDelayMs?.(intervalMs);
      let first: ReturnType<typeof setTimeout> | undefined;
      if (firstMs !== undefined && firstMs < intervalMs) {
        first = setTimeout(() => void run(name), Math.max(0, firstMs));
        Deno.unrefTimer(first as unknown as number);
      }
      tasks.set(name, { task, timer, first });
    },
    runNow: run,
    async stop() {
      for (const entry of tasks.values()) {
        clearInterval(entry.timer);
        clearTimeout(entry.first);
      }
      await Promise.all([...tasks.values()].map((entry) => entry.running));
      tasks.clear();
    },
  };
}
