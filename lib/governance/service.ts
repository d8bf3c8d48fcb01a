/**
 * The mode service: loads the effective mode at start, answers `current()`
 * from memory on every request, changes it (`setMode`: persist, audit,
 * governance log, publish `governance.mode_changed`) and keeps every instance
 * in step: a `governance.mode_changed` event from any instance triggers a
 * re-read, and a periodic re-read (default every second) bounds staleness
 * even when the bus cannot reach this instance. Until the re-read after an
 * event has succeeded, `unappliedEvent()` names that event (the event
 * stream's `hello` must not claim it).
 *
 * Fail closed: a running instance that cannot read the stored mode — a re-read fails, the row
 * is corrupt, or no re-read has succeeded for `staleAfterMs` (a read may hang rather than fail)
 * — serves STANDBY (source `fail-closed`) until a read succeeds; another instance may have
 * set STANDBY meanwhile. ROS_MODE still wins. At start a corrupt row is an error, unless
 * ROS_MODE pins the mode (the operator's emergency toggle must be able to start a pod).
 */
import type { AuditActor, AuditLog } from "../audit/audit.ts";
import type { Config, Mode } from "../config.ts";
import type { Db, Queryable } from "../db/mod.ts";
import { ModePinnedError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { UnappliedEvents } from "../realtime/applied.ts";
import type { AppEvent, EventBus } from "../realtime/types.ts";
import { FAIL_CLOSED, InvalidStoredModeError, type ResolvedMode, resolveMode } from "./mode.ts";
import {
  appendGovernanceLog,
  type GovernanceLogEntry,
  listGovernanceLog,
  lockStoredMode,
  readStoredMode,
  writeStoredMode,
} from "./store.ts";

export { readStoredMode } from "./store.ts";

/** The outcome of {@link ModeService.setMode}. */
export interface ModeChange {
  state: ResolvedMode;
  previous: Mode;
  /** False when the stored mode already was the requested one (nothing written). */
  changed: boolean;
}

export interface ModeService {
  /** The effective mode now. */
  current(): Mode;
  /** Mode, pinned flag and where it came from. */
  state(): ResolvedMode;
  /** Re-reads the database value and re-resolves. */
  reload(): Promise<ResolvedMode>;
  /**
   * Why this instance serves STANDBY having failed closed, or undefined when it has not:
   * `read_failed` (a re-read failed: the database is out of reach), `stale` (no re-read has
   * succeeded for a while: reads hang), `corrupt_row` (the database answers, with a row that
   * names no mode). The latest reason while the outage lasts.
   */
  failedClosedBecause(): FailClosedReason | undefined;
  /**
   * Changes the stored mode. Throws {@link ModePinnedError} while `ROS_MODE`
   * pins it. Persists, audits, logs and publishes in that order.
   */
  setMode(mode: Mode, actor: AuditActor, options?: { requestId?: string }): Promise<ModeChange>;
  /** The newest governance log rows. */
  recentLog(limit?: number): Promise<GovernanceLogEntry[]>;
  /**
   * The oldest `governance.mode_changed` event whose mode this instance has not read back
   * yet (its re-read is under way or failed), if any.
   */
  unappliedEvent(): AppEvent | undefined;
  /**
   * Calls `listener` whenever the effective mode changes on this instance. `announced` is true
   * when a `governance.mode_changed` event brings the change to this instance's subscribers too
   * (this instance's own `setMode`, or a re-read after such an event from another instance), and
   * false when none does: a periodic re-read (the event has not come, or cannot while Redis is
   * lost), failing closed, or recovering from it.
   */
  onChange(
    listener: (state: ResolvedMode, previous: Mode, change: ModeChangeInfo) => void,
  ): () => void;
  /** Stops the sync (event subscription and periodic re-read). */
  close(): Promise<void>;
}

/** Why an instance failed closed (see {@link ModeService.failedClosedBecause}). */
export type FailClosedReason = "read_failed" | "stale" | "corrupt_row";

/** How a mode change reached this instance (see {@link ModeService.onChange}). */
export interface ModeChangeInfo {
  announced: boolean;
}

export interface ModeServiceDeps {
  config: Pick<Config, "rosMode" | "governanceMode">;
  db: Queryable & Partial<Pick<Db, "transaction">>;
  audit?: AuditLog;
  bus?: EventBus;
  logger?: Logger;
  /** Periodic re-read interval in ms (0 disables); default 1000. Needs `bus` to start. */
  syncIntervalMs?: number;
  /**
   * With the periodic re-read on: after this long without a successful read the instance
   * fails closed to STANDBY. Default 2.5 × the interval (so the third missed read).
   */
  staleAfterMs?: number;
  /** Milliseconds clock for the staleness check (default `performance.now`). */
  now?: () => number;
}

/** Why the mode is pinned, in words for the console and the API. */
export const PINNED_REASON =
  "ROS_MODE is set in the environment of this deployment; the operator's setting wins over the API. " +
  "Unset ROS_MODE and roll out to change the mode here.";

/**
 * Whether an instance in `state` follows the stored mode, so that a `governance.mode_changed`
 * event (which names the stored mode) says the mode it is in, or soon will be. Not while ROS_MODE
 * pins it (the stored mode does not decide it) nor while it has failed closed (it serves STANDBY
 * until a read succeeds, and its streams are then told to refetch). The event stream passes the
 * event on to its clients only then.
 */
export function followsStoredMode(state: ResolvedMode): boolean {
  return !state.pinned && state.source !== "fail-closed";
}

/** Creates the service and loads the mode once. */
export async function createModeService(deps: ModeServiceDeps): Promise<ModeService> {
  let resolved: ResolvedMode;
  const listeners = new Set<
    (state: ResolvedMode, previous: Mode, change: ModeChangeInfo) => void
  >();
  // Reads and writes are serialized so a slow re-read can never overwrite a newer write.
  let chain: Promise<unknown> = Promise.resolve();
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const result = chain.then(fn);
    chain = result.catch(() => {});
    return result;
  }

  /** `requestId`: the request whose change this is, named in the log line (its own setMode). */
  function apply(next: ResolvedMode, announced: boolean, requestId?: string): ResolvedMode {
    const previous = resolved?.mode;
    resolved = next;
    if (previous !== undefined && previous !== next.mode) {
      deps.logger?.info("governance mode changed", {
        mode: next.mode,
        previous,
        ...(requestId ? { requestId } : {}),
      });
      for (const listener of [...listeners]) {
        try {
          listener(next, previous, { announced });
        } catch {
          deps.logger?.error("mode change listener failed");
        }
      }
    }
    return next;
  }

  function resolveWith(stored: Mode | undefined): ResolvedMode {
    return resolveMode({
      rosMode: deps.config.rosMode,
      stored,
      governanceMode: deps.config.governanceMode,
    });
  }

  const now = deps.now ?? (() => performance.now());
  let lastGoodRead = now();
  // Kinds of re-read failure logged during the current outage: the periodic re-read fails every
  // second while the database is down or the row corrupt, and is told once per kind (as Redis
  // connection errors are), then once more when a read succeeds.
  const reportedFailures = new Set<string>();
  let failedClosedReason: FailClosedReason | undefined;
  const unapplied = new UnappliedEvents();
  const reload = async () => {
    // Serialized: the read serving this call starts after it, so it covers the events so far.
    const mark = unapplied.mark();
    const state = await serialized(async () => {
      const stored = await readStoredMode(deps.db);
      lastGoodRead = now();
      if (resolved?.source === "fail-closed" || reportedFailures.size > 0) {
        deps.logger?.info("governance mode readable again", { mode: resolveWith(stored).mode });
      }
      reportedFailures.clear();
      failedClosedReason = undefined;
      // Announced when an event from another instance is waiting for this read: that event
      // reaches this instance's subscribers (its streams) too. Not when recovering from failing
      // closed: the streams left out the events that came meanwhile (see followsStoredMode).
      const announced = unapplied.oldest() !== undefined && resolved?.source !== "fail-closed";
      return apply(resolveWith(stored), announced);
    });
    unapplied.applied(mark);
    return state;
  };

  /** Serves STANDBY until a read succeeds (not while ROS_MODE pins the mode). */
  function failClosed(reason: FailClosedReason, errorType?: string): void {
    if (deps.config.rosMode) return;
    // The latest reason: a corrupt row, then the database gone, is an outage of the database.
    if (resolved?.source === "fail-closed") {
      failedClosedReason = reason;
      return;
    }
    failedClosedReason = reason;
    deps.logger?.error("governance mode unreadable: failing closed to STANDBY", {
      reason,
      ...(errorType ? { errorType } : {}),
    });
    apply(FAIL_CLOSED, false);
  }

  let unsubscribe: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const syncIntervalMs = deps.syncIntervalMs ?? 1000;
  const staleAfterMs = deps.staleAfterMs ?? syncIntervalMs * 2.5;
  // One re-read at a time (a read that hangs must not queue more behind it); a request made
  // while one runs is kept and served right after it, so an event is never left unread.
  let reloading = false;
  let again = false;
  let closed = false;
  const quietReload = () => {
    if (closed) return;
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    again = false;
    reload().catch((error) => {
      const errorType = error instanceof Error ? error.name : typeof error;
      const reason = error instanceof InvalidStoredModeError ? "corrupt_row" : "read_failed";
      if (!reportedFailures.has(`${reason}:${errorType}`)) {
        reportedFailures.add(`${reason}:${errorType}`);
        deps.logger?.warn("governance mode re-read failed", { reason, errorType });
      }
      failClosed(reason, errorType);
    }).finally(() => {
      reloading = false;
      if (again) quietReload();
    });
  };
  const tick = () => {
    if (now() - lastGoodRead > staleAfterMs) failClosed("stale");
    quietReload();
  };
  // Subscribed before the first read, so a change announced while it runs is not missed.
  if (deps.bus) {
    unsubscribe = deps.bus.subscribe("governance", (event) => {
      if (event.type !== "governance.mode_changed") return;
      // Modes carry no version to tell an old announcement from a new one: every change counts
      // as not shown until read back (a pinned mode does not follow the stored one).
      if (!resolved?.pinned) unapplied.add(event);
      quietReload();
    }, {
      // A mode change may have been missed (trimmed from the stream before this instance read
      // it): re-read now rather than at the next periodic sync; streams resync once this
      // succeeded. (A failed read is left to the periodic sync, which fails closed when stale.)
      reloadState: () => reload().then(() => true, () => false),
    });
  }
  try {
    await reload();
  } catch (error) {
    if (!(error instanceof InvalidStoredModeError && deps.config.rosMode)) {
      unsubscribe?.();
      throw error;
    }
    // Pinned: the stored value does not decide the mode, and the pin must be able to start.
    deps.logger?.error("stored governance mode is invalid; ROS_MODE pins the mode", {
      errorType: error.name,
    });
    apply(resolveWith(undefined), false);
  }
  if (deps.bus && syncIntervalMs > 0) timer = setInterval(tick, syncIntervalMs);

  async function setMode(
    mode: Mode,
    actor: AuditActor,
    options: { requestId?: string } = {},
  ): Promise<ModeChange> {
    if (deps.config.rosMode) throw new ModePinnedError();
    const change = await serialized(async (): Promise<ModeChange> => {
      const run = async (tx: Queryable, locked: boolean) => {
        // Read under the lock: another instance's change in flight commits first, and this
        // one then replaces what it wrote (not what was stored before it).
        if (locked) await lockStoredMode(tx);
        const stored = await readStoredMode(tx);
        const previous = resolveWith(stored).mode;
        if (stored === mode) return { previous, changed: false };
        const userId = actor.type === "user" ? actor.id ?? null : null;
        await writeStoredMode(tx, mode, userId);
        await appendGovernanceLog(tx, {
          eventType: "mode_change",
          userId,
          details: { from: previous, to: mode, actorType: actor.type },
        });
        await deps.audit?.record({
          actor,
          action: "governance.mode_change",
          target: { type: "governance_config", id: "mode" },
          before: { mode: previous },
          after: { mode },
          ...(options.requestId ? { requestId: options.requestId } : {}),
        }, tx);
        return { previous, changed: true };
      };
      const outcome = deps.db.transaction
        ? await deps.db.transaction((tx) => run(tx, true))
        : await run(deps.db, false);
      // Announced: the event published below reaches this instance's subscribers too, at once,
      // or when Redis has stopped answering within the bus's append bound (2 s, APPEND_TIMEOUT_MS
      // in lib/realtime/redis_bus.ts), after which it is delivered here from the outbox path.
      return {
        ...outcome,
        state: apply(resolveWith(mode), deps.bus !== undefined, options.requestId),
      };
    });
    if (change.changed && deps.bus) {
      try {
        await deps.bus.publish({
          type: "governance.mode_changed",
          topic: "governance",
          payload: { mode, previous: change.previous, pinned: false },
        });
      } catch (error) {
        // Persisted and applied here; other instances converge through the periodic re-read.
        deps.logger?.warn("mode change event not published", {
          errorType: error instanceof Error ? error.name : typeof error,
        });
      }
    }
    return change;
  }

  return {
    current: () => resolved.mode,
    state: () => resolved,
    reload,
    failedClosedBecause: () => resolved.source === "fail-closed" ? failedClosedReason : undefined,
    unappliedEvent: () => unapplied.oldest(),
    setMode,
    recentLog: (limit = 20) => listGovernanceLog(deps.db, limit),
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      closed = true;
      unsubscribe?.();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      return chain.then(() => {});
    },
  };
}
