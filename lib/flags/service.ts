/**
 * The flag service: evaluation from the snapshot, the admin view, and
 * changes (stored with their audit entry, published on the bus, and applied
 * to this instance's snapshot before the call returns).
 */
import type { AuditActor, AuditLog } from "../audit/mod.ts";
import { type AppEnv, featureOverrideName, type Mode } from "../config.ts";
import type { FlagMetaView, FlagStateProvider, FlagSubject } from "../context.ts";
import { isUnstorableTextError } from "../db/mod.ts";
import {
  AppError,
  AuditUnavailableError,
  isAuditWriteFailure,
  ServiceUnavailableError,
  ValidationError,
} from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { EventBus } from "../realtime/types.ts";
import {
  type EvalContext,
  evaluate,
  evaluateAll,
  type FlagEvaluation,
  type FlagReason,
  type FlagSnapshot,
  type Overrides,
} from "./evaluate.ts";
import { explain } from "./explain.ts";
import type { Flag, FlagInput, FlagView } from "./flag.ts";
import { type ListedPage, needleOf, pageWindow } from "./listing.ts";
import type { SnapshotCache, SnapshotState } from "./snapshot.ts";
import type { ArchivedFlag, Change, FlagStore } from "./store.ts";
import { UNSTORABLE_TEXT_MESSAGE } from "../validation/text.ts";

/** A precondition of a write beyond `input.version`. */
export interface WritePrecondition {
  /**
   * The write creates (or restores) the key: a live one under it is refused (KeyExistsError, a
   * 409 CONFLICT), checked under the key lock, so of two creations at once one is written.
   * Settings the live one already has are no conflict (`changed: false`).
   */
  expectNew?: boolean;
}

/** Who makes a change, for the audit log. */
export interface ChangeContext {
  actor: AuditActor;
  requestId?: string | undefined;
}

/** The "why?" of one flag for one (simulated) caller. */
export interface FlagStatus {
  enabled: boolean;
  reason: FlagReason;
  explanation: string;
}

export interface StatusQuery {
  userId?: string | undefined;
  sessionId?: string | undefined;
  /** Defaults to this instance's environment. */
  env?: AppEnv | undefined;
  /** Defaults to the current governance mode. */
  mode?: Mode | undefined;
}

export interface FlagService extends FlagStateProvider {
  /** The evaluation context of a subject here: the server's own mode and environment. */
  contextFor(subject: FlagSubject): EvalContext;
  evaluate(key: string, context: EvalContext): FlagEvaluation;
  evaluateAll(context: EvalContext): FlagEvaluation[];
  snapshot(): FlagSnapshot | null;
  state(): SnapshotState;
  /** Every live flag with its override, in key order. */
  list(): FlagView[];
  get(key: string): FlagView | undefined;
  /** Evaluation plus one human sentence; mode and environment may be simulated. */
  status(key: string, query: StatusQuery): FlagStatus;
  /** Creates or updates a flag (optimistic concurrency through `input.version`). */
  set(key: string, input: FlagInput, change: ChangeContext): Promise<FlagView>;
  /**
   * {@link set}, telling whether anything changed: settings the live flag already has write
   * nothing (no version, audit entry or event) and are no conflict whatever `input.version`.
   */
  write(
    key: string,
    input: FlagInput,
    change: ChangeContext,
    precondition?: WritePrecondition,
  ): Promise<FlagWrite>;
  /** Archives a flag: it stops evaluating (FLAG_NOT_FOUND); its row and audit history stay. */
  archive(key: string, version: number | undefined, change: ChangeContext): Promise<FlagView>;
  /**
   * One page of the archived flags a search matches (part of the key or description, any case),
   * newest first, `pageSize` a page; a page beyond the last is the last. Reads that page only.
   */
  archivedPage(query: ArchivedQuery): Promise<ListedPage<ArchivedFlag>>;
  /** The archived flag `key` with its last settings, or undefined when none is. */
  archivedFlag(key: string): Promise<ArchivedFlag | undefined>;
}

/** Which page of the archived flags to read ({@link FlagService.archivedPage}). */
export interface ArchivedQuery {
  search: string;
  /** 1-based. */
  page: number;
  pageSize: number;
}

/** The outcome of {@link FlagService.write}: the flag as stored, and whether it was written. */
export interface FlagWrite {
  flag: FlagView;
  changed: boolean;
}

export interface FlagServiceDeps {
  store: FlagStore;
  snapshots: SnapshotCache;
  audit: AuditLog;
  bus?: EventBus | undefined;
  mode: () => Mode;
  environment: AppEnv;
  overrides: Readonly<Record<string, boolean>>;
  logger: Logger;
}

/**
 * A store failure that is not a domain error becomes 503, never a 500 with driver text; a failed
 * audit insert becomes the AuditUnavailableError every other action answers with.
 */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AppError) throw error;
    // Text the database cannot store (a NUL character) is the client's error, not an outage.
    if (isUnstorableTextError(error)) {
      throw new ValidationError(UNSTORABLE_TEXT_MESSAGE);
    }
    // The audit entry could not be written: answered as every other action answers it.
    if (isAuditWriteFailure(error)) throw new AuditUnavailableError();
    throw new ServiceUnavailableError("The flag store is unavailable; try again shortly");
  }
}

const NO_OVERRIDES: Overrides = {};

/** Creates the service over a loaded (or empty) snapshot cache. */
export function createFlagService(deps: FlagServiceDeps): FlagService {
  const { snapshots } = deps;

  function overrideOf(key: string): boolean | null {
    return deps.overrides[featureOverrideName(key)] ?? null;
  }

  /**
   * The overrides that apply to `key`: an override forces a flag that exists, it does not create
   * one. While no snapshot was ever loaded nobody can tell, and the override alone answers.
   */
  function overridesFor(snapshot: FlagSnapshot | null, key: string): Overrides {
    return !snapshot || snapshot.flags.has(key) ? deps.overrides : NO_OVERRIDES;
  }

  function view(flag: Flag): FlagView {
    return { ...flag, override: overrideOf(flag.key), overrideName: featureOverrideName(flag.key) };
  }

  /**
   * A flag as every signed-in page sees it. `version` lets a page drop an event or answer older
   * than what it shows (events can arrive out of order) and send it back with a toggle.
   */
  function meta(flag: Flag): FlagMetaView {
    return {
      key: flag.key,
      version: flag.version,
      enabled: flag.enabled,
      description: flag.description,
      scope: flag.scope,
      rolloutPercent: flag.rolloutPercent,
      requiredModes: flag.requiredModes,
      targetEnvironments: flag.targetEnvironments,
      override: overrideOf(flag.key),
    };
  }

  function contextFor(subject: FlagSubject): EvalContext {
    return {
      userId: subject.userId,
      sessionId: subject.sessionId,
      mode: deps.mode(),
      environment: deps.environment,
    };
  }

  async function publish(flag: Flag, archived: boolean): Promise<void> {
    if (!deps.bus) return;
    try {
      await deps.bus.publish({
        type: "governance.flag_changed",
        topic: "governance",
        payload: {
          flagKey: flag.key,
          enabled: archived ? false : flag.enabled,
          rolloutPercent: flag.rolloutPercent,
          version: flag.version,
          archived,
        },
      });
    } catch (error) {
      // Stored and applied here; other instances converge through the periodic refresh.
      deps.logger.warn("flag change event not published", {
        errorType: error instanceof Error ? error.name : typeof error,
      });
    }
  }

  async function applied(flag: Flag, archived: boolean): Promise<void> {
    // Read-your-writes on this instance, then tell the others.
    await snapshots.reload();
    await publish(flag, archived);
  }

  function auditWith(action: string, change: ChangeContext) {
    return (tx: Parameters<AuditLog["record"]>[1], c: Change<Flag>) =>
      deps.audit.record({
        actor: change.actor,
        // A write over an archived key brings the flag back: audited as a restore, with the
        // archived settings as before, so an auditor can tell it from a new flag.
        action: c.before ? action : c.restored ? "flag.restore" : "flag.create",
        target: { type: "feature_flag", id: c.after.key },
        before: c.before ?? c.restored ?? null,
        after: c.after,
        ...(change.requestId ? { requestId: change.requestId } : {}),
      }, tx);
  }

  const actorUserId = (change: ChangeContext) =>
    change.actor.type === "user" ? change.actor.id ?? null : null;

  async function write(
    key: string,
    input: FlagInput,
    change: ChangeContext,
    precondition: WritePrecondition = {},
  ): Promise<FlagWrite> {
    const written = await storeCall(() =>
      deps.store.upsertFlag(key, input, {
        expectedVersion: input.version,
        expectNew: precondition.expectNew === true,
        actorUserId: actorUserId(change),
        onChange: auditWith("flag.update", change),
      })
    );
    if (written.unchanged) {
      // Nothing to publish; this instance catches up if it has not seen the stored version.
      if (snapshots.current()?.flags.get(key)?.flag.version !== written.after.version) {
        await snapshots.reload();
      }
      return { flag: view(written.after), changed: false };
    }
    await applied(written.after, false);
    return { flag: view(written.after), changed: true };
  }

  return {
    contextFor,
    evaluate(key, context) {
      const snapshot = snapshots.current();
      return evaluate(snapshot, key, context, overridesFor(snapshot, key));
    },
    evaluateAll: (context) => evaluateAll(snapshots.current(), context),
    snapshot: () => snapshots.current(),
    state: () => snapshots.state(),

    stateFor(subject) {
      const snapshot = snapshots.current();
      const context = contextFor(subject);
      const flags: Record<string, boolean> = {};
      const flagsMeta: FlagMetaView[] = [];
      for (const result of evaluateAll(snapshot, context)) flags[result.key] = result.value;
      for (const compiled of snapshot?.flags.values() ?? []) flagsMeta.push(meta(compiled.flag));
      return { flags, flagsMeta };
    },

    list() {
      return [...(snapshots.current()?.flags.values() ?? [])].map((c) => view(c.flag));
    },

    get(key) {
      const compiled = snapshots.current()?.flags.get(key);
      return compiled ? view(compiled.flag) : undefined;
    },

    status(key, query) {
      const context: EvalContext = {
        userId: query.userId,
        sessionId: query.sessionId,
        mode: query.mode ?? deps.mode(),
        environment: query.env ?? deps.environment,
      };
      const snapshot = snapshots.current();
      const result = evaluate(snapshot, key, context, overridesFor(snapshot, key));
      const flag = snapshot?.flags.get(key)?.flag;
      return {
        enabled: result.value,
        reason: result.reason,
        explanation: explain(result, flag, context),
      };
    },

    set: async (key, input, change) => (await write(key, input, change)).flag,
    write,

    archivedPage({ search, page, pageSize }) {
      const needle = needleOf(search);
      return storeCall(async () => {
        const { total, matching } = await deps.store.countArchived(needle);
        const window = pageWindow(page, matching, pageSize);
        const items = matching === 0
          ? []
          : await deps.store.pageArchived(needle, window.offset, pageSize);
        return { items, total, matching, ...window };
      });
    },

    archivedFlag(key) {
      return storeCall(() => deps.store.findArchived(key));
    },

    async archive(key, version, change) {
      const written = await storeCall(() =>
        deps.store.archiveFlag(key, {
          expectedVersion: version,
          actorUserId: actorUserId(change),
          onChange: (tx, c) =>
            deps.audit.record({
              actor: change.actor,
              action: "flag.archive",
              target: { type: "feature_flag", id: key },
              before: c.before ?? null,
              after: c.after,
              ...(change.requestId ? { requestId: change.requestId } : {}),
            }, tx),
        })
      );
      await applied(written.after, true);
      return view(written.after);
    },
  };
}
