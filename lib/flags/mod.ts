/**
 * Feature flags and experiments: the public surface, and the one factory
 * createApp uses to build them (store, snapshot, services, bus refresh,
 * periodic refresh, readiness check).
 */
import type { Context } from "hono";
import type { AuditLog } from "../audit/mod.ts";
import type { Clock } from "../clock.ts";
import type { Config, Mode } from "../config.ts";
import type { Db } from "../db/mod.ts";
import {
  createExperimentService,
  type ExperimentHooks,
  type ExperimentService,
} from "../experiments/service.ts";
import { createAssignmentStore } from "../experiments/store.ts";
import type { ReadinessCheck } from "../health/mod.ts";
import type { AppEnv as HttpEnv } from "../http/types.ts";
import type { Logger } from "../log/mod.ts";
import type { AppEvent, EventBus } from "../realtime/types.ts";
import { createFlagService, type FlagService } from "./service.ts";
import { createSnapshotCache, type SnapshotCache } from "./snapshot.ts";
import { createFlagStore } from "./store.ts";

export * from "./evaluate.ts";
export * from "./flag.ts";
export { explain } from "./explain.ts";
export { bucketOf, inRollout, murmur3 } from "./hash.ts";
export type { ChangeContext, FlagService, FlagStatus, StatusQuery } from "./service.ts";
export type { SnapshotState, SnapshotStatus } from "./snapshot.ts";
export type { ArchivedFlag } from "./store.ts";

/** The topic flag and experiment changes travel on. */
export const FLAG_EVENTS_TOPIC = "governance";

export interface FeatureControl {
  flags: FlagService;
  experiments: ExperimentService;
  snapshots: SnapshotCache;
  /** Non-critical readiness check: "degraded" while serving a stale snapshot. */
  readiness: ReadinessCheck;
  /** Stops the bus subscription and the periodic refresh. */
  close(): Promise<void>;
}

export interface FeatureControlDeps {
  config: Pick<Config, "appEnv" | "featureOverrides">;
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  bus?: EventBus | undefined;
  mode: () => Mode;
  hooks?: ExperimentHooks;
  /** Safety-net reload interval in ms (default 30 000; 0 disables). Bus events reload at once. */
  refreshIntervalMs?: number;
  /**
   * Reload interval in ms while this instance cannot hear the others (default 2 000; 0
   * disables): without Redis events a change made on another instance, a kill switch say, would
   * otherwise wait for the 30 s safety net.
   */
  outageRefreshIntervalMs?: number;
}

/**
 * Builds flags and experiments and loads the first snapshot. A database
 * failure here is not fatal: flags fail closed (reason ERROR) until a later
 * reload succeeds.
 */
export async function createFeatureControl(deps: FeatureControlDeps): Promise<FeatureControl> {
  const store = createFlagStore({ db: deps.db, clock: deps.clock });
  const snapshots = createSnapshotCache({
    load: () => store.loadAll(),
    overrides: deps.config.featureOverrides,
    clock: deps.clock,
    logger: deps.logger,
  });
  // Subscribed before the first load, so a change announced while it runs is not missed.
  const unsubscribe = deps.bus?.subscribe(FLAG_EVENTS_TOPIC, (event) => {
    if (isStale(snapshots, event)) void snapshots.reloadFor(event);
  }, {
    // Changes may have been missed (trimmed from the stream before this instance read them):
    // re-read now rather than at the next periodic reload; streams resync once this succeeded.
    reloadState: () => snapshots.reload(),
  });
  await snapshots.reload();
  const flags = createFlagService({
    store,
    snapshots,
    audit: deps.audit,
    bus: deps.bus,
    mode: deps.mode,
    environment: deps.config.appEnv,
    overrides: deps.config.featureOverrides,
    logger: deps.logger,
  });
  const experiments = createExperimentService({
    store,
    assignments: createAssignmentStore({ db: deps.db, clock: deps.clock }),
    snapshots,
    audit: deps.audit,
    bus: deps.bus,
    mode: deps.mode,
    logger: deps.logger,
    ...(deps.hooks ? { hooks: deps.hooks } : {}),
  });

  const intervalMs = deps.refreshIntervalMs ?? 30_000;
  const timer = intervalMs > 0 ? setInterval(() => void snapshots.reload(), intervalMs) : undefined;
  const bus = deps.bus;
  const outageMs = deps.outageRefreshIntervalMs ?? 2_000;
  const outageTimer = bus && outageMs > 0
    ? setInterval(() => {
      if (!bus.internal.listening()) void snapshots.reload();
    }, outageMs)
    : undefined;

  return {
    flags,
    experiments,
    snapshots,
    readiness: snapshots.readinessCheck(),
    close() {
      unsubscribe?.();
      if (timer !== undefined) clearInterval(timer);
      if (outageTimer !== undefined) clearInterval(outageTimer);
      return Promise.resolve();
    },
  };
}

/**
 * Whether a change event is newer than what the snapshot holds (own changes are already in).
 * Events can arrive out of order (two changes committed close together, on one instance or two),
 * so one no newer than the flag held asks for nothing: re-reading would change nothing, and the
 * event would be named as unapplied (the stream's hello then claims no id) until it is done. The
 * snapshot itself only ever moves by a full re-read of the database, loads one after the other
 * (snapshot.ts), so an older version never replaces a newer one there.
 */
function isStale(snapshots: SnapshotCache, event: AppEvent): boolean {
  const snapshot = snapshots.current();
  const version = typeof event.payload.version === "number" ? event.payload.version : undefined;
  if (event.type === "governance.flag_changed") {
    const key = event.payload.flagKey;
    const held = typeof key === "string" ? snapshot?.flags.get(key)?.flag : undefined;
    if (!snapshot) return true;
    // An archive is news while the flag is held at an older version (a restore since is not).
    if (event.payload.archived === true) {
      return held !== undefined && (version === undefined || held.version < version);
    }
    return !held || version === undefined || held.version < version;
  }
  if (event.type === "experiment.changed") {
    const key = event.payload.experimentKey;
    const held = typeof key === "string" ? snapshot?.experiments.get(key) : undefined;
    return !held || version === undefined || held.version < version;
  }
  return false;
}

/** The flags of the page's caller: the one helper page handlers read flags through. */
export function flagsForRequest(
  c: Context<HttpEnv>,
  flags: Pick<FlagService, "stateFor">,
): Record<string, boolean> {
  const principal = c.get("principal");
  return flags.stateFor(
    principal?.kind === "user"
      ? { userId: principal.id, sessionId: principal.sessionId, role: principal.role }
      : {},
  ).flags;
}
