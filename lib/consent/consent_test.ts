import assert from "node:assert/strict";
import { analyticsEffective, analyticsView, CONSENT_POLICIES, gpcSignal } from "./consent.ts";

const VERSION = CONSENT_POLICIES.analytics.version;
const t = (iso: string) => new Date(iso);

Deno.test("analyticsEffective() needs a grant to the current policy version", () => {
  const base = {
    policyVersion: VERSION,
    grantedAt: t("2026-01-02T00:00:00Z"),
    gpcFirstSeenAt: null,
  };
  assert.equal(analyticsEffective({ ...base, state: "granted" }, false), true);
  assert.equal(analyticsEffective({ ...base, state: "revoked" }, false), false);
  assert.equal(analyticsEffective({ ...base, state: "declined" }, false), false);
  assert.equal(analyticsEffective({ ...base, state: "none" }, false), false);
  assert.equal(
    analyticsEffective({ ...base, state: "granted", policyVersion: "analytics-2000-01" }, false),
    false,
  );
});

Deno.test("analyticsEffective() applies GPC: only a grant at or after the first signal counts", () => {
  const granted = { state: "granted" as const, policyVersion: VERSION };
  // The request carries GPC that was never recorded: no consent.
  assert.equal(
    analyticsEffective({ ...granted, grantedAt: t("2026-01-02"), gpcFirstSeenAt: null }, true),
    false,
  );
  // Granted before the signal: no consent, with or without the header now.
  const before = { ...granted, grantedAt: t("2026-01-01"), gpcFirstSeenAt: t("2026-01-02") };
  assert.equal(analyticsEffective(before, true), false);
  assert.equal(analyticsEffective(before, false), false);
  // Granted after the signal: consent.
  const after = { ...granted, grantedAt: t("2026-01-03"), gpcFirstSeenAt: t("2026-01-02") };
  assert.equal(analyticsEffective(after, true), true);
});

Deno.test("analyticsView() asks again after a grant to an older policy, not after a decline", () => {
  const stale = analyticsView({
    state: "granted",
    policyVersion: "analytics-2000-01",
    grantedAt: t("2026-01-01"),
    gpcFirstSeenAt: null,
  }, false);
  assert.equal(stale.stale, true);
  assert.equal(stale.needsChoice, true);
  const declined = analyticsView(
    { state: "declined", policyVersion: VERSION, grantedAt: null, gpcFirstSeenAt: null },
    false,
  );
  assert.equal(declined.needsChoice, false);
  assert.equal(
    analyticsView(
      { state: "none", policyVersion: null, grantedAt: null, gpcFirstSeenAt: null },
      false,
    ).needsChoice,
    true,
  );
});

Deno.test("gpcSignal() is true only for Sec-GPC: 1", () => {
  assert.equal(gpcSignal("1"), true);
  assert.equal(gpcSignal(" 1 "), true);
  assert.equal(gpcSignal("0"), false);
  assert.equal(gpcSignal(undefined), false);
});
