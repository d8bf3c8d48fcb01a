/**
 * POST /api/analytics/events end to end (PGlite and, when configured, the real
 * Postgres): consent gating, the per-event rules in order, PHI redaction with a
 * governance-log row that never holds the value, idempotent event ids, the IP
 * hash, STANDBY and ANALYTICS_EMIT=off.
 */
import assert from "node:assert/strict";
import { faker } from "@faker-js/faker";
import { fakeSsnParts } from "./phi/corpus.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

type Result = {
  accepted: number;
  rejected: number;
  duplicates: number;
  redacted: number;
  dropped: number;
  rejections: { index: number; eventId: string; reason: string; message: string }[];
};

const event = (overrides: Record<string, unknown> = {}) => ({
  eventId: crypto.randomUUID(),
  eventName: "ui.page_view",
  properties: { page: "home" },
  ...overrides,
});

function post(
  app: TestApp,
  session: Session,
  events: unknown[],
  headers: Record<string, string> = { "x-analytics-consent": "true" },
) {
  return app.request("/api/analytics/events", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json", ...headers }),
    body: JSON.stringify({ events }),
  });
}

async function grant(app: TestApp, session: Session, headers: Record<string, string> = {}) {
  const response = await app.request("/api/consent/grant", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json", ...headers }),
    body: JSON.stringify({ consentType: "analytics" }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

async function revoke(app: TestApp, session: Session, body: Record<string, unknown> = {}) {
  const response = await app.request("/api/consent/revoke", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ consentType: "analytics", ...body }),
  });
  assert.equal(response.status, 200);
  return await json<{ erasedEvents: number | null }>(response);
}

async function rowCount(app: TestApp, userId?: string): Promise<number> {
  const rows = await app.db.query<{ n: number }>(
    userId
      ? "SELECT count(*)::int8 AS n FROM analytics_events WHERE user_id = $1"
      : "SELECT count(*)::int8 AS n FROM analytics_events",
    userId ? [userId] : [],
  );
  return rows[0]!.n;
}

async function expectConsentRequired(response: Response): Promise<void> {
  assert.equal(response.status, 403);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal((await json(response)).code, "CONSENT_REQUIRED");
}

for (const target of dbTargets()) {
  Deno.test(`analytics ingestion (${target.name})`, async (t) => {
    const testDb = await target.open();
    const app = await buildTestApp({ testDb, env: { TRUST_PROXY: "true" } });
    try {
      await t.step("no consent at all → 403 CONSENT_REQUIRED and nothing stored", async () => {
        const session = await signInAs(app, "RESEARCHER");
        await expectConsentRequired(await post(app, session, [event()]));
        assert.equal(await rowCount(app, session.user.id), 0);
      });

      await t.step("the header without consent in the database → 403", async () => {
        const session = await signInAs(app, "RESEARCHER");
        await expectConsentRequired(
          await post(app, session, [event()], { "x-analytics-consent": "true" }),
        );
        assert.equal(await rowCount(app, session.user.id), 0);
      });

      await t.step("consent in the database without the header → 403", async () => {
        const session = await signInAs(app, "RESEARCHER");
        await grant(app, session);
        await expectConsentRequired(await post(app, session, [event()], {}));
        await expectConsentRequired(
          await post(app, session, [event()], { "x-analytics-consent": "false" }),
        );
        assert.equal(await rowCount(app, session.user.id), 0);
      });

      await t.step("revoked consent → 403, and the earlier events stay unless erased", async () => {
        const session = await signInAs(app, "RESEARCHER");
        await grant(app, session);
        const ok = await post(app, session, [event()]);
        assert.equal(ok.status, 200);
        assert.equal((await json<Result>(ok)).accepted, 1);
        await revoke(app, session);
        await expectConsentRequired(await post(app, session, [event()]));
        assert.equal(await rowCount(app, session.user.id), 1);
      });

      const session = await signInAs(app, "RESEARCHER");
      await grant(app, session);

      await t.step("an allowlisted event with clean properties is stored as sent", async () => {
        const e = event({
          eventName: "ui.button_click",
          properties: { button: "save_flag", duration_ms: 42, enabled: true },
          researchId: "study-42",
          ts: "2026-01-01T10:00:00.000Z",
        });
        const response = await post(app, session, [e]);
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /application\/json/);
        assert.deepEqual(await json<Result>(response), {
          accepted: 1,
          rejected: 0,
          duplicates: 0,
          redacted: 0,
          dropped: 0,
          rejections: [],
        });
        const [row] = await app.db.query<Record<string, unknown>>(
          "SELECT * FROM analytics_events WHERE event_id = $1",
          [e.eventId],
        );
        assert.deepEqual(row!.properties, { button: "save_flag", duration_ms: 42, enabled: true });
        assert.equal(row!.research_id, "study-42");
        assert.equal(row!.mode, "DEMO");
        assert.equal(row!.phi_redacted, false);
        assert.equal(row!.user_id, session.user.id);
      });

      await t.step(
        "an unknown event name is rejected with its reason; the rest of the batch is stored",
        async () => {
          const bad = event({ eventName: "ui.keystroke" });
          const response = await post(app, session, [event(), bad]);
          assert.equal(response.status, 200);
          const body = await json<Result>(response);
          assert.equal(body.accepted, 1);
          assert.equal(body.rejected, 1);
          assert.deepEqual(body.rejections.map((r) => [r.index, r.eventId, r.reason]), [
            [1, bad.eventId, "EVENT_NOT_ALLOWED"],
          ]);
          const stored = await app.db.query("SELECT 1 FROM analytics_events WHERE event_id = $1", [
            bad.eventId,
          ]);
          assert.equal(stored.length, 0);
        },
      );

      await t.step("9 KB of properties is rejected (PROPERTIES_TOO_LARGE)", async () => {
        const properties: Record<string, string> = {};
        for (let i = 0; i < 150; i++) properties[`k${i}`] = "x".repeat(60);
        assert.ok(JSON.stringify(properties).length > 9 * 1024);
        const body = await json<Result>(await post(app, session, [event({ properties })]));
        assert.equal(body.rejected, 1);
        assert.equal(body.rejections[0]!.reason, "PROPERTIES_TOO_LARGE");
      });

      await t.step(
        "shape rules: nested object, array, free text, bad key, too many keys",
        async () => {
          const many: Record<string, number> = {};
          for (let i = 0; i < 33; i++) many[`k${i}`] = i;
          const cases: [unknown, string][] = [
            [{ page: { nested: "home" } }, "NOT_FLAT"],
            [{ pages: ["home", "audit"] }, "NOT_FLAT"],
            [{ page: null }, "NOT_FLAT"],
            [{ note: "the dashboard was slow today" }, "INVALID_VALUE"],
            [{ Page: "home" }, "INVALID_KEY"],
            [many, "TOO_MANY_KEYS"],
          ];
          const response = await post(
            app,
            session,
            cases.map(([properties]) => event({ properties })),
          );
          const body = await json<Result>(response);
          assert.equal(body.accepted, 0);
          assert.deepEqual(body.rejections.map((r) => r.reason), cases.map(([, reason]) => reason));
          for (const rejection of body.rejections) {
            assert.ok(!rejection.message.includes("dashboard was slow"), "no value echoed");
          }
        },
      );

      await t.step(
        "an invalid researchId is rejected; a malformed batch is a 400 without values",
        async () => {
          const body = await json<Result>(
            await post(app, session, [event({ researchId: "study 42" })]),
          );
          assert.equal(body.rejections[0]!.reason, "INVALID_RESEARCH_ID");
          const invalid = await post(app, session, [{ eventId: "not-a-uuid", eventName: "x" }]);
          assert.equal(invalid.status, 400);
          assert.equal(invalid.headers.get("content-type"), "application/problem+json");
          const problem = await json(invalid);
          assert.equal(problem.code, "VALIDATION_FAILED");
          assert.ok(!JSON.stringify(problem).includes("not-a-uuid"));
          const empty = await post(app, session, []);
          assert.equal(empty.status, 400);
          await empty.body?.cancel();
          const tooMany = await post(app, session, Array.from({ length: 101 }, () => event()));
          assert.equal(tooMany.status, 400);
          await tooMany.body?.cancel();
        },
      );

      await t.step(
        "PHI hidden in a property value → stored as {phi_redacted:true} plus a governance-log row without the value",
        async () => {
          faker.seed(20_260_107);
          const [a, g, s] = fakeSsnParts();
          const canaries: [string, string][] = [
            ["EMAIL", faker.internet.email()],
            ["SSN", `${a}-${g}-${s}`],
            ["PHONE", faker.phone.number({ style: "national" })],
            ["MRN", `MRN:${faker.string.numeric({ length: 8 })}`],
            ["PERSON_NAME", `Patient ${faker.person.firstName()} ${faker.person.lastName()}`],
          ];
          const events = canaries.map(([, value]) =>
            event({ eventName: "ui.button_click", properties: { button: "save", action: value } })
          );
          const before = await app.db.query<{ n: number }>(
            "SELECT count(*)::int8 AS n FROM governance_log WHERE event_type = 'analytics.phi_redacted'",
          );
          const response = await post(app, session, events);
          assert.equal(response.status, 200);
          const body = await json<Result>(response);
          assert.equal(body.accepted, canaries.length);
          assert.equal(body.redacted, canaries.length);
          for (const e of events) {
            const [row] = await app.db.query<{ properties: unknown; phi_redacted: boolean }>(
              "SELECT properties, phi_redacted FROM analytics_events WHERE event_id = $1",
              [e.eventId],
            );
            assert.deepEqual(row!.properties, { phi_redacted: true });
            assert.equal(row!.phi_redacted, true);
          }
          const logs = await app.db.query<{ details: Record<string, unknown>; text: string }>(
            `SELECT details, details::text AS text FROM governance_log
            WHERE event_type = 'analytics.phi_redacted' ORDER BY id`,
          );
          assert.equal(logs.length - before[0]!.n, canaries.length);
          const recent = logs.slice(-canaries.length);
          canaries.forEach(([type], i) => {
            const details = recent[i]!.details as {
              eventName: string;
              eventId: string;
              findings: { type: string; path: string }[];
            };
            assert.equal(details.eventName, "ui.button_click");
            assert.equal(details.eventId, events[i]!.eventId);
            assert.ok(
              details.findings.some((f) => f.type === type && f.path === "$.action"),
              `${type} at $.action in ${JSON.stringify(details.findings)}`,
            );
          });
          for (const [, value] of canaries) {
            for (const log of logs) assert.ok(!log.text.includes(value), "no value in the log");
            const leaks = await app.db.query(
              "SELECT 1 FROM analytics_events t WHERE t::text LIKE '%' || $1 || '%'",
              [value],
            );
            assert.equal(leaks.length, 0, "no value in the events table");
          }
          for (const line of app.logs) {
            for (const [, value] of canaries) assert.ok(!line.includes(value), "no value in logs");
          }
        },
      );

      await t.step("the same eventId twice → one row, counted as a duplicate", async () => {
        const e = event();
        const first = await json<Result>(await post(app, session, [e]));
        assert.equal(first.accepted, 1);
        const again = await json<Result>(await post(app, session, [e, { ...e }]));
        assert.equal(again.accepted, 0);
        assert.equal(again.duplicates, 2);
        const rows = await app.db.query("SELECT 1 FROM analytics_events WHERE event_id = $1", [
          e.eventId,
        ]);
        assert.equal(rows.length, 1);
      });

      await t.step(
        "the raw IP is never stored: no column of any analytics row holds it",
        async () => {
          const ip = `203.0.113.${faker.number.int({ min: 1, max: 254 })}`;
          const e = event();
          const body = await json<Result>(
            await post(app, session, [e], {
              "x-analytics-consent": "true",
              "x-forwarded-for": ip,
              "user-agent":
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            }),
          );
          assert.equal(body.accepted, 1);
          const [row] = await app.db.query<{ ip_hash: string; user_agent: string }>(
            "SELECT ip_hash, user_agent FROM analytics_events WHERE event_id = $1",
            [e.eventId],
          );
          assert.match(row!.ip_hash, /^[0-9a-f]{64}$/);
          assert.equal(row!.user_agent, "Chrome 131");
          for (
            const table of [
              "analytics_events",
              "analytics_daily",
              "analytics_daily_users",
              "analytics_daily_timing",
              "analytics_daily_exposure",
              "governance_log",
              "audit_log",
            ]
          ) {
            const hits = await app.db.query(
              `SELECT 1 FROM ${table} t WHERE t::text LIKE '%' || $1 || '%'`,
              [ip],
            );
            assert.equal(hits.length, 0, `raw IP found in ${table}`);
          }
        },
      );

      await t.step("metrics count results and PHI detections", async () => {
        const { analyticsEvents, phiDetections } = app.services.metrics;
        assert.ok(await analyticsEvents.value({ result: "accepted" }) >= 10);
        assert.equal(await analyticsEvents.value({ result: "redacted" }), 5);
        assert.equal(await analyticsEvents.value({ result: "duplicate" }), 2);
        assert.ok(await analyticsEvents.value({ result: "rejected" }) >= 9);
        assert.equal(await phiDetections.value({ source: "analytics" }), 5);
      });

      // After the metrics step, whose counts it would change.
      await t.step(
        "PHI in the identifier alphabet of property values ('_', '.', ':', '-' for spaces) → stored as {phi_redacted:true}",
        async () => {
          faker.seed(20_260_108);
          const [a, g, s] = fakeSsnParts();
          const values = [
            `ssn_${a}_${g}_${s}`,
            `x${a}-${g}-${s}`,
            [a, g, s].join(":"),
            ["415", "555", "0132"].join("_"),
            ["dob", "1955", "03", "02"].join("_"),
            ["mrn", "774", "1293"].join("_"),
            ["patient", "Mary", "Garcia"].join("."),
            ["1234", "Elm", "Street"].join("-"),
          ];
          const events = values.map((value) =>
            event({ eventName: "ui.button_click", properties: { button: "save", action: value } })
          );
          const response = await post(app, session, events);
          assert.equal(response.status, 200);
          const body = await json<Result>(response);
          assert.equal(body.accepted, values.length);
          assert.equal(body.redacted, values.length);
          for (const e of events) {
            const [row] = await app.db.query<{ properties: unknown; phi_redacted: boolean }>(
              "SELECT properties, phi_redacted FROM analytics_events WHERE event_id = $1",
              [e.eventId],
            );
            assert.deepEqual(row!.properties, { phi_redacted: true });
            assert.equal(row!.phi_redacted, true);
          }
        },
      );
    } finally {
      await app.dispose();
    }
  });
}

Deno.test("STANDBY refuses ingestion with 503 MODE_STANDBY", async () => {
  const app = await buildTestApp();
  try {
    const session = await signInAs(app, "RESEARCHER");
    await grant(app, session);
    await app.services.mode.setMode("STANDBY", { type: "system" });
    const response = await post(app, session, [event()]);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    assert.equal((await json(response)).code, "MODE_STANDBY");
    assert.equal(await rowCount(app), 0);
  } finally {
    await app.dispose();
  }
});

Deno.test("LIVE stores events with mode LIVE", async () => {
  const app = await buildTestApp({ env: { GOVERNANCE_MODE: "LIVE" } });
  try {
    const session = await signInAs(app, "RESEARCHER");
    await grant(app, session);
    const e = event();
    assert.equal((await json<Result>(await post(app, session, [e]))).accepted, 1);
    const [row] = await app.db.query<{ mode: string }>(
      "SELECT mode FROM analytics_events WHERE event_id = $1",
      [e.eventId],
    );
    assert.equal(row!.mode, "LIVE");
  } finally {
    await app.dispose();
  }
});

Deno.test("ANALYTICS_EMIT=off answers 202 with every event dropped and stores nothing", async () => {
  const app = await buildTestApp({ env: { ANALYTICS_EMIT: "off" } });
  try {
    const session = await signInAs(app, "RESEARCHER");
    await grant(app, session);
    const response = await post(app, session, [event(), event()]);
    assert.equal(response.status, 202);
    const body = await json<Result>(response);
    assert.equal(body.dropped, 2);
    assert.equal(body.accepted, 0);
    assert.equal(await rowCount(app), 0);
  } finally {
    await app.dispose();
  }
});

Deno.test("GPC: a grant made before Sec-GPC was first seen stops counting; a grant after it counts", async () => {
  const app = await buildTestApp();
  try {
    const session = await signInAs(app, "RESEARCHER");
    await grant(app, session);
    const gpc = { "x-analytics-consent": "true", "sec-gpc": "1" };
    await expectConsentRequired(await post(app, session, [event()], gpc));
    // The signal is recorded for the user: even requests without it no longer count the old grant.
    await expectConsentRequired(await post(app, session, [event()]));
    const status = await app.request("/api/consent/status", { headers: session.headers() });
    const body = await json<{ analytics: { effective: boolean; gpc: { firstSeenAt: string } } }>(
      status,
    );
    assert.equal(body.analytics.effective, false);
    assert.equal(typeof body.analytics.gpc.firstSeenAt, "string");
    await grant(app, session, { "sec-gpc": "1" });
    const ok = await post(app, session, [event()], gpc);
    assert.equal(ok.status, 200);
    assert.equal((await json<Result>(ok)).accepted, 1);
  } finally {
    await app.dispose();
  }
});
