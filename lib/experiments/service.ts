/**
 * The experiment service: variant assignment from the in-process snapshot,
 * best-effort persistence (a persisted assignment wins over the hash while its
 * variant exists with a weight above 0; otherwise the subject is re-drawn), the
 * consent-gated `experiment.assigned` analytics event (never on the event stream), and the admin view with
 * assignment counts and the sample-ratio-mismatch check.
 */
import type { AuditLog } from "../audit/mod.ts";
import type { Mode } from "../config.ts";
import type { Logger } from "../log/mod.ts";
import { payloadRefusal } from "../realtime/payload_guard.ts";
import type { EventBus } from "../realtime/types.ts";
import type { FlagSnapshot } from "../flags/evaluate.ts";
import type { SnapshotCache } from "../flags/snapshot.ts";
import { type ChangeContext, storeCall, type WritePrecondition } from "../flags/service.ts";
import type { FlagStore } from "../flags/store.ts";
import { settlesWithin, type TimeoutTimers, withTimeout } from "../timeout.ts";
import { isStorableText } from "../validation/text.ts";
import { assign, type Assignment, type AssignmentContext, keepsVariant } from "./assign.ts";
import type { Experiment, ExperimentInput } from "./experiment.ts";
import { srmCheck, type SrmResult } from "./srm.ts";
import type { AssignmentStore, AssignmentSubject } from "./store.ts";

/** A new persisted assignment, as handed to the analytics hook. */
export interface AssignedEvent {
  experimentKey: string;
  variant: string;
  userId: string | null;
  sessionId: string | null;
  /**
   * Set on a re-draw: the variant the subject was stored in before it was switched off (weight 0)
   * or removed. Recorded as a move, not a second exposure, when the subject's exposure there is
   * stored; the recording hook checks (none without consent at the first assignment, or erased).
   */
  reassignedFrom?: string;
}

/** What the request asking for a variant said about analytics. */
export interface AssignmentRequest {
  /** The request carried Global Privacy Control (`Sec-GPC: 1`). */
  gpc: boolean;
}

/**
 * Wired by createApp once the consent and analytics features exist. Without
 * a consent check nobody counts as consenting: nothing is published or recorded.
 */
export interface ExperimentHooks {
  /**
   * True when the user granted analytics consent (not revoked). `request` is the request that
   * made the assignment: with `gpc` (it carried `Sec-GPC: 1`) the signal is recorded as first
   * seen and counts as no consent unless granted after it was recorded.
   */
  hasAnalyticsConsent?(userId: string, request?: AssignmentRequest): Promise<boolean>;
  /** Records the assignment as an analytics event; called only after consent was confirmed. */
  recordAssigned?(event: AssignedEvent): Promise<void>;
}

export interface VariantView {
  key: string;
  weight: number;
  config: Record<string, unknown>;
  /** Persisted assignments to this variant. */
  assignments: number;
}

export interface ExperimentView {
  key: string;
  enabled: boolean;
  description: string | null;
  requiredModes: Mode[];
  variants: VariantView[];
  version: number;
  updatedAt: string;
  updatedBy: string | null;
  /** Null when the counts could not be read. */
  srm: SrmResult | null;
}

export interface ExperimentService {
  /** Every live experiment with assignment counts and the SRM check. */
  list(): Promise<ExperimentView[]>;
  get(key: string): Experiment | undefined;
  /** Creates or updates an experiment (optimistic concurrency through `input.version`). */
  set(input: ExperimentInput, change: ChangeContext): Promise<ExperimentView>;
  /**
   * {@link set}, telling whether anything changed: settings the live experiment already has
   * write nothing (no version, audit entry or event) and are no conflict whatever
   * `input.version`.
   */
  write(
    input: ExperimentInput,
    change: ChangeContext,
    precondition?: WritePrecondition,
  ): Promise<ExperimentWrite>;
  /**
   * The subject's variant: sticky assignment, else the hash (persisted best-effort). `request`
   * (its GPC signal) decides with the consent whether a new assignment is recorded as an exposure.
   */
  variantFor(
    key: string,
    subject: AssignmentSubject,
    request?: AssignmentRequest,
  ): Promise<Assignment>;
  /** The variant by snapshot and hash alone (no I/O, no sticky assignment). */
  assignNow(key: string, context: AssignmentContext): Assignment;
  /**
   * Remote evaluation (OFREP) of `keys` for a targeting key, which is a user id: that user's
   * persisted assignment wins (STICKY), else the hash (SPLIT; the re-draw for a stored variant
   * removed or switched off), as in {@link variantFor}, but
   * nothing is persisted. The user's assignments to every experiment are read in one query and
   * kept for the snapshot revision; a failed or slow read falls back to the hash.
   */
  assignRemote(
    keys: readonly string[],
    targetingKey: string | undefined,
  ): Promise<Map<string, Assignment>>;
}

/** The outcome of {@link ExperimentService.write}: the experiment as stored, and whether it was written. */
export interface ExperimentWrite {
  experiment: ExperimentView;
  changed: boolean;
}

export interface ExperimentServiceDeps {
  store: FlagStore;
  assignments: AssignmentStore;
  snapshots: SnapshotCache;
  audit: AuditLog;
  bus?: EventBus | undefined;
  mode: () => Mode;
  logger: Logger;
  hooks?: ExperimentHooks;
  /** Sticky assignments kept in memory (default 10 000). */
  cacheSize?: number;
  /** The timers of the exposure's bound (default: the real ones). */
  timers?: TimeoutTimers;
}

/** How long remote evaluation waits for a user's stored assignments before using the hash. */
export const STICKY_READ_TIMEOUT_MS = 500;

/**
 * How long a new assignment's answer waits for its exposure: the consent check (not answered in
 * time: not recorded) and then the event's write (goes on after it). The same bound as the
 * sticky reads and the variant endpoint's GPC recording.
 */
export const EXPOSURE_WAIT_MS = STICKY_READ_TIMEOUT_MS;

const NONE: ReadonlyMap<string, string> = new Map();

/** Creates the service. */
export function createExperimentService(deps: ExperimentServiceDeps): ExperimentService {
  const { snapshots } = deps;
  const cacheSize = deps.cacheSize ?? 10_000;
  // (experiment, subject) → persisted variant, as read or written at an experiment version;
  // bounded, oldest evicted first. Another instance may move a subject off a variant its version
  // removed, so an entry is only trusted at the version it was cached at: once the experiment
  // changes, the next request reads the database again.
  const sticky = new Map<string, { version: number; variant: string }>();

  const cacheKey = (key: string, subject: AssignmentSubject) =>
    subject.userId
      ? `${key}\u0000u\u0000${subject.userId}`
      : `${key}\u0000s\u0000${subject.sessionId}`;

  function remember(key: string, version: number, variant: string): void {
    sticky.delete(key);
    sticky.set(key, { version, variant });
    if (sticky.size > cacheSize) sticky.delete(sticky.keys().next().value!);
  }

  // Remote evaluation: user id → that user's persisted variants (every live experiment), as read
  // at a snapshot revision. A change of any flag or experiment changes the revision, so the next
  // evaluation reads again. Bounded like `sticky`.
  const remote = new Map<string, { revision: string; variants: ReadonlyMap<string, string> }>();
  // Reads in flight per user; a read whose token was dropped meanwhile is not cached (it may
  // predate an assignment this instance just made).
  const pending = new Map<string, object>();
  let remoteReadsFailing = false;

  /** This instance persisted or read `variant` for a user: remote evaluation must not miss it. */
  function learned(userId: string | undefined, key: string, variant: string): void {
    if (!userId) return;
    pending.delete(userId);
    const entry = remote.get(userId);
    if (entry && entry.variants.get(key) !== variant) remote.delete(userId);
  }

  async function persistedForUser(
    userId: string,
    snapshot: FlagSnapshot,
  ): Promise<ReadonlyMap<string, string>> {
    // No assignment is stored under an id no column can hold (a NUL, an unpaired surrogate):
    // not asked, so the database's refusal of such input is never taken for a failed read.
    if (!isStorableText(userId)) return NONE;
    const cached = remote.get(userId);
    if (cached && cached.revision === snapshot.revision) return cached.variants;
    const token = {};
    pending.set(userId, token);
    let variants: ReadonlyMap<string, string>;
    try {
      const found = await withTimeout(
        deps.assignments.findForUser([...snapshot.experiments.keys()], userId),
        STICKY_READ_TIMEOUT_MS,
        () => new Error("timeout"),
      );
      variants = found.size > 0 ? found : NONE;
      remoteReadsFailing = false;
    } catch (error) {
      if (pending.get(userId) === token) pending.delete(userId);
      // Best-effort, like persistence: the hash answers, and the next evaluation asks again.
      if (!remoteReadsFailing) {
        remoteReadsFailing = true;
        deps.logger.warn("experiment assignments not read; remote evaluation uses the hash", {
          errorType: error instanceof Error ? error.name : typeof error,
        });
      }
      return NONE;
    }
    // Cached only when nothing superseded this read (a newer read, or an assignment made here).
    if (pending.get(userId) === token) {
      pending.delete(userId);
      remote.delete(userId);
      remote.set(userId, { revision: snapshot.revision, variants });
      if (remote.size > cacheSize) remote.delete(remote.keys().next().value!);
    }
    return variants;
  }

  async function persisted(
    key: string,
    version: number,
    subject: AssignmentSubject,
  ): Promise<string | null> {
    const cached = sticky.get(cacheKey(key, subject));
    if (cached?.version === version) return cached.variant;
    try {
      const found = await deps.assignments.find(key, subject);
      if (found) remember(cacheKey(key, subject), version, found);
      return found;
    } catch {
      return null; // best-effort: the hash still answers
    }
  }

  async function replaceRemoved(
    key: string,
    version: number,
    subject: AssignmentSubject,
    removed: string,
    fresh: Assignment,
    request: AssignmentRequest,
  ): Promise<Assignment> {
    const variant = fresh.variant!;
    let moved: boolean;
    try {
      moved = await deps.assignments.reassign(key, subject, removed, variant);
    } catch {
      deps.logger.warn("experiment assignment not persisted", { experimentKey: key });
      return fresh;
    }
    if (!moved) {
      // Another request or instance replaced it first: what it stored wins.
      sticky.delete(cacheKey(key, subject));
      const winner = await persisted(key, version, subject);
      const experiment = snapshots.current()?.experiments.get(key);
      if (!winner || !experiment || !keepsVariant(experiment, winner)) return fresh;
      learned(subject.userId, key, winner);
      return assign(experiment, { ...subject, mode: deps.mode() }, winner);
    }
    remember(cacheKey(key, subject), version, variant);
    learned(subject.userId, key, variant);
    await announce({
      experimentKey: key,
      variant,
      userId: subject.userId ?? null,
      sessionId: subject.userId ? null : subject.sessionId ?? null,
      reassignedFrom: removed,
    }, request);
    return fresh;
  }

  /**
   * Records a new assignment's exposure when the user consents, without holding the variant
   * answer past EXPOSURE_WAIT_MS. A consent check not answered by then counts as no consent: the
   * exposure is never recorded (also when the answer comes later; no analytics without known
   * consent), logged by type only. Once consent is confirmed in time, the write is waited for
   * within the same bound and otherwise goes on (the insert checks consent again itself); a
   * failure is logged when it lands. The assignment is stored before this, so it stays sticky.
   */
  async function announce(event: AssignedEvent, request: AssignmentRequest): Promise<void> {
    const { hooks } = deps;
    if (!event.userId || !hooks?.hasAnalyticsConsent) return;
    const userId = event.userId;
    let phase: "consent" | "write" = "consent";
    let late = false;
    const recording = (async () => {
      // The request's GPC signal is passed on: recorded when first seen, and no consent then.
      const granted = await hooks.hasAnalyticsConsent!(userId, request);
      // Decided at the deadline: the exposure is not recorded, whatever the answer.
      if (late || !granted) return;
      phase = "write";
      // Not published on the event stream: every signed-in user may read topic `all`, where the
      // moment of an assignment identifies the user on a small deployment, and nothing reads it.
      // The key still passes the stream's payload guard first, as every event about it would:
      // a key stored before that check (`checkout-2025-03-01`) records no exposure.
      const refused = payloadRefusal({
        experimentKey: event.experimentKey,
        variant: event.variant,
        ...(event.reassignedFrom === undefined ? {} : { reassignedFrom: event.reassignedFrom }),
      });
      if (refused) {
        deps.logger.warn("experiment exposure not recorded", {
          errorType: "EventRefusedError",
          reason: refused,
        });
        return;
      }
      await hooks.recordAssigned?.(event);
    })().catch((error) => {
      // A consent check that fails after the deadline was already logged as not recorded.
      if (late) return;
      deps.logger.warn("experiment exposure not recorded", {
        errorType: error instanceof Error ? error.name : typeof error,
      });
    });
    if (await settlesWithin(recording, EXPOSURE_WAIT_MS, deps.timers)) return;
    if (phase === "consent") {
      late = true;
      deps.logger.warn("experiment exposure not recorded", { errorType: "TimeoutError" });
    }
  }

  function toView(experiment: Experiment, counts: Record<string, number> | null): ExperimentView {
    return {
      key: experiment.key,
      enabled: experiment.enabled,
      description: experiment.description,
      requiredModes: experiment.requiredModes,
      variants: experiment.variants.map((variant) => ({
        ...variant,
        assignments: counts?.[variant.key] ?? 0,
      })),
      version: experiment.version,
      updatedAt: experiment.updatedAt,
      updatedBy: experiment.updatedBy,
      srm: counts ? srmCheck(experiment, counts) : null,
    };
  }

  async function write(
    input: ExperimentInput,
    change: ChangeContext,
    precondition: WritePrecondition = {},
  ): Promise<ExperimentWrite> {
    const written = await storeCall(() =>
      deps.store.upsertExperiment(input, {
        expectedVersion: input.version,
        expectNew: precondition.expectNew === true,
        actorUserId: change.actor.type === "user" ? change.actor.id ?? null : null,
        onChange: (tx, c) =>
          deps.audit.record({
            actor: change.actor,
            action: c.before ? "experiment.update" : "experiment.create",
            target: { type: "experiment", id: c.after.key },
            before: c.before ?? null,
            after: c.after,
            ...(change.requestId ? { requestId: change.requestId } : {}),
          }, tx),
      })
    );
    const counts = async () => {
      try {
        return (await deps.assignments.counts(written.after.key)).get(written.after.key) ?? {};
      } catch {
        return null;
      }
    };
    if (written.unchanged) {
      // Nothing to publish; this instance catches up if it has not seen the stored version.
      if (snapshots.current()?.experiments.get(input.key)?.version !== written.after.version) {
        await snapshots.reload();
      }
      return { experiment: toView(written.after, await counts()), changed: false };
    }
    await snapshots.reload();
    try {
      await deps.bus?.publish({
        type: "experiment.changed",
        topic: "governance",
        payload: {
          experimentKey: written.after.key,
          enabled: written.after.enabled,
          version: written.after.version,
        },
      });
    } catch (error) {
      deps.logger.warn("experiment change event not published", {
        errorType: error instanceof Error ? error.name : typeof error,
      });
    }
    return { experiment: toView(written.after, await counts()), changed: true };
  }

  return {
    async list() {
      const experiments = [...(snapshots.current()?.experiments.values() ?? [])];
      let counts: Map<string, Record<string, number>> | null = null;
      try {
        counts = await deps.assignments.counts();
      } catch {
        counts = null;
      }
      return experiments.map((e) => toView(e, counts ? counts.get(e.key) ?? {} : null));
    },

    get: (key) => snapshots.current()?.experiments.get(key),

    set: async (input, change) => (await write(input, change)).experiment,
    write,

    assignNow(key, context) {
      return assign(snapshots.current()?.experiments.get(key), context);
    },

    async assignRemote(keys, targetingKey) {
      const snapshot = snapshots.current();
      const context = { userId: targetingKey, mode: deps.mode() };
      const out = new Map<string, Assignment>();
      const running: string[] = [];
      for (const key of keys) {
        const first = assign(snapshot?.experiments.get(key), context);
        out.set(key, first);
        // As in variantFor: only a running experiment with an id looks for a sticky assignment.
        if (first.reason === "SPLIT") running.push(key);
      }
      if (running.length === 0 || !snapshot || !targetingKey) return out;
      const persistedVariants = await persistedForUser(targetingKey, snapshot);
      for (const key of running) {
        const kept = persistedVariants.get(key);
        if (kept) out.set(key, assign(snapshot.experiments.get(key), context, kept));
      }
      return out;
    },

    async variantFor(key, subject, request = { gpc: false }) {
      const experiment = snapshots.current()?.experiments.get(key);
      const mode = deps.mode();
      const context = { userId: subject.userId, sessionId: subject.sessionId, mode };
      const first = assign(experiment, context);
      // Unknown, disabled, mode-gated or no id: nothing to look up or persist.
      if (first.reason !== "SPLIT") return first;
      const version = experiment!.version;
      const kept = await persisted(key, version, subject);
      if (kept !== null && keepsVariant(experiment!, kept)) {
        learned(subject.userId, key, kept);
        return assign(experiment, context, kept);
      }
      // A stored variant removed or switched off (weight 0): the subject is re-drawn by the
      // current weights (its own hash, so the lost variant's subjects split among the others).
      const fresh = kept === null ? first : assign(experiment, context, kept);
      // STANDBY pauses writes: the hash answers but nothing is persisted.
      if (mode === "STANDBY" || fresh.variant === null) return fresh;
      // The re-draw replaces the stored variant and counts as a new assignment, so the subject
      // stays in one variant from now on and is counted there.
      if (kept !== null) {
        return await replaceRemoved(key, version, subject, kept, fresh, request);
      }
      let inserted: boolean;
      try {
        inserted = await deps.assignments.insert(key, subject, fresh.variant);
      } catch {
        deps.logger.warn("experiment assignment not persisted", { experimentKey: key });
        return fresh;
      }
      if (!inserted) {
        // Another request or instance persisted first: its assignment wins.
        const winner = await persisted(key, version, subject);
        if (winner) learned(subject.userId, key, winner);
        return winner ? assign(experiment, context, winner) : fresh;
      }
      remember(cacheKey(key, subject), version, fresh.variant);
      learned(subject.userId, key, fresh.variant);
      await announce({
        experimentKey: key,
        variant: fresh.variant,
        userId: subject.userId ?? null,
        sessionId: subject.userId ? null : subject.sessionId ?? null,
      }, request);
      return fresh;
    },
  };
}
