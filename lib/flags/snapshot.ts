/**
 * The in-process snapshot of flags and experiments that every evaluation
 * reads (no database round trip per evaluation).
 *
 * - Reloads are coalesced: at most one load runs, and a reload asked for
 *   while one runs is served by one more load after it (so a change committed
 *   during a load is never missed).
 * - A reload asked for because of a bus event (`reloadFor`) names that event
 *   in `state().unappliedEvent` until a load started after it has succeeded,
 *   so the event stream's `hello` never claims a change it does not show.
 * - If a load fails, the last good snapshot keeps serving (flags fail static)
 *   and the state becomes `stale`; with no snapshot at all it is `empty` and
 *   flags evaluate to false with reason `ERROR` (fail closed).
 */
import type { Clock } from "../clock.ts";
import type { Experiment } from "../experiments/experiment.ts";
import type { CheckStatus, ReadinessCheck } from "../health/mod.ts";
import type { Logger } from "../log/mod.ts";
import { UnappliedEvents } from "../realtime/applied.ts";
import type { AppEvent } from "../realtime/types.ts";
import { withTimeout } from "../timeout.ts";
import { buildSnapshot, type FlagSnapshot, type Overrides } from "./evaluate.ts";
import type { Flag } from "./flag.ts";

/** `fresh`: the last load succeeded; `stale`: serving an older snapshot; `empty`: nothing loaded. */
export type SnapshotStatus = "fresh" | "stale" | "empty";

export interface SnapshotState {
  status: SnapshotStatus;
  /** Clock time of the snapshot being served, or null. */
  loadedAt: number | null;
  /** Clock time of the last failed load since the last success, or null. */
  failedAt: number | null;
  revision: string | null;
  /** The oldest bus event whose change the snapshot does not hold yet (a reload is due), or null. */
  unappliedEvent: AppEvent | null;
}

export interface SnapshotCache {
  current(): FlagSnapshot | null;
  state(): SnapshotState;
  /** Loads now (coalesced); resolves true when the snapshot is fresh afterwards. */
  reload(): Promise<boolean>;
  /**
   * Reloads because `event` announced a change the snapshot does not hold; until a load
   * started after this call succeeds, `state().unappliedEvent` names it (or an older one).
   */
  reloadFor(event: AppEvent): Promise<boolean>;
  /** Reloads when the last attempt is older than `maxAgeMs`. */
  refreshIfOlderThan(maxAgeMs: number): Promise<void>;
  /** Calls `listener` after every successful load. */
  onLoad(listener: (snapshot: FlagSnapshot) => void): () => void;
  /** Readiness: "ok", "degraded" while stale, failed while empty. Never critical. */
  readinessCheck(): ReadinessCheck;
}

export interface SnapshotDeps {
  load(): Promise<{ flags: Flag[]; experiments: Experiment[] }>;
  overrides: Overrides;
  clock: Clock;
  logger: Logger;
  /** A load slower than this counts as failed (default 2000 ms). */
  loadTimeoutMs?: number;
}

class LoadTimeout extends Error {}

/** A readiness probe re-reads the source when the last attempt is older than this. */
const READINESS_RECHECK_MS = 5000;

/** Creates the cache (empty until the first `reload()`). */
export function createSnapshotCache(deps: SnapshotDeps): SnapshotCache {
  const timeoutMs = deps.loadTimeoutMs ?? 2000;
  let snapshot: FlagSnapshot | null = null;
  let failedAt: number | null = null;
  let attemptedAt = -Infinity;
  let inflight: Promise<boolean> | null = null;
  let queued: Promise<boolean> | null = null;
  const listeners = new Set<(snapshot: FlagSnapshot) => void>();
  const unapplied = new UnappliedEvents();

  async function loadOnce(): Promise<boolean> {
    attemptedAt = deps.clock.now();
    try {
      const data = await withTimeout(deps.load(), timeoutMs, () => new LoadTimeout());
      const next = buildSnapshot({
        ...data,
        overrides: deps.overrides,
        loadedAt: deps.clock.now(),
      });
      const changed = next.revision !== snapshot?.revision;
      snapshot = next;
      if (failedAt !== null) deps.logger.info("flag snapshot restored", { flags: next.flags.size });
      failedAt = null;
      if (changed) {
        for (const listener of listeners) {
          try {
            listener(next);
          } catch {
            deps.logger.warn("flag snapshot listener failed");
          }
        }
      }
      return true;
    } catch (error) {
      if (failedAt === null) {
        // Logged once per outage, without the error text (it may hold a connection string).
        deps.logger.warn("flag snapshot load failed; serving the last good snapshot", {
          errorType: error instanceof LoadTimeout
            ? "timeout"
            : error instanceof Error
            ? error.name
            : "error",
          serving: snapshot ? "stale" : "none",
        });
      }
      failedAt = deps.clock.now();
      return false;
    }
  }

  function reload(): Promise<boolean> {
    // The load serving this call starts after it (a running one is followed by another), so
    // its success covers every event recorded until now.
    const mark = unapplied.mark();
    return coalescedReload().then((fresh) => {
      if (fresh) unapplied.applied(mark);
      return fresh;
    });
  }

  function reloadFor(event: AppEvent): Promise<boolean> {
    unapplied.add(event);
    return reload();
  }

  function coalescedReload(): Promise<boolean> {
    if (!inflight) {
      inflight = loadOnce().finally(() => {
        inflight = null;
      });
      return inflight;
    }
    // A load is running and may have read before the change we are told about.
    if (!queued) {
      queued = inflight.then(() => {
        queued = null;
        return coalescedReload();
      });
    }
    return queued;
  }

  function state(): SnapshotState {
    return {
      status: !snapshot ? "empty" : failedAt !== null ? "stale" : "fresh",
      loadedAt: snapshot?.loadedAt ?? null,
      failedAt,
      revision: snapshot?.revision ?? null,
      unappliedEvent: unapplied.oldest() ?? null,
    };
  }

  async function refreshIfOlderThan(maxAgeMs: number): Promise<void> {
    if (deps.clock.now() - attemptedAt >= maxAgeMs) await reload();
  }

  return {
    current: () => snapshot,
    state,
    reload,
    reloadFor,
    refreshIfOlderThan,
    onLoad(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readinessCheck() {
      return {
        name: "flags",
        critical: false,
        async run(): Promise<CheckStatus> {
          // A probe re-checks the source at most every 5 s, so an outage shows here
          // even when nothing changed.
          await refreshIfOlderThan(READINESS_RECHECK_MS);
          const status = state().status;
          if (status === "fresh") return "ok";
          if (status === "stale") return "degraded";
          return "failed: unavailable";
        },
      };
    },
  };
}
