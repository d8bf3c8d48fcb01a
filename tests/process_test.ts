import assert from "node:assert/strict";
import { bundledMigrationsDir, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { startLoopback } from "./helpers/loopback.ts";
import { spawnApp } from "./helpers/process.ts";

Deno.test("ROS_MODE=PANIC stops the start with one line naming ROS_MODE and the allowed values", async () => {
  const app = spawnApp({ ROS_MODE: "PANIC" });
  const status = await app.status;
  assert.equal(status.code, 1);
  assert.deepEqual(app.stderr, [
    "Invalid configuration: ROS_MODE must be one of STANDBY, DEMO, LIVE",
  ]);
  assert.equal(app.records.length, 0, "nothing else is logged");
});

Deno.test("SIGTERM lets an in-flight request finish, then exits 0", async () => {
  const dataDir = await Deno.makeTempDir();
  const worker = startLoopback(async () => {
    await new Promise((r) => setTimeout(r, 800));
    return Response.json({ status: "ok" });
  });
  const app = spawnApp({ DATA_DIR: dataDir, WORKER_URL: worker.url });
  try {
    const url = await app.listening;
    const inFlight = fetch(`${url}/health/ready`);
    while (worker.hits.length === 0) await new Promise((r) => setTimeout(r, 20));
    app.child.kill("SIGTERM");
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.equal((await response.json()).checks.worker, "ok");
    const status = await app.status;
    assert.equal(status.code, 0);
    const messages = app.records.map((r) => r.msg);
    assert.ok(messages.includes("shutting down: draining in-flight requests"));
    assert.equal(messages.at(-1), "stopped");
    await assert.rejects(() => fetch(`${url}/health`), "the server no longer accepts connections");
  } finally {
    await worker.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a second signal exits at once without waiting for in-flight requests", async () => {
  const dataDir = await Deno.makeTempDir();
  const worker = startLoopback(async () => {
    await new Promise((r) => setTimeout(r, 3000));
    return Response.json({ status: "ok" });
  });
  const app = spawnApp({ DATA_DIR: dataDir, WORKER_URL: worker.url });
  try {
    const url = await app.listening;
    const inFlight = fetch(`${url}/health/ready`).then((r) => r.status, () => "failed");
    while (worker.hits.length === 0) await new Promise((r) => setTimeout(r, 20));
    app.child.kill("SIGTERM");
    // Later than a repeat of the same signal (REPEATED_SIGNAL_MS in main.ts), as a person's is.
    await new Promise((r) => setTimeout(r, 800));
    app.child.kill("SIGTERM");
    const status = await app.status;
    assert.equal(status.code, 1);
    assert.equal(await inFlight, "failed", "the in-flight request was cut off, not awaited");
    assert.ok(app.records.some((r) => r.msg === "second signal: exiting now"));
  } finally {
    await worker.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("the same signal twice at once (a process group's signal, passed on by deno task too) is one: the drain runs, exit 0", async () => {
  const dataDir = await Deno.makeTempDir();
  const worker = startLoopback(async () => {
    await new Promise((r) => setTimeout(r, 800));
    return Response.json({ status: "ok" });
  });
  const app = spawnApp({ DATA_DIR: dataDir, WORKER_URL: worker.url });
  try {
    const url = await app.listening;
    const inFlight = fetch(`${url}/health/ready`);
    while (worker.hits.length === 0) await new Promise((r) => setTimeout(r, 20));
    app.child.kill("SIGINT");
    // The copy arrives once the first is being handled (two sent at once would merge into one
    // pending signal): as soon as the drain is logged, well within REPEATED_SIGNAL_MS.
    while (!app.records.some((r) => r.msg === "shutting down: draining in-flight requests")) {
      await new Promise((r) => setTimeout(r, 5));
    }
    app.child.kill("SIGINT");
    const response = await inFlight;
    assert.equal(response.status, 200, "the in-flight request was awaited");
    await response.body?.cancel();
    const status = await app.status;
    assert.equal(status.code, 0);
    const messages = app.records.map((r) => r.msg);
    assert.ok(!messages.includes("second signal: exiting now"));
    assert.equal(messages.at(-1), "stopped");
  } finally {
    await worker.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

if (hasPostgres()) {
  Deno.test("[postgres] two instances started at the same moment on one empty database both come up; each migration runs once", async () => {
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_t");
    await admin.exec(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${database}`;
    const apps = [spawnApp({ DATABASE_URL: url.href }), spawnApp({ DATABASE_URL: url.href })];
    try {
      const urls = await Promise.all(apps.map((a) => a.listening));
      for (const base of urls) assert.equal((await fetch(`${base}/health/ready`)).status, 200);
      const files = await readMigrations(bundledMigrationsDir());
      const applied = apps.map((a) =>
        Number(a.records.find((r) => r.msg === "migrations checked")?.applied ?? -1)
      );
      assert.deepEqual(applied.sort(), [0, files.length]);
      const db = openPostgres(url.href, { max: 1 });
      const rows = await db.query<{ name: string }>(
        "SELECT name FROM schema_migrations ORDER BY name",
      );
      assert.deepEqual(rows.map((r) => r.name), files.map((f) => f.name));
      await db.close();
    } finally {
      for (const a of apps) a.child.kill("SIGTERM");
      for (const a of apps) assert.equal((await a.status).code, 0);
      await admin.exec(`DROP DATABASE IF EXISTS ${database}`);
      await admin.close();
    }
  });
}
