/**
 * The consent service: current state and history per user and consent type,
 * grant and revoke (each a new history row, written with its audit entry in one
 * transaction), the analytics consent check with Global Privacy Control, and the
 * consent rate.
 */
import type { AuditActor, AuditLog } from "../audit/mod.ts";
import type { Clock } from "../clock.ts";
import type { Mode } from "../config.ts";
import { ValidationError } from "../errors/mod.ts";
import { modeAllows } from "../governance/policy.ts";
import type { Logger } from "../log/mod.ts";
import {
  type AnalyticsConsent,
  analyticsEffective,
  type AnalyticsSnapshot,
  analyticsView,
  CONSENT_POLICIES,
  CONSENT_TYPES,
  type ConsentType,
  type ConsentView,
  type GrantInput,
  type RevokeInput,
} from "./consent.ts";
import type {
  AnalyticsRow,
  ConsentRow,
  ConsentStats,
  ConsentStore,
  ConsentTransaction,
} from "./store.ts";

/** Who asked, from which request, and whether it carried `Sec-GPC: 1`. */
export interface ConsentRequestMeta {
  actor: AuditActor;
  requestId?: string | undefined;
  gpc: boolean;
}

export interface ConsentStatus {
  consents: ConsentView[];
  analytics: AnalyticsConsent;
}

export interface RevokeOutcome {
  consent: ConsentView;
  /** Analytics events deleted with the withdrawal; null when erasure was not asked for. */
  erasedEvents: number | null;
}

export interface ConsentService {
  /** Every consent type's current state and the analytics decision for this request. */
  status(userId: string, options: { gpc: boolean }): Promise<ConsentStatus>;
  /** The analytics consent for this request (records a GPC signal first seen now). */
  analytics(userId: string, options: { gpc: boolean }): Promise<AnalyticsConsent>;
  /**
   * Whether analytics consent is in force for a user, for server-originated
   * events (no request): a recorded GPC signal still applies.
   */
  hasAnalyticsConsent(userId: string): Promise<boolean>;
  grant(userId: string, input: GrantInput, meta: ConsentRequestMeta): Promise<ConsentView>;
  /** Withdraws consent (a decline when none was given); optionally erases analytics events. */
  revoke(userId: string, input: RevokeInput, meta: ConsentRequestMeta): Promise<RevokeOutcome>;
  /** The user's consent history, newest first. */
  history(userId: string, limit?: number): Promise<ConsentView[]>;
  /** Current analytics choices among active accounts. */
  stats(): Promise<ConsentStats>;
}

export interface ConsentServiceDeps {
  store: ConsentStore;
  audit: AuditLog;
  clock: Clock;
  mode: () => Mode;
  logger: Logger;
  /** Deletes a user's analytics events (wired to the analytics service by createApp). */
  eraseAnalytics?: (userId: string, actor: AuditActor, requestId?: string) => Promise<number>;
}

function viewOf(type: ConsentType, row: ConsentRow | undefined | null): ConsentView {
  return {
    consentType: type,
    state: row?.state ?? "none",
    purpose: row?.purpose ?? null,
    legalBasis: row?.legalBasis ?? null,
    policyVersion: row?.policyVersion ?? null,
    currentPolicyVersion: CONSENT_POLICIES[type].version,
    method: row?.method ?? null,
    grantedAt: row?.grantedAt?.toISOString() ?? null,
    revokedAt: row?.revokedAt?.toISOString() ?? null,
    recordedAt: row?.createdAt.toISOString() ?? null,
  };
}

/** Creates the service. */
export function createConsentService(deps: ConsentServiceDeps): ConsentService {
  const { store, clock } = deps;

  /** Records a GPC signal first seen now (not in STANDBY, where writes pause; it still counts). */
  async function snapshotFor(userId: string, gpc: boolean): Promise<AnalyticsSnapshot> {
    const row = await store.analytics(userId);
    let gpcFirstSeenAt = row.gpcFirstSeenAt;
    if (gpc && gpcFirstSeenAt === null && modeAllows(deps.mode(), "write")) {
      try {
        gpcFirstSeenAt = await store.recordGpc(userId, new Date(clock.now()));
      } catch (error) {
        // Not recorded: this request still counts as carrying GPC (no consent).
        deps.logger.warn("privacy signal not recorded", {
          errorType: error instanceof Error ? error.name : typeof error,
        });
      }
    }
    return {
      state: row.consent?.state ?? "none",
      policyVersion: row.consent?.policyVersion ?? null,
      grantedAt: row.consent?.state === "granted" ? row.consent.grantedAt : null,
      gpcFirstSeenAt,
    };
  }

  /** A history row to append and the audit entry that goes with it. */
  interface Change {
    action: "consent.grant" | "consent.revoke" | "consent.decline";
    row: ConsentRow;
    extra?: Record<string, unknown>;
  }

  /**
   * Writes the change `decide` makes of the user's current consent of `type`, or nothing when it
   * returns null. The current consent is read under a per-(user, type) lock in the transaction
   * that writes, so concurrent requests decide one after another (one row, one audit entry), and
   * the row commits with its audit entry or not at all. Returns the consent as it now stands.
   */
  async function write(
    userId: string,
    type: ConsentType,
    meta: ConsentRequestMeta,
    decide: (latest: AnalyticsRow, t: ConsentTransaction) => Change | null | Promise<Change | null>,
  ): Promise<ConsentRow | null> {
    return await store.transaction(async (t) => {
      const { tx, append, lockCurrent } = t;
      const latest = await lockCurrent(userId, type);
      const change = await decide(latest, t);
      if (!change) return latest.consent;
      const { action, row, extra = {} } = change;
      await append(userId, row);
      await deps.audit.record({
        actor: meta.actor,
        action,
        target: { type: "user", id: userId },
        after: {
          consentType: row.consentType,
          state: row.state,
          policyVersion: row.policyVersion,
          method: row.method,
          ...extra,
        },
        ...(meta.requestId ? { requestId: meta.requestId } : {}),
      }, tx);
      return row;
    });
  }

  async function analytics(userId: string, options: { gpc: boolean }) {
    return analyticsView(await snapshotFor(userId, options.gpc), options.gpc);
  }

  return {
    async status(userId, options) {
      const [rows, analyticsConsent] = await Promise.all([
        store.current(userId),
        analytics(userId, options),
      ]);
      const byType = new Map(rows.map((row) => [row.consentType, row]));
      return {
        consents: CONSENT_TYPES.map((type) => viewOf(type, byType.get(type))),
        analytics: analyticsConsent,
      };
    },

    analytics,

    async hasAnalyticsConsent(userId) {
      return analyticsEffective(await snapshotFor(userId, false), false);
    },

    async grant(userId, input, meta) {
      const policy = CONSENT_POLICIES[input.consentType];
      if (input.purpose !== undefined && input.purpose !== policy.purpose) {
        throw new ValidationError("The purpose does not match the consent policy", [
          { path: "$.purpose", message: `Must be ${policy.purpose}` },
        ]);
      }
      if (input.legalBasis !== undefined && input.legalBasis !== policy.legalBasis) {
        throw new ValidationError("The legal basis does not match the consent policy", [
          { path: "$.legalBasis", message: `Must be ${policy.legalBasis}` },
        ]);
      }
      if (input.policyVersion !== undefined && input.policyVersion !== policy.version) {
        throw new ValidationError("The policy version is not the one in force; reload and retry", [
          { path: "$.policyVersion", message: `Must be ${policy.version}` },
        ]);
      }
      const type = input.consentType;
      const rows = await store.current(userId);
      const current = rows.find((row) => row.consentType === type);
      /** Already granted to this text, and (analytics) not overridden by a later GPC signal. */
      const inForce = (row: ConsentRow | null | undefined, gpcFirstSeenAt: Date | null) =>
        row?.state === "granted" && row.policyVersion === policy.version &&
        (type !== "analytics" || analyticsEffective({
          state: row.state,
          policyVersion: row.policyVersion,
          grantedAt: row.grantedAt,
          gpcFirstSeenAt,
        }, meta.gpc));
      if (current?.state === "granted" && current.policyVersion === policy.version) {
        // Already granted to this text; a new grant is recorded only to override a later GPC signal.
        const needsRenewal = type === "analytics" &&
          !analyticsEffective(await snapshotFor(userId, meta.gpc), meta.gpc);
        if (!needsRenewal) return viewOf(type, current);
      } else if (type === "analytics" && meta.gpc) {
        await snapshotFor(userId, true); // the signal is recorded before the grant that overrides it
      }
      const now = new Date(clock.now());
      const row: ConsentRow = {
        consentType: type,
        state: "granted",
        purpose: policy.purpose,
        legalBasis: policy.legalBasis,
        policyVersion: policy.version,
        method: input.method ?? "api",
        grantedAt: now,
        revokedAt: null,
        createdAt: now,
      };
      // Decided again under the lock: a concurrent grant may have been recorded meanwhile.
      const stored = await write(
        userId,
        type,
        meta,
        (latest) =>
          inForce(latest.consent, latest.gpcFirstSeenAt) ? null : { action: "consent.grant", row },
      );
      return viewOf(type, stored);
    },

    async revoke(userId, input, meta) {
      if (input.eraseEvents && input.consentType !== "analytics") {
        throw new ValidationError("Only analytics consent has events to erase", [
          { path: "$.eraseEvents", message: "Allowed only with consentType analytics" },
        ]);
      }
      const policy = CONSENT_POLICIES[input.consentType];
      // Decided under the lock: a concurrent withdrawal may have been recorded meanwhile.
      const stored = await write(
        userId,
        input.consentType,
        meta,
        async ({ consent: current }, t) => {
          if (current?.state === "revoked" || current?.state === "declined") return null;
          const wasGranted = current?.state === "granted";
          // The withdrawal's time is taken under the locks, not when the request came in: the
          // analytics one (exclusive) waits for the user's batches in flight, and a batch after
          // it waits for this commit and sees the withdrawal. It is not before the newest event
          // stored under the consent (stamped by another instance's clock, maybe ahead of ours)
          // nor before the grant, so the history's "revoked at" bounds what was collected.
          let at = clock.now();
          if (wasGranted) {
            at = Math.max(at, current!.createdAt.getTime(), current!.grantedAt?.getTime() ?? 0);
            if (input.consentType === "analytics") {
              at = Math.max(at, (await t.lockEvents(userId))?.getTime() ?? 0);
            }
          }
          const now = new Date(at);
          return {
            action: wasGranted ? "consent.revoke" : "consent.decline",
            row: {
              consentType: input.consentType,
              state: wasGranted ? "revoked" : "declined",
              purpose: current?.purpose ?? policy.purpose,
              legalBasis: current?.legalBasis ?? policy.legalBasis,
              // The version the user saw when declining is the one in force now.
              policyVersion: wasGranted ? current!.policyVersion : policy.version,
              method: input.method ?? "api",
              // A withdrawal keeps the proof of when consent had been given.
              grantedAt: wasGranted ? current!.grantedAt : null,
              revokedAt: now,
              createdAt: now,
            },
            extra: input.reason ? { reason: input.reason } : {},
          };
        },
      );
      const view = viewOf(input.consentType, stored);
      let erasedEvents: number | null = null;
      if (input.eraseEvents && deps.eraseAnalytics) {
        erasedEvents = await deps.eraseAnalytics(userId, meta.actor, meta.requestId);
      }
      return { consent: view, erasedEvents };
    },

    async history(userId, limit = 50) {
      return (await store.history(userId, limit)).map((row) => viewOf(row.consentType, row));
    },

    stats: () => store.stats(CONSENT_POLICIES.analytics.version),
  };
}
