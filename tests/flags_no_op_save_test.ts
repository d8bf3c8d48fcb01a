/**
 * A save that changes nothing on a flag or an experiment writes nothing: pressing Save on
 * /flags/<key> (or "Save <key>" on /experiments) without touching the form bumped the version,
 * wrote a flag.update (experiment.update) audit entry whose before and after differed only in
 * version and updatedAt (the audit log cannot be purged), published a change event, said "saved",
 * and made another administrator's open form stale for no reason. Now, as for accounts (same
 * values: nothing written, not audited): no write, no version, no audit entry, no event; the page
 * says that nothing was changed; the API answers 200 with the stored flag or experiment. Settings
 * equal to the stored ones are no change whatever version the form was based on (nothing to
 * conflict about). A real change still writes once.
 */
import assert from "node:assert/strict";
import type { AppEvent } from "../lib/realtime/types.ts";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { postForm, postJson, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };

async function auditEntries(app: TestApp, type: string, key: string): Promise<number> {
  const rows = await app.db.query(
    "SELECT 1 FROM audit_log WHERE target_type = $1 AND target_id = $2",
    [type, key],
  );
  return rows.length;
}

async function storedVersion(app: TestApp, table: string, key: string): Promise<number> {
  const rows = await app.db.query<{ version: number }>(
    `SELECT version FROM ${table} WHERE key = $1`,
    [key],
  );
  return Number(rows[0]?.version);
}

/** The change events published on this instance from now on. */
function changeEvents(app: TestApp): AppEvent[] {
  const events: AppEvent[] = [];
  app.services.bus.subscribe("governance", (event) => {
    if (event.type === "governance.flag_changed" || event.type === "experiment.changed") {
      events.push(event);
    }
  });
  return events;
}

/** The edit form of /flags/<key> as the page fills it for `flag` (unchanged). */
function flagForm(
  flag: {
    enabled: boolean;
    description: string | null;
    scope: string;
    rolloutPercent: number;
    requiredModes: readonly string[];
    targetEnvironments: readonly string[];
    targetUsers: readonly string[];
  },
  version: number,
): [string, string][] {
  return [
    ["version", String(version)],
    ...(flag.enabled ? [["enabled", "on"] as [string, string]] : []),
    ["description", flag.description ?? ""],
    ["scope", flag.scope],
    ["rollout_percent", String(flag.rolloutPercent)],
    ...flag.requiredModes.map((mode) => ["required_modes", mode] as [string, string]),
    ...flag.targetEnvironments.map((env) => ["target_environments", env] as [string, string]),
    ["target_users", flag.targetUsers.join("\n")],
  ];
}

const SETTINGS = {
  enabled: true,
  description: null,
  scope: "product",
  rolloutPercent: 40,
  // Stored in another order than the page's check boxes send them.
  requiredModes: ["LIVE", "DEMO"],
  targetEnvironments: ["staging", "development"],
  targetUsers: ["u2", "u1"],
} as const;

Deno.test("Save on /flags/<key> without a change writes nothing and says so; a change writes once", async () => {
  await withTestApp(async (app) => {
    const created = await app.services.flags.set("noop.flag", {
      ...SETTINGS,
      requiredModes: [...SETTINGS.requiredModes],
      targetEnvironments: [...SETTINGS.targetEnvironments],
      targetUsers: [...SETTINGS.targetUsers],
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const events = changeEvents(app);
    const before = await auditEntries(app, "feature_flag", "noop.flag");
    const page = {
      ...SETTINGS,
      requiredModes: ["DEMO", "LIVE"],
      targetEnvironments: ["development", "staging"],
      // Typed in another order: the same set of users.
      targetUsers: ["u1", "u2"],
    };

    const same = await postForm(app, admin, "/flags/noop.flag", flagForm(page, created.version));
    assert.equal(same.status, 303);
    const location = same.headers.get("location") ?? "";
    assert.equal(location, "/flags/noop.flag?notice=unchanged");
    const html = await (await app.request(location, { headers: admin.headers() })).text();
    assert.match(html, /Nothing was changed: the flag already had these settings\./);
    assert.doesNotMatch(html, /The flag was saved/);
    assert.equal(await storedVersion(app, "feature_flags", "noop.flag"), created.version);
    assert.equal(await auditEntries(app, "feature_flag", "noop.flag"), before);
    assert.equal(events.length, 0);

    // A real change still writes once.
    const changed = await postForm(
      app,
      admin,
      "/flags/noop.flag",
      flagForm({ ...page, rolloutPercent: 41 }, created.version),
    );
    assert.equal(changed.headers.get("location"), "/flags/noop.flag?notice=saved");
    assert.equal(await storedVersion(app, "feature_flags", "noop.flag"), created.version + 1);
    assert.equal(await auditEntries(app, "feature_flag", "noop.flag"), before + 1);
    assert.equal(events.length, 1);

    // Based on the older version with the settings stored now: nothing to conflict about.
    const stale = await postForm(
      app,
      admin,
      "/flags/noop.flag",
      flagForm({ ...page, rolloutPercent: 41 }, created.version),
    );
    assert.equal(stale.headers.get("location"), "/flags/noop.flag?notice=unchanged");
    // Based on the older version with other settings: still refused as stale.
    const conflict = await postForm(
      app,
      admin,
      "/flags/noop.flag",
      flagForm({ ...page, rolloutPercent: 42 }, created.version),
    );
    assert.equal(conflict.status, 409);
    assert.equal(await storedVersion(app, "feature_flags", "noop.flag"), created.version + 1);
    assert.equal(await auditEntries(app, "feature_flag", "noop.flag"), before + 1);
  });
});

Deno.test("the flag APIs answer 200 with the stored flag for a change to the values it has, unaudited", async () => {
  await withTestApp(async (app) => {
    const created = await app.services.flags.set("noop.api", {
      enabled: false,
      description: "Kept",
      rolloutPercent: 10,
      targetUsers: ["b", "a"],
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const events = changeEvents(app);
    const before = await auditEntries(app, "feature_flag", "noop.api");

    const same = await postJson(app, admin, "/api/admin/feature-flags/noop.api", {
      enabled: false,
      description: "  Kept  ",
      rolloutPercent: 10,
      targetUsers: ["a", "b"],
      version: created.version,
    });
    assert.equal(same.status, 200);
    const body = await same.json() as { success: boolean; flag: Record<string, unknown> };
    assert.equal(body.success, true);
    assert.deepEqual(body.flag, created);

    const governance = await postJson(app, admin, "/api/governance/flags/noop.api", {
      enabled: false,
    });
    assert.equal(governance.status, 200);
    const snapshot = await governance.json() as {
      flags: Record<string, boolean>;
      flagsMeta: { key: string; version: number }[];
    };
    assert.equal(snapshot.flags["noop.api"], false);
    assert.equal(snapshot.flagsMeta.find((f) => f.key === "noop.api")?.version, created.version);

    // Stale, but the settings are the stored ones: unchanged, not a conflict.
    await app.services.flags.set("noop.api", { enabled: true }, ACTOR);
    const stale = await postJson(app, admin, "/api/admin/feature-flags/noop.api", {
      enabled: true,
      version: created.version,
    });
    assert.equal(stale.status, 200);
    assert.equal(
      (await stale.json() as { flag: { version: number } }).flag.version,
      created.version + 1,
    );
    const conflict = await postJson(app, admin, "/api/admin/feature-flags/noop.api", {
      enabled: false,
      version: created.version,
    });
    assert.equal(conflict.status, 409);

    assert.equal(await storedVersion(app, "feature_flags", "noop.api"), created.version + 1);
    assert.equal(await auditEntries(app, "feature_flag", "noop.api"), before + 1);
    assert.equal(events.length, 1, "only the real change is published");
  });
});

Deno.test("flags.write tells a change from none; an archived flag written again is a restore", async () => {
  await withTestApp(async (app) => {
    const flags = app.services.flags;
    const created = await flags.write("noop.svc", { enabled: true }, ACTOR);
    assert.equal(created.changed, true);
    const same = await flags.write("noop.svc", { enabled: true, description: "" }, ACTOR);
    assert.equal(same.changed, false);
    assert.equal(same.flag.version, created.flag.version);
    await flags.archive("noop.svc", undefined, ACTOR);
    const restored = await flags.write("noop.svc", { enabled: true }, ACTOR);
    assert.equal(restored.changed, true);
    assert.ok(flags.get("noop.svc"));
  });
});

Deno.test("Save <key> on /experiments without a change writes nothing and says so; a change writes once", async () => {
  await withTestApp(async (app) => {
    const created = await app.services.experiments.set({
      key: "noop.exp",
      enabled: true,
      description: "Checkout test",
      variants: {
        control: { weight: 50, config: { colour: "blue", size: 2 } },
        treatment: { weight: 50, config: { size: 3, colour: "green" } },
      },
      requiredModes: ["LIVE", "DEMO"],
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const events = changeEvents(app);
    const before = await auditEntries(app, "experiment", "noop.exp");
    const form = (weight: number, version: number): [string, string][] => [
      ["version", String(version)],
      ["enabled", "on"],
      ["weight:control", "50"],
      ["weight:treatment", String(weight)],
      ["required_modes", "DEMO"],
      ["required_modes", "LIVE"],
    ];

    const same = await postForm(app, admin, "/experiments/noop.exp", form(50, created.version));
    assert.equal(same.status, 303);
    const location = same.headers.get("location") ?? "";
    assert.equal(location, "/experiments?notice=unchanged");
    const html = await (await app.request(location, { headers: admin.headers() })).text();
    assert.match(html, /Nothing was changed: the experiment already had these settings\./);
    assert.equal(await storedVersion(app, "experiments", "noop.exp"), created.version);
    assert.equal(await auditEntries(app, "experiment", "noop.exp"), before);
    assert.equal(events.length, 0);

    const changed = await postForm(app, admin, "/experiments/noop.exp", form(40, created.version));
    assert.equal(changed.headers.get("location"), "/experiments?notice=saved");
    assert.equal(await storedVersion(app, "experiments", "noop.exp"), created.version + 1);
    assert.equal(await auditEntries(app, "experiment", "noop.exp"), before + 1);
    assert.equal(events.length, 1);

    // The settings stored now, on the older version: unchanged; other settings: still a conflict.
    const stale = await postForm(app, admin, "/experiments/noop.exp", form(40, created.version));
    assert.equal(stale.headers.get("location"), "/experiments?notice=unchanged");
    const conflict = await postForm(app, admin, "/experiments/noop.exp", form(30, created.version));
    assert.equal(conflict.status, 409);
    assert.equal(await auditEntries(app, "experiment", "noop.exp"), before + 1);
  });
});

Deno.test("POST /api/admin/experiments with the stored settings is 200 with the experiment, unaudited", async () => {
  await withTestApp(async (app) => {
    const created = await app.services.experiments.set({
      key: "noop.expapi",
      enabled: false,
      variants: {
        a: { weight: 1, config: { nested: { x: 1, y: [1, 2] } } },
        b: { weight: 0 },
      },
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const events = changeEvents(app);
    const before = await auditEntries(app, "experiment", "noop.expapi");

    const same = await postJson(app, admin, "/api/admin/experiments", {
      key: "noop.expapi",
      enabled: false,
      description: "",
      // Another key order inside the config, and b's empty config left out.
      variants: { b: { weight: 0 }, a: { weight: 1, config: { nested: { y: [1, 2], x: 1 } } } },
      requiredModes: [],
      version: created.version,
    });
    assert.equal(same.status, 200);
    const body = await same.json() as { success: boolean; experiment: Record<string, unknown> };
    assert.equal(body.success, true);
    assert.deepEqual(body.experiment, created);

    // Array order in a config is a change; so is a removed variant.
    const reordered = await postJson(app, admin, "/api/admin/experiments", {
      key: "noop.expapi",
      enabled: false,
      variants: { a: { weight: 1, config: { nested: { x: 1, y: [2, 1] } } }, b: { weight: 0 } },
    });
    assert.equal(reordered.status, 200);
    assert.equal(await storedVersion(app, "experiments", "noop.expapi"), created.version + 1);
    assert.equal(await auditEntries(app, "experiment", "noop.expapi"), before + 1);
    assert.equal(events.length, 1);

    const svc = await app.services.experiments.write({
      key: "noop.expapi",
      enabled: false,
      variants: { a: { weight: 1 }, b: { weight: 0 } },
    }, ACTOR);
    assert.equal(svc.changed, false);
    assert.equal(svc.experiment.version, created.version + 1);
  });
});
