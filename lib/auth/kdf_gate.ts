/**
 * At most a few password hashes at once per instance.
 *
 * One scrypt hash at the default cost takes 128 MiB for about half a second, and sign-in runs
 * one for every attempt (a dummy one for an unknown email, so timing reveals nothing). Without a
 * bound, a burst of attempts from anywhere (or a shift change) runs them all at once: 32 in
 * parallel took 4.6 GB here, far beyond a pod's memory limit. The gate lets `concurrency` run,
 * queues at most `maxQueued` more for at most `maxWaitMs`, and refuses the rest at once with 503
 * SERVICE_UNAVAILABLE and Retry-After: a busy sign-in page, not a killed instance.
 */
import { ServiceUnavailableError } from "../errors/mod.ts";

export interface KdfGateOptions {
  /** Hashes running at once (memory: this many times the hash's cost). */
  concurrency: number;
  /** Callers waiting for a turn; beyond, refused at once. */
  maxQueued: number;
  /** How long a caller waits for its turn before it is refused. */
  maxWaitMs: number;
}

export const DEFAULT_KDF_GATE: KdfGateOptions = {
  concurrency: 2,
  maxQueued: 64,
  maxWaitMs: 10_000,
};

/** Raised when the gate is full or a caller's wait ran out. */
export class KdfBusyError extends ServiceUnavailableError {
  constructor() {
    super("Too many password checks at once; try again in a moment", 2);
  }
}

export interface KdfGate {
  /** Runs `hash` when a turn is free; KdfBusyError when none comes in time. */
  run<T>(hash: () => Promise<T>): Promise<T>;
  /** Hashes running and callers waiting now (for tests and metrics). */
  load(): { running: number; queued: number };
}

export function createKdfGate(options: KdfGateOptions = DEFAULT_KDF_GATE): KdfGate {
  let running = 0;
  const waiting: Array<{ start: () => void; timer: ReturnType<typeof setTimeout> }> = [];

  function release(): void {
    const next = waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.start(); // the turn passes on: `running` stays the same
    } else {
      running--;
    }
  }

  function turn(): Promise<void> {
    if (running < options.concurrency) {
      running++;
      return Promise.resolve();
    }
    if (waiting.length >= options.maxQueued) return Promise.reject(new KdfBusyError());
    return new Promise((resolve, reject) => {
      const entry = {
        start: resolve,
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(new KdfBusyError());
        }, options.maxWaitMs),
      };
      waiting.push(entry);
    });
  }

  return {
    async run(hash) {
      await turn();
      try {
        return await hash();
      } finally {
        release();
      }
    },
    load: () => ({ running, queued: waiting.length }),
  };
}
