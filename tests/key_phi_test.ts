/**
 * Flag and experiment keys ride on the event bus (`governance.flag_changed`,
 * `experiment.changed`, `experiment.assigned`) and in the analytics exposure, where every value
 * is scanned with `safeKeys: []`. A new key is checked with that same scan, so for each
 * candidate: created through the API ⇔ the bus guard accepts the events that carry it. An
 * accepted key's changes are published and its exposures stored; a refused key is a 400 naming
 * the identifier type, never the key, on the API and on the form pages. A key stored before the
 * check stays changeable. PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { payloadRefusal } from "../lib/realtime/payload_guard.ts";
import { eventKeyPhiTypes } from "../lib/validation/event_key.ts";
import { consentedUser } from "./helpers/analytics.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

// PHI-shaped ones built at run time: no such literal on disk.
const CANDIDATES = [
  // Refused: a date or an address-like dotted number (the review's examples).
  "checkout-2025-03-01",
  "sunset-2025-06-30",
  "android-14.0.0.1",
  "legacy-api-1.0.0.1",
  "release-2025.3.1",
  "new-dashboard-2025-03-01",
  "winter-sale-01-dec-2025",
  ["promo", "415", "555", "0132"].join("-"),
  ["ssn", "536", "22", "1234"].join("-"),
  ["mrn", "4829133"].join("_"),
  // The identifier alphabet: '_', '.' and '-' in place of spaces, a letter against the digits.
  ["ssn", "536", "22", "1234"].join("_"),
  ["x536", "22", "1234"].join("-"),
  ["promo", "415", "555", "0132"].join("_"),
  ["dob", "1955", "03", "02"].join("_"),
  ["mrn", "774", "1293"].join("_"),
  ["patient", "mary", "garcia"].join("_"),
  // Accepted: technical keys with years, versions and quarters.
  "new_dashboard",
  "checkout_2025_q1",
  "release-2025-q1",
  "exp_2024_q3",
  "med_rec_2024_v2",
  "promo_01_mar_2025",
  "ios-17.4.1",
  "onboarding.v3",
];

/** Keys in the identifier alphabet that hold PHI: each is refused (400), not only consistently. */
const IDENTIFIER_FORM_PHI = CANDIDATES.slice(
  CANDIDATES.indexOf(["ssn", "536", "22", "1234"].join("_")),
  CANDIDATES.indexOf(["patient", "mary", "garcia"].join("_")) + 1,
);

Deno.test("flag keys with PHI in the identifier alphabet are refused", () => {
  assert.equal(IDENTIFIER_FORM_PHI.length, 6);
  for (const key of IDENTIFIER_FORM_PHI) {
    assert.equal(busAccepts(key), false, key);
    assert.ok(eventKeyPhiTypes(key).length > 0, key);
  }
});

Deno.test("flag keys beside the joined-name and hex readings: titles, cues and hashes in keys stay", () => {
  // A title or cue word joined to lower-case words, and a build hash: keys, not a name or text.
  for (
    const key of [
      "dr-run",
      "ms-sql",
      "mr-merge-request",
      "patient-portal-v2",
      "patient-list-redesign",
      "build-da39a3ee5e6b4b0d3255bfef95601890afd80709",
      "canary-4bf92f3577b34da6a3ce929d0e0e4736",
    ]
  ) {
    assert.ok(busAccepts(key), key);
    assert.deepEqual(eventKeyPhiTypes(key), [], key);
  }
});

/** The payloads lib/flags/service.ts and lib/experiments/service.ts publish about a key. */
function busAccepts(key: string): boolean {
  const verdicts = [
    { flagKey: key, enabled: true, rolloutPercent: 100, version: 1, archived: false },
    { flagKey: key, enabled: false, rolloutPercent: 100, version: 2, archived: true },
    { experimentKey: key, enabled: true, version: 1 },
    { experimentKey: key, variant: "control" },
  ].map((payload) => payloadRefusal(payload));
  // The key decides alone: the events about one key are all published or all refused.
  assert.equal(new Set(verdicts).size, 1, key);
  assert.ok(verdicts[0] === undefined || verdicts[0] === "phi", key);
  return verdicts[0] === undefined;
}

function call(app: TestApp, session: Session, method: string, path: string, body?: unknown) {
  return app.request(path, {
    method,
    headers: session.headers({ "content-type": "application/json" }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

interface Problem {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** A refusal names the types found and what to do, never the key. */
async function assertRefused(response: Response, key: string): Promise<void> {
  assert.equal(response.status, 400, key);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const text = await response.text();
  assert.ok(!text.includes(key), `the answer repeats ${key}`);
  const problem = JSON.parse(text) as Problem;
  assert.equal(problem.code, "VALIDATION_FAILED");
  assert.ok(
    problem.detail.includes(`(found: ${eventKeyPhiTypes(key).join(", ")})`),
    problem.detail,
  );
  assert.match(problem.detail, /choose a key without a date/);
  assert.deepEqual(problem.errors, [{ path: "$.key", message: problem.detail }]);
}

const UNPUBLISHED = /change event not published|exposure not recorded/;

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a key is created through the API exactly when the bus accepts its events`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const admin = await signInAs(app, "ADMIN");
      const researcher = await consentedUser(app);
      const accepted: string[] = [];
      for (const key of CANDIDATES) {
        const expected = busAccepts(key);
        const flag = await call(app, admin, "POST", `/api/admin/feature-flags/${key}`, {
          enabled: true,
        });
        const experiment = async () =>
          await call(app, admin, "POST", "/api/admin/experiments", {
            key,
            enabled: true,
            variants: { control: { weight: 1 }, treatment: { weight: 1 } },
          });
        if (!expected) {
          await assertRefused(flag, key);
          await assertRefused(
            await call(app, admin, "POST", `/api/governance/flags/${key}`, { enabled: true }),
            key,
          );
          await assertRefused(await experiment(), key);
          continue;
        }
        assert.equal(flag.status, 200, key);
        await flag.body?.cancel();
        // Archived, so the experiment may take the key (one namespace for both).
        const archived = await call(app, admin, "DELETE", `/api/admin/feature-flags/${key}`);
        assert.equal(archived.status, 200, key);
        await archived.body?.cancel();
        const created = await experiment();
        assert.equal(created.status, 200, key);
        await created.body?.cancel();
        const variant = await call(app, researcher, "GET", `/api/experiments/${key}/variant`);
        assert.equal(variant.status, 200, key);
        assert.equal((await json<{ reason: string }>(variant)).reason, "SPLIT", key);
        accepted.push(key);
      }
      assert.deepEqual(accepted, CANDIDATES.filter(busAccepts));
      assert.ok(accepted.length >= 8 && accepted.length <= CANDIDATES.length - 10);
      // Every event about an accepted key was published and each exposure stored.
      assert.deepEqual(app.logs.filter((line) => UNPUBLISHED.test(line)), []);
      const exposures = await app.db.query<{ key: string }>(
        `SELECT properties->>'experiment_key' AS key FROM analytics_events
          WHERE event_name = 'experiment.assigned' AND NOT phi_redacted ORDER BY created_at`,
      );
      assert.deepEqual(exposures.map((row) => row.key).sort(), [...accepted].sort());
      // Nothing of a refused key was stored.
      const stored = await app.db.query<{ key: string }>(
        "SELECT key FROM feature_flags UNION SELECT key FROM experiments",
      );
      assert.deepEqual(stored.map((row) => row.key).sort(), [...accepted].sort());
      const audited = await app.db.query<{ id: string }>(
        "SELECT DISTINCT target_id AS id FROM audit_log WHERE target_type IN ('feature_flag', 'experiment')",
      );
      assert.deepEqual(audited.map((row) => row.id).sort(), [...accepted].sort());
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] a key stored before the check can still be switched off and archived, not brought back`, async () => {
    const testDb = await target.open();
    // Written as an older release did, past today's check.
    await testDb.db.exec(`
      INSERT INTO feature_flags (key, enabled) VALUES ('sunset-2025-06-30', true);
      INSERT INTO experiments (key, enabled, variants, allocation)
        VALUES ('checkout-2025-03-01', true, '{"a": {}, "b": {}}', '{"a": 1, "b": 1}');
    `);
    const app = await buildTestApp({ testDb, env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const off = await call(app, admin, "POST", "/api/admin/feature-flags/sunset-2025-06-30", {
        enabled: false,
      });
      assert.equal(off.status, 200);
      await off.body?.cancel();
      assert.equal(app.services.flags.get("sunset-2025-06-30")?.enabled, false);
      const stopped = await call(app, admin, "POST", "/api/admin/experiments", {
        key: "checkout-2025-03-01",
        enabled: false,
        variants: { a: { weight: 1 }, b: { weight: 1 } },
      });
      assert.equal(stopped.status, 200);
      await stopped.body?.cancel();
      assert.equal(app.services.experiments.get("checkout-2025-03-01")?.enabled, false);
      // The bus still refuses their events: applied here, other instances catch up on refresh.
      assert.equal(
        app.logs.filter((line) => /flag change event not published/.test(line)).length,
        1,
      );
      assert.equal(
        app.logs.filter((line) => /experiment change event not published/.test(line)).length,
        1,
      );
      const archived = await call(
        app,
        admin,
        "DELETE",
        "/api/admin/feature-flags/sunset-2025-06-30",
      );
      assert.equal(archived.status, 200);
      await archived.body?.cancel();
      // Bringing an archived flag back creates a live one: the check applies.
      await assertRefused(
        await call(app, admin, "POST", "/api/admin/feature-flags/sunset-2025-06-30", {
          enabled: true,
        }),
        "sunset-2025-06-30",
      );
    } finally {
      await app.dispose();
    }
  });
}

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

Deno.test("the flag and experiment forms show the refusal of a new key and store nothing", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const flag = await postForm(app, admin, "/flags", [["key", "sunset-2025-06-30"], [
      "enabled",
      "on",
    ]]);
    assert.equal(flag.status, 400);
    const flagPage = await flag.text();
    assert.match(flagPage, /reads as PHI to the scanner that guards live updates/);
    assert.match(flagPage, /\(found: DATE\)/);
    assert.equal(app.services.flags.get("sunset-2025-06-30"), undefined);

    const experiment = await postForm(app, admin, "/experiments", [
      ["key", "android-14.0.0.1"],
      ["variants", "a=1\nb=1"],
    ]);
    assert.equal(experiment.status, 400);
    const experimentPage = await experiment.text();
    assert.match(experimentPage, /\(found: IP_ADDRESS\)/);
    assert.match(experimentPage, /choose a key without a date, an address-like number/);
    assert.equal(app.services.experiments.get("android-14.0.0.1"), undefined);

    const fine = await postForm(app, admin, "/flags", [["key", "checkout_2025_q1"]]);
    assert.equal(fine.status, 303);
    await fine.body?.cancel();
  } finally {
    await app.dispose();
  }
});
