/**
 * Flags and experiments on a real database (PGlite, and Postgres when
 * configured): versioned upserts with audit, archive, key collisions,
 * assignment persistence, snapshot refresh, and serving through an outage.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/mod.ts";
import { manualClock } from "../lib/clock.ts";
import type { Db } from "../lib/db/mod.ts";
import { ConflictError, NotFoundError } from "../lib/errors/mod.ts";
import type { ExperimentHooks } from "../lib/experiments/service.ts";
import { createFeatureControl, type FeatureControl } from "../lib/flags/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { createMemoryBus } from "../lib/realtime/mod.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { dbTargets } from "./helpers/db.ts";

const ADMIN = { actor: { type: "system" as const }, requestId: "req-1" };

async function setup(
  db: Db,
  options: { mode?: "STANDBY" | "DEMO" | "LIVE"; hooks?: ExperimentHooks } = {},
) {
  const clock = manualClock();
  const bus = createMemoryBus({ clock, historySize: 100 });
  const events: AppEvent[] = [];
  bus.subscribe("all", (event) => events.push(event));
  let mode = options.mode ?? "LIVE";
  const control: FeatureControl = await createFeatureControl({
    config: { appEnv: "production", featureOverrides: { FEATURE_FORCED_ON: true } },
    db,
    clock,
    logger: memoryLogger(),
    audit: createAuditLog({ db }),
    bus,
    mode: () => mode,
    refreshIntervalMs: 0,
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  return {
    control,
    clock,
    events,
    setMode: (next: typeof mode) => (mode = next),
    async close() {
      await control.close();
      await bus.close();
    },
  };
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] flags: upsert is versioned, audited, published and applied at once`, async () => {
    const testDb = await target.open();
    const t = await setup(testDb.db);
    try {
      const created = await t.control.flags.set("new_dashboard", {
        enabled: true,
        rolloutPercent: 50,
        description: "A new dashboard",
        requiredModes: ["LIVE"],
      }, ADMIN);
      assert.equal(created.version, 1);
      assert.equal(created.scope, "product");
      // Applied to this instance's snapshot before set() returned.
      assert.equal(t.control.flags.get("new_dashboard")?.rolloutPercent, 50);

      const updated = await t.control.flags.set(
        "new_dashboard",
        { enabled: false, version: 1 },
        ADMIN,
      );
      assert.equal(updated.version, 2);
      assert.equal(updated.rolloutPercent, 50, "omitted fields keep their values");
      assert.equal(updated.description, "A new dashboard");

      await assert.rejects(
        t.control.flags.set("new_dashboard", { enabled: true, version: 1 }, ADMIN),
        ConflictError,
      );

      const audit = await testDb.db.query<
        { action: string; before: unknown; after: unknown; request_id: string }
      >(
        "SELECT action, before, after, request_id FROM audit_log WHERE target_id = 'new_dashboard' ORDER BY id",
      );
      assert.deepEqual(audit.map((row) => row.action), ["flag.create", "flag.update"]);
      assert.equal(audit[0]!.before, null);
      assert.equal((audit[1]!.before as { enabled: boolean }).enabled, true);
      assert.equal((audit[1]!.after as { enabled: boolean }).enabled, false);
      assert.equal(audit[1]!.request_id, "req-1");

      const published = t.events.filter((e) => e.type === "governance.flag_changed");
      assert.equal(published.length, 2);
      assert.equal(published[1]!.topic, "governance");
      assert.deepEqual(published[1]!.payload, {
        flagKey: "new_dashboard",
        enabled: false,
        rolloutPercent: 50,
        version: 2,
        archived: false,
      });
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] flags: archive stops evaluation, keeps history; upsert restores`, async () => {
    const testDb = await target.open();
    const t = await setup(testDb.db);
    try {
      await t.control.flags.set("old_flag", { enabled: true }, ADMIN);
      const ctx = t.control.flags.contextFor({ userId: "u1" });
      assert.equal(t.control.flags.evaluate("old_flag", ctx).reason, "STATIC");
      await assert.rejects(t.control.flags.archive("old_flag", 7, ADMIN), ConflictError);
      const archived = await t.control.flags.archive("old_flag", 1, ADMIN);
      assert.equal(archived.version, 2);
      assert.equal(t.control.flags.evaluate("old_flag", ctx).reason, "FLAG_NOT_FOUND");
      assert.equal(t.control.flags.get("old_flag"), undefined);
      await assert.rejects(t.control.flags.archive("old_flag", undefined, ADMIN), NotFoundError);
      const rows = await testDb.db.query(
        "SELECT archived_at FROM feature_flags WHERE key = 'old_flag'",
      );
      assert.ok(rows[0]!.archived_at instanceof Date);
      const restored = await t.control.flags.set("old_flag", { enabled: true }, ADMIN);
      assert.equal(restored.version, 3);
      assert.equal(t.control.flags.evaluate("old_flag", ctx).value, true);
      // An auditor can tell the restore from a new flag: its own action, the archived settings
      // as before.
      const audit = await testDb.db.query<{ action: string; before: unknown; after: unknown }>(
        "SELECT action, before, after FROM audit_log WHERE target_id = 'old_flag' ORDER BY id",
      );
      assert.deepEqual(audit.map((row) => row.action), [
        "flag.create",
        "flag.archive",
        "flag.restore",
      ]);
      assert.equal((audit[2]!.before as { version: number }).version, 2);
      assert.equal((audit[2]!.after as { version: number }).version, 3);
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] flags and experiments cannot share a key`, async () => {
    const testDb = await target.open();
    const t = await setup(testDb.db);
    try {
      await t.control.flags.set("shared.key", { enabled: true }, ADMIN);
      await assert.rejects(
        t.control.experiments.set({
          key: "shared.key",
          enabled: true,
          variants: { A: { weight: 1 } },
        }, ADMIN),
        ConflictError,
      );
      await t.control.experiments.set({
        key: "exp.key",
        enabled: true,
        variants: { A: { weight: 1 } },
      }, ADMIN);
      await assert.rejects(t.control.flags.set("exp.key", { enabled: true }, ADMIN), ConflictError);
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] overrides apply and are shown on the flag`, async () => {
    const testDb = await target.open();
    const t = await setup(testDb.db);
    try {
      await t.control.flags.set("forced.on", { enabled: false }, ADMIN);
      const view = t.control.flags.get("forced.on")!;
      assert.equal(view.override, true);
      assert.equal(view.overrideName, "FEATURE_FORCED_ON");
      const status = t.control.flags.status("forced.on", {});
      assert.equal(status.enabled, true);
      assert.equal(status.reason, "OVERRIDE");
      const state = t.control.flags.stateFor({ userId: "u" });
      assert.equal(state.flags["forced.on"], true);
      assert.equal(state.flagsMeta[0]!.override, true);
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] experiments: assignment persisted once, sticky across weight changes`, async () => {
    const testDb = await target.open();
    const t = await setup(testDb.db);
    try {
      const user = await testDb.db.query<{ id: string }>(
        "INSERT INTO users (email, role) VALUES ('exp-user@example.org', 'RESEARCHER') RETURNING id",
      );
      const userId = user[0]!.id;
      const created = await t.control.experiments.set({
        key: "checkout.flow",
        enabled: true,
        variants: {
          A: { weight: 50, config: { color: "blue" } },
          B: { weight: 50, config: { color: "green" } },
        },
      }, ADMIN);
      assert.deepEqual(created.variants.map((v) => [v.key, v.weight]), [["A", 50], ["B", 50]]);
      assert.deepEqual(
        t.events.filter((e) => e.type === "experiment.changed").map((e) => e.payload),
        [{ experimentKey: "checkout.flow", enabled: true, version: 1 }],
      );

      const first = await t.control.experiments.variantFor("checkout.flow", { userId });
      assert.equal(first.reason, "SPLIT");
      const again = await t.control.experiments.variantFor("checkout.flow", { userId });
      assert.deepEqual([again.variant, again.reason], [first.variant, "STICKY"]);
      const rows = await testDb.db.query("SELECT variant FROM experiment_assignments");
      assert.deepEqual([...rows], [{ variant: first.variant }]);

      // Nearly all weight moves to the other variant: the persisted assignment still wins.
      const other = first.variant === "A" ? "B" : "A";
      await t.control.experiments.set({
        key: "checkout.flow",
        enabled: true,
        variants: { [first.variant!]: { weight: 1 }, [other]: { weight: 10_000 } },
        version: 1,
      }, ADMIN);
      const sticky = await t.control.experiments.variantFor("checkout.flow", { userId });
      assert.deepEqual([sticky.variant, sticky.reason], [first.variant, "STICKY"]);

      // Anonymous visitors are persisted by session.
      const anonymous = await t.control.experiments.variantFor("checkout.flow", {
        sessionId: "sess-1",
      });
      assert.equal(anonymous.variant, other);
      const list = await t.control.experiments.list();
      assert.equal(list[0]!.variants.find((v) => v.key === first.variant)!.assignments, 1);
      assert.equal(list[0]!.variants.find((v) => v.key === other)!.assignments, 1);
      // Switched off (weight 0): the user's variant is taken away (re-drawn and stored).
      await t.control.experiments.set({
        key: "checkout.flow",
        enabled: true,
        variants: { [first.variant!]: { weight: 0 }, [other]: { weight: 10_000 } },
        version: 2,
      }, ADMIN);
      const off = await t.control.experiments.variantFor("checkout.flow", { userId });
      assert.deepEqual([off.variant, off.reason], [other, "SPLIT"]);
      const later = await t.control.experiments.variantFor("checkout.flow", { userId });
      assert.deepEqual([later.variant, later.reason], [other, "STICKY"]);
      const moved = (await t.control.experiments.list())[0]!;
      assert.equal(moved.variants.find((v) => v.key === first.variant)!.assignments, 0);
      assert.equal(moved.variants.find((v) => v.key === other)!.assignments, 2);
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] experiments: a stored assignment to a removed variant is replaced and counted`, async () => {
    const testDb = await target.open();
    const recorded: unknown[] = [];
    const t = await setup(testDb.db, {
      hooks: {
        hasAnalyticsConsent: () => Promise.resolve(true),
        recordAssigned: (event) => {
          recorded.push(event);
          return Promise.resolve();
        },
      },
    });
    try {
      const users = await testDb.db.query<{ id: string }>(
        `INSERT INTO users (email, role) SELECT 'removed-' || g || '@example.org', 'RESEARCHER'
         FROM generate_series(1, 40) g RETURNING id`,
      );
      const ids = users.map((u) => u.id);
      await t.control.experiments.set({
        key: "removed.exp",
        enabled: true,
        variants: { A: { weight: 50 }, B: { weight: 50 } },
      }, ADMIN);
      const before = new Map<string, string>();
      for (const userId of ids) {
        before.set(
          userId,
          (await t.control.experiments.variantFor("removed.exp", { userId })).variant!,
        );
      }
      const inB = ids.filter((id) => before.get(id) === "B");
      assert.ok(inB.length > 5 && inB.length < 35, `B got ${inB.length} of 40`);
      // B is replaced by C.
      await t.control.experiments.set({
        key: "removed.exp",
        enabled: true,
        variants: { A: { weight: 50 }, C: { weight: 50 } },
        version: 1,
      }, ADMIN);
      recorded.length = 0;
      // Two requests at once for each former B user: one replacement stored, both agree.
      const answers = await Promise.all(
        inB.flatMap((userId) =>
          [0, 1].map(() => t.control.experiments.variantFor("removed.exp", { userId }))
        ),
      );
      for (let i = 0; i < inB.length; i++) {
        const [one, two] = [answers[2 * i]!, answers[2 * i + 1]!];
        assert.equal(one.variant, two.variant);
        assert.ok(one.variant === "A" || one.variant === "C");
      }
      // Stored, so counted and kept: a later weight change does not move them (before, the
      // removed variant stayed stored, the new one was never counted and 50/51 moved half).
      const rows = await testDb.db.query<{ variant: string; n: number }>(
        `SELECT variant, count(*)::int AS n FROM experiment_assignments
         WHERE experiment_key = 'removed.exp' GROUP BY variant ORDER BY variant`,
      );
      assert.ok(!rows.some((r) => r.variant === "B"), JSON.stringify(rows));
      assert.equal(rows.reduce((sum, r) => sum + Number(r.n), 0), 40);
      const view = (await t.control.experiments.list()).find((e) => e.key === "removed.exp")!;
      assert.equal(view.srm?.removed, 0);
      assert.equal(view.variants.reduce((sum, v) => sum + v.assignments, 0), 40);
      // Each replacement is one new assignment, announced once.
      assert.equal(recorded.length, inB.length);
      await t.control.experiments.set({
        key: "removed.exp",
        enabled: true,
        variants: { A: { weight: 50 }, C: { weight: 51 } },
        version: 2,
      }, ADMIN);
      for (let i = 0; i < inB.length; i++) {
        const later = await t.control.experiments.variantFor("removed.exp", { userId: inB[i]! });
        assert.deepEqual([later.variant, later.reason], [answers[2 * i]!.variant, "STICKY"]);
      }
      assert.equal(recorded.length, inB.length);
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] experiments: gated assignments are neither persisted nor announced`, async () => {
    const testDb = await target.open();
    const t = await setup(testDb.db);
    try {
      await t.control.experiments.set({
        key: "gated.exp",
        enabled: true,
        requiredModes: ["DEMO"],
        variants: { A: { weight: 1 } },
      }, ADMIN);
      const gated = await t.control.experiments.variantFor("gated.exp", { sessionId: "s" });
      assert.deepEqual([gated.variant, gated.reason], [null, "MODE_GATED"]);
      t.setMode("STANDBY");
      await t.control.experiments.set({
        key: "standby.exp",
        enabled: true,
        variants: { A: { weight: 1 } },
      }, ADMIN);
      const standby = await t.control.experiments.variantFor("standby.exp", { sessionId: "s" });
      assert.deepEqual([standby.variant, standby.reason], ["A", "SPLIT"]);
      assert.equal((await testDb.db.query("SELECT * FROM experiment_assignments")).length, 0);
      assert.equal(t.events.filter((e) => (e.type as string) === "experiment.assigned").length, 0);
    } finally {
      await t.close();
      await testDb.cleanup();
    }
  });
}

Deno.test("experiments: an assignment is recorded only for consenting users, and never published on the bus", async () => {
  const testDb = await dbTargets()[0]!.open();
  const clock = manualClock();
  const bus = createMemoryBus({ clock, historySize: 100 });
  const events: AppEvent[] = [];
  bus.subscribe("all", (event) => events.push(event));
  const recorded: unknown[] = [];
  const users = await testDb.db.query<{ id: string }>(
    "INSERT INTO users (email) VALUES ('yes@example.org'), ('no@example.org') RETURNING id",
  );
  const [yes, no] = [users[0]!.id, users[1]!.id];
  const control = await createFeatureControl({
    config: { appEnv: "development", featureOverrides: {} },
    db: testDb.db,
    clock,
    logger: memoryLogger(),
    audit: createAuditLog({ db: testDb.db }),
    bus,
    mode: () => "DEMO",
    refreshIntervalMs: 0,
    hooks: {
      hasAnalyticsConsent: (userId) => Promise.resolve(userId === yes),
      recordAssigned: (event) => {
        recorded.push(event);
        return Promise.resolve();
      },
    },
  });
  try {
    await control.experiments.set({
      key: "consent.exp",
      enabled: true,
      variants: { only: { weight: 1 } },
    }, ADMIN);
    await control.experiments.variantFor("consent.exp", { userId: no });
    await control.experiments.variantFor("consent.exp", { userId: yes });
    await control.experiments.variantFor("consent.exp", { userId: yes }); // sticky: not announced again
    // Not on the stream: every signed-in user may read topic `all` (docs/realtime.md).
    assert.deepEqual(events.filter((e) => e.type !== "experiment.changed"), []);
    assert.deepEqual(recorded, [{
      experimentKey: "consent.exp",
      variant: "only",
      userId: yes,
      sessionId: null,
    }]);
  } finally {
    await control.close();
    await bus.close();
    await testDb.cleanup();
  }
});

Deno.test("snapshot: a database outage keeps the last snapshot serving and reports degraded", async () => {
  const testDb = await dbTargets()[0]!.open();
  const t = await setup(testDb.db);
  try {
    await t.control.flags.set("survivor", { enabled: true }, ADMIN);
    const check = t.control.readiness;
    assert.equal(check.critical, false);
    assert.equal(await check.run(new AbortController().signal), "ok");
    await testDb.db.close(); // the database is gone
    t.clock.advance(10_000);
    assert.equal(await check.run(new AbortController().signal), "degraded");
    assert.equal(t.control.snapshots.state().status, "stale");
    const ctx = t.control.flags.contextFor({ userId: "u" });
    assert.deepEqual(
      [
        t.control.flags.evaluate("survivor", ctx).value,
        t.control.flags.evaluate("survivor", ctx).reason,
      ],
      [true, "STATIC"],
    );
    await assert.rejects(t.control.flags.set("survivor", { enabled: false }, ADMIN), {
      code: "SERVICE_UNAVAILABLE",
    });
  } finally {
    await t.close();
    await testDb.cleanup();
  }
});

Deno.test("snapshot: with no database at start, flags fail closed with ERROR", async () => {
  const testDb = await dbTargets()[0]!.open();
  await testDb.db.close();
  const t = await setup(testDb.db);
  try {
    assert.equal(t.control.snapshots.state().status, "empty");
    const ctx = t.control.flags.contextFor({ userId: "u" });
    assert.deepEqual(t.control.flags.evaluate("anything", ctx), {
      key: "anything",
      value: false,
      reason: "ERROR",
      bucket: null,
      version: null,
    });
    assert.equal(
      t.control.flags.evaluate("forced.on", ctx).value,
      true,
      "an override still applies",
    );
    assert.equal(
      await t.control.readiness.run(new AbortController().signal),
      "failed: unavailable",
    );
    assert.deepEqual(t.control.flags.stateFor({}), { flags: {}, flagsMeta: [] });
  } finally {
    await t.close();
    await testDb.cleanup();
  }
});
