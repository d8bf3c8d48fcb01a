import assert from "node:assert/strict";
import { analyticsEffective, CONSENT_POLICIES } from "../consent/mod.ts";
import { freshPglite } from "../../tests/helpers/db.ts";
import { consentInForceSql } from "./store.ts";

const T = Date.UTC(2026, 2, 10, 12);
const CURRENT = CONSENT_POLICIES.analytics.version;

type Step = { state: "granted" | "declined" | "revoked"; version?: string; grantedAt?: number };

Deno.test("consentInForceSql() agrees with analyticsEffective() on history, policy version and GPC", async () => {
  const { db, cleanup } = await freshPglite();
  try {
    const histories: Step[][] = [
      [],
      [{ state: "granted", grantedAt: T }],
      [{ state: "granted", grantedAt: T, version: "analytics-2025-01" }],
      [{ state: "declined" }],
      [{ state: "granted", grantedAt: T }, { state: "revoked", grantedAt: T }],
      [{ state: "granted", grantedAt: T - 5000 }, { state: "revoked", grantedAt: T - 5000 }, {
        state: "granted",
        grantedAt: T,
      }],
      [{ state: "declined" }, { state: "granted", grantedAt: T }],
    ];
    const gpcSeen = [null, T - 1000, T, T + 1000];
    let checked = 0;
    for (const history of histories) {
      for (const seen of gpcSeen) {
        const [user] = await db.query<{ id: string }>(
          "INSERT INTO users (email) VALUES ($1) RETURNING id",
          [`u${checked}@example.test`],
        );
        const userId = user!.id;
        for (const step of history) {
          await db.query(
            `INSERT INTO user_consents (user_id, consent_type, state, purpose, legal_basis,
               policy_version, method, granted_at, revoked_at, created_at)
             VALUES ($1, 'analytics', $2, 'product_analytics', 'consent', $3, 'api', $4, $5, $6)`,
            [
              userId,
              step.state,
              step.version ?? CURRENT,
              step.grantedAt === undefined ? null : new Date(step.grantedAt),
              step.state === "granted" ? null : new Date(T),
              new Date(T),
            ],
          );
        }
        if (seen !== null) {
          await db.query(
            "INSERT INTO privacy_signals (user_id, signal, first_seen_at) VALUES ($1, 'gpc', $2)",
            [userId, new Date(seen)],
          );
        }
        const newest = history.at(-1);
        for (const requestGpc of [false, true]) {
          const expected = analyticsEffective({
            state: newest?.state ?? "none",
            policyVersion: newest ? newest.version ?? CURRENT : null,
            grantedAt: newest?.state === "granted" ? new Date(newest.grantedAt!) : null,
            gpcFirstSeenAt: seen === null ? null : new Date(seen),
          }, requestGpc);
          const [row] = await db.query<{ ok: boolean }>(
            `SELECT ${consentInForceSql("$1", "$2", "$3")} AS ok`,
            [userId, CURRENT, requestGpc],
          );
          assert.equal(
            row!.ok,
            expected,
            JSON.stringify({ history, seen, requestGpc }),
          );
          checked++;
        }
      }
    }
    assert.equal(checked, histories.length * gpcSeen.length * 2);
  } finally {
    await cleanup();
  }
});
