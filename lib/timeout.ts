/**
 * Settles with `work`, or rejects with `onTimeout()`'s error once `ms` have
 * passed, whichever comes first; the timer never outlives the race. `work`
 * itself is not cancelled (pass an abort in `onTimeout` when it can be).
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The one-shot timers a bounded wait uses, injected so the bound is tested without waiting. */
export interface TimeoutTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real timers. */
export const systemTimeouts: TimeoutTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/**
 * True when `work` settled (either way) within `ms`, false once `ms` have passed first; the
 * timer never outlives the race. `work` itself is not cancelled: the caller may still use its
 * late answer.
 */
export async function settlesWithin(
  work: PromiseLike<unknown>,
  ms: number,
  timers: TimeoutTimers = systemTimeouts,
): Promise<boolean> {
  let timer: unknown;
  try {
    return await Promise.race([
      Promise.resolve(work).then(() => true, () => true),
      new Promise<false>((resolve) => timer = timers.setTimeout(() => resolve(false), ms)),
    ]);
  } finally {
    if (timer !== undefined) timers.clearTimeout(timer);
  }
}

/** Timers that only fire when told to, for tests. */
export interface ManualTimeouts extends TimeoutTimers {
  /** The delays of the timers set and neither fired nor cleared yet, in the order they were set. */
  pending(): number[];
  /** Moves time on by `ms`, firing (in order) the timers that fall due. */
  advance(ms: number): void;
}

/** Creates {@link ManualTimeouts} at time 0. */
export function manualTimeouts(): ManualTimeouts {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; ms: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => [...timers.values()].map((timer) => timer.ms),
    advance(ms) {
      now += ms;
      const due = [...timers].filter(([, timer]) => timer.at <= now)
        .sort(([, a], [, b]) => a.at - b.at);
      for (const [id, timer] of due) {
        timers.delete(id);
        timer.fn();
      }
    },
  };
}
