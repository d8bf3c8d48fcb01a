/** The flag and experiment HTTP API, in process on PGlite, through real sign-in and tokens. */
import assert from "node:assert/strict";
import { createToken, signInAs } from "./helpers/auth.ts";
import { json, withTestApp } from "./helpers/app.ts";

const JSON_TYPE = /^application\/json/;
const PROBLEM_TYPE = /^application\/problem\+json/;

function post(path: string, headers: Record<string, string>, body: unknown, method = "POST") {
  return {
    path,
    init: {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
  };
}

Deno.test("POST /api/governance/flags/:flagKey upserts and returns the caller's flags snapshot", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const req = post("/api/governance/flags/new_dashboard", admin.headers(), {
      enabled: true,
      description: "The new dashboard",
      rolloutPercent: 100,
      requiredModes: ["DEMO", "LIVE"],
    });
    const response = await app.request(req.path, req.init);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", JSON_TYPE);
    const body = await json<{
      mode: string;
      pinned: boolean;
      flags: Record<string, boolean>;
      flagsMeta: { key: string; override: boolean | null }[];
      timestamp: string;
    }>(response);
    assert.equal(body.mode, "DEMO");
    assert.equal(body.pinned, false);
    assert.deepEqual(body.flags, { new_dashboard: true });
    assert.equal(body.flagsMeta[0]!.key, "new_dashboard");
    assert.equal(body.flagsMeta[0]!.override, null);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));

    const audit = await app.db.query<{ action: string; actor_id: string }>(
      "SELECT action, actor_id FROM audit_log WHERE target_type = 'feature_flag'",
    );
    assert.deepEqual([...audit], [{ action: "flag.create", actor_id: admin.user.id }]);
  });
});

Deno.test("flag upserts refuse unknown fields, bad keys and bad values with VALIDATION_FAILED, never echoing them", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const cases: [string, unknown, string][] = [
      ["/api/governance/flags/ok_key", { enabled: true, sneaky: "value-xyz" }, "$"],
      ["/api/governance/flags/Bad-Key", { enabled: true }, "$.flagKey"],
      [
        "/api/admin/feature-flags/ok_key",
        { enabled: true, rolloutPercent: 101 },
        "$.rolloutPercent",
      ],
      [
        "/api/admin/feature-flags/ok_key",
        { enabled: true, targetUsers: ["someone@example.org"] },
        "$.targetUsers[0]",
      ],
      ["/api/admin/feature-flags/ok_key", { enabled: "yes" }, "$.enabled"],
    ];
    for (const [path, body, errorPath] of cases) {
      const req = post(path, admin.headers(), body);
      const response = await app.request(req.path, req.init);
      assert.equal(response.status, 400, path);
      assert.match(response.headers.get("content-type") ?? "", PROBLEM_TYPE);
      const text = await response.text();
      const problem = JSON.parse(text) as { code: string; errors: { path: string }[] };
      assert.equal(problem.code, "VALIDATION_FAILED");
      assert.ok(problem.errors.some((e) => e.path === errorPath), `${errorPath} in ${text}`);
      assert.ok(!text.includes("value-xyz") && !text.includes("someone@example.org"));
    }
    const broken = await app.request("/api/governance/flags/ok_key", {
      method: "POST",
      headers: { ...admin.headers(), "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(broken.status, 400);
  });
});

Deno.test("admin flag API: list, versioned update (409 on a stale version), archive", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const steward = await signInAs(app, "STEWARD");
    const create = post("/api/admin/feature-flags/search.v2", admin.headers(), {
      enabled: true,
      rolloutPercent: 30,
      targetUsers: ["user-1"],
      targetEnvironments: ["development"],
    });
    const created = await app.request(create.path, create.init);
    assert.equal(created.status, 200);
    const { success, flag } = await json<{ success: boolean; flag: { version: number } }>(created);
    assert.equal(success, true);
    assert.equal(flag.version, 1);

    const listed = await app.request("/api/admin/feature-flags", { headers: steward.headers() });
    assert.equal(listed.status, 200);
    const { features } = await json<
      {
        features: Record<
          string,
          { rolloutPercent: number; targetUsers: string[]; overrideName: string }
        >;
      }
    >(listed);
    assert.equal(features["search.v2"]!.rolloutPercent, 30);
    assert.deepEqual(features["search.v2"]!.targetUsers, ["user-1"]);
    assert.equal(features["search.v2"]!.overrideName, "FEATURE_SEARCH_V2");

    const update = post("/api/admin/feature-flags/search.v2", admin.headers(), {
      enabled: true,
      rolloutPercent: 60,
      version: 1,
    });
    assert.equal((await app.request(update.path, update.init)).status, 200);
    const stale = post("/api/admin/feature-flags/search.v2", admin.headers(), {
      enabled: false,
      version: 1,
    });
    const conflict = await app.request(stale.path, stale.init);
    assert.equal(conflict.status, 409);
    assert.match(conflict.headers.get("content-type") ?? "", PROBLEM_TYPE);
    assert.equal((await json<{ code: string }>(conflict)).code, "CONFLICT");

    const stewardWrite = post("/api/admin/feature-flags/search.v2", steward.headers(), {
      enabled: false,
    });
    assert.equal((await app.request(stewardWrite.path, stewardWrite.init)).status, 403);

    const archived = await app.request("/api/admin/feature-flags/search.v2?version=2", {
      method: "DELETE",
      headers: admin.headers(),
    });
    assert.equal(archived.status, 200);
    const again = await app.request("/api/admin/feature-flags/search.v2", {
      method: "DELETE",
      headers: admin.headers(),
    });
    assert.equal(again.status, 404);
    assert.equal((await json<{ code: string }>(again)).code, "NOT_FOUND");
    const after = await json<{ features: Record<string, unknown> }>(
      await app.request("/api/admin/feature-flags", { headers: steward.headers() }),
    );
    assert.deepEqual(after.features, {});
  });
});

Deno.test("GET /api/admin/feature-flags/:name/status explains in one sentence without echoing ids", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const steward = await signInAs(app, "STEWARD");
    const create = post("/api/admin/feature-flags/half", admin.headers(), {
      enabled: true,
      rolloutPercent: 50,
      requiredModes: ["LIVE"],
    });
    await app.request(create.path, create.init);

    const gated = await app.request("/api/admin/feature-flags/half/status?userId=abc-123", {
      headers: steward.headers(),
    });
    assert.equal(gated.status, 200);
    assert.match(gated.headers.get("content-type") ?? "", JSON_TYPE);
    assert.deepEqual(await json(gated), {
      enabled: false,
      reason: "MODE_GATED",
      explanation: "The flag only applies in LIVE mode and the platform is in DEMO, so it is off.",
    });

    const split = await app.request(
      "/api/admin/feature-flags/half/status?userId=abc-123&mode=LIVE",
      {
        headers: steward.headers(),
      },
    );
    const body = await json<{ enabled: boolean; reason: string; explanation: string }>(split);
    assert.equal(body.reason, "SPLIT");
    assert.match(
      body.explanation,
      /^The user is in bucket \d+ and the rollout is 50% \(buckets 1–50\), so the flag is (on|off)\.$/,
    );
    assert.ok(!body.explanation.includes("abc-123"));

    const unknown = await json<{ reason: string }>(
      await app.request("/api/admin/feature-flags/nothing/status", { headers: steward.headers() }),
    );
    assert.equal(unknown.reason, "FLAG_NOT_FOUND");
    const badQuery = await app.request("/api/admin/feature-flags/half/status?mode=WHATEVER", {
      headers: steward.headers(),
    });
    assert.equal(badQuery.status, 400);
  });
});

Deno.test("a FEATURE_<KEY> override is shown by the admin API and wins in evaluation", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const create = post("/api/admin/feature-flags/kill.switch", admin.headers(), { enabled: true });
    await app.request(create.path, create.init);
    const list = await json<{ features: Record<string, { override: boolean | null }> }>(
      await app.request("/api/admin/feature-flags", { headers: admin.headers() }),
    );
    assert.equal(list.features["kill.switch"]!.override, false);
    const status = await json<{ enabled: boolean; reason: string; explanation: string }>(
      await app.request("/api/admin/feature-flags/kill.switch/status", {
        headers: admin.headers(),
      }),
    );
    assert.deepEqual([status.enabled, status.reason], [false, "OVERRIDE"]);
    assert.match(
      status.explanation,
      /^FEATURE_KILL_SWITCH=false is set in the server's environment/,
    );
    // An override forces a flag that exists; it does not make one up.
    const ghost = await json<{ enabled: boolean; reason: string }>(
      await app.request("/api/admin/feature-flags/not.a.flag/status", {
        headers: admin.headers(),
      }),
    );
    assert.deepEqual([ghost.enabled, ghost.reason], [false, "FLAG_NOT_FOUND"]);
  }, { FEATURE_KILL_SWITCH: "false", FEATURE_NOT_A_FLAG: "true" });
});

Deno.test("flag changes stay available in STANDBY (governance writes), experiments too", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const flag = post("/api/admin/feature-flags/risky", admin.headers(), { enabled: false });
    assert.equal((await app.request(flag.path, flag.init)).status, 200);
    const exp = post("/api/admin/experiments", admin.headers(), {
      key: "exp.a",
      enabled: false,
      variants: { A: { weight: 1 } },
    });
    assert.equal((await app.request(exp.path, exp.init)).status, 200);
  }, { ROS_MODE: "STANDBY" });
});

Deno.test("experiments API: a signed-in browser's call from another site records no assignment", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const researcher = await signInAs(app, "RESEARCHER");
    const create = post("/api/admin/experiments", admin.headers(), {
      key: "onboarding.copy",
      enabled: true,
      variants: { control: { weight: 50 }, warm: { weight: 50 } },
    });
    assert.equal((await app.request(create.path, create.init)).status, 200);
    const assignments = async () =>
      (await json<{ experiments: { srm: { total: number } }[] }>(
        await app.request("/api/admin/experiments", { headers: admin.headers() }),
      )).experiments[0]!.srm.total;

    // A link or redirect on another site: the session cookie rides along (SameSite=Lax).
    for (const site of ["cross-site", "same-site"]) {
      const refused = await app.request("/api/experiments/onboarding.copy/variant", {
        headers: { ...researcher.headers(), "sec-fetch-site": site, "sec-fetch-mode": "navigate" },
      });
      assert.equal(refused.status, 403, site);
      assert.match(refused.headers.get("content-type") ?? "", PROBLEM_TYPE);
      assert.equal((await json<{ code: string }>(refused)).code, "CSRF_FAILED");
    }
    assert.equal(await assignments(), 0);

    // The app's own pages (same-origin) and clients that send no such header are served.
    const own = await app.request("/api/experiments/onboarding.copy/variant", {
      headers: { ...researcher.headers(), "sec-fetch-site": "same-origin" },
    });
    assert.equal(own.status, 200);
    assert.equal(await assignments(), 1);
  });
});

Deno.test("experiments API: create, list with counts and SRM, the caller's sticky variant", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const researcher = await signInAs(app, "RESEARCHER");
    const create = post("/api/admin/experiments", admin.headers(), {
      key: "onboarding.copy",
      enabled: true,
      description: "Which welcome copy works",
      variants: {
        control: { weight: 50, config: { headline: "Welcome" } },
        warm: { weight: 50, config: { headline: "Good to see you" } },
      },
    });
    const created = await app.request(create.path, create.init);
    assert.equal(created.status, 200);
    assert.match(created.headers.get("content-type") ?? "", JSON_TYPE);
    const { experiment } = await json<
      { experiment: { version: number; variants: { key: string }[] } }
    >(created);
    assert.deepEqual(experiment.variants.map((v) => v.key), ["control", "warm"]);

    const first = await app.request("/api/experiments/onboarding.copy/variant", {
      headers: researcher.headers(),
    });
    assert.equal(first.status, 200);
    const a = await json<{ variant: string; config: { headline: string }; reason: string }>(first);
    assert.equal(a.reason, "SPLIT");
    assert.ok(["control", "warm"].includes(a.variant));
    assert.equal(typeof a.config.headline, "string");
    const second = await json<{ variant: string; reason: string }>(
      await app.request("/api/experiments/onboarding.copy/variant", {
        headers: researcher.headers(),
      }),
    );
    assert.deepEqual(second, { ...second, variant: a.variant, reason: "STICKY" });

    const missing = await app.request("/api/experiments/nope/variant", {
      headers: researcher.headers(),
    });
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get("content-type") ?? "", PROBLEM_TYPE);

    const list = await json<
      {
        experiments: {
          key: string;
          variants: { key: string; assignments: number }[];
          srm: { total: number; mismatch: boolean };
        }[];
      }
    >(
      await app.request("/api/admin/experiments", { headers: admin.headers() }),
    );
    assert.equal(list.experiments[0]!.srm.total, 1);
    assert.equal(list.experiments[0]!.srm.mismatch, false);
    assert.equal(list.experiments[0]!.variants.find((v) => v.key === a.variant)!.assignments, 1);

    const bad = post("/api/admin/experiments", admin.headers(), {
      key: "x",
      enabled: true,
      variants: { A: { weight: 0 } },
    });
    const refused = await app.request(bad.path, bad.init);
    assert.equal(refused.status, 400);
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    const byToken = await app.request("/api/experiments/onboarding.copy/variant", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(byToken.status, 403);
  });
});
