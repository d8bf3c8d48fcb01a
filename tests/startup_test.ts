/**
 * Start-up against unreachable dependencies and shutdown with a hung database, as real
 * processes. Each process is killed after a generous limit so a hang fails the test
 * instead of stalling the run; nothing asserts how fast the exit was.
 */
import assert from "node:assert/strict";
import { lockDataDir } from "../lib/db/data_dir_lock.ts";
import { openPostgres } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { type AppProcess, listeningWithin, spawnApp, stop } from "./helpers/process.ts";
import { blackhole } from "./helpers/blackhole.ts";
import { stallingProxy } from "./helpers/stalling_proxy.ts";
import { until } from "./helpers/wait.ts";

const LIMIT_MS = 60_000;
const PASSWORD = "s3cret-pw";

/** The process's exit status, or a failure if it is still running after `LIMIT_MS`. */
async function exitWithin(app: AppProcess, ms = LIMIT_MS): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), ms);
  });
  const result = await Promise.race([app.status, hung]);
  clearTimeout(timer);
  if (result === "hung") {
    app.child.kill("SIGKILL");
    await app.status;
    assert.fail(
      `the process did not exit within ${ms} ms; last records: ${
        JSON.stringify(app.records.slice(-3).map((r) => r.msg))
      }`,
    );
  }
  return result;
}

async function expectOneLineExit(env: Record<string, string>, expected: RegExp) {
  const dataDir = await Deno.makeTempDir();
  try {
    const app = spawnApp({ DATA_DIR: dataDir, ...env });
    const status = await exitWithin(app);
    assert.equal(status.code, 1);
    assert.equal(app.stderr.length, 1, `one line: ${JSON.stringify(app.stderr)}`);
    assert.match(app.stderr[0] ?? "", expected);
    const output = JSON.stringify([app.stderr, app.records]);
    assert.ok(!output.includes(PASSWORD), "the password is never echoed");
    assert.ok(!app.records.some((r) => r.msg === "listening"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** A configured admin, so that the start prints no generated password before it listens. */
const CONFIGURED_ADMIN = {
  ADMIN_EMAIL: "admin@example.org",
  ADMIN_PASSWORD: "a long configured password",
};

Deno.test("PORT already in use: the start exits 1 with one line naming it, not a process that stays up unbound", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await expectOneLineExit(
      { PORT: String((taken.addr as Deno.NetAddr).port), ...CONFIGURED_ADMIN },
      /^Cannot listen on HOST=127\.0\.0\.1 PORT=\d+: the port is already in use$/,
    );
  } finally {
    taken.close();
  }
});

Deno.test("HOST that does not resolve: the start exits 1 with one line naming it", async () => {
  await expectOneLineExit(
    { HOST: "no-such-host.invalid", ...CONFIGURED_ADMIN },
    /^Cannot listen on HOST=no-such-host\.invalid PORT=0: the host name does not resolve$/,
  );
});

// REDIS_URL pointing at a Redis that is down no longer stops the start (an instance serves
// without it): tests/ops_start_without_redis_test.ts covers that and a URL the client refuses.

const dbLine = (reason: string) =>
  new RegExp(`^Database at DATABASE_URL could not be reached at start: ${reason};`);

Deno.test("DATABASE_URL on a closed port: exits 1 naming 'connection refused'", async () => {
  await expectOneLineExit(
    { DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:1/x` },
    dbLine("connection refused"),
  );
});

Deno.test("DATABASE_URL on an unknown host: exits 1 naming 'host not found'", async () => {
  await expectOneLineExit(
    { DATABASE_URL: `postgres://postgres:${PASSWORD}@no-such-host.invalid/x` },
    dbLine("host not found"),
  );
});

Deno.test("DATABASE_URL on a server that never answers: exits 1 naming 'timed out'", async () => {
  const hole = blackhole();
  try {
    await expectOneLineExit(
      { DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${hole.port}/x` },
      dbLine("timed out"),
    );
  } finally {
    hole.close();
  }
});

if (hasPostgres()) {
  const server = new URL(TEST_DATABASE_URL!);

  Deno.test("[postgres] DATABASE_URL naming a missing database: exits 1 naming 'database does not exist'", async () => {
    const url = new URL(server.href);
    url.pathname = `/${uniqueName("no_such_db")}`;
    await expectOneLineExit({ DATABASE_URL: url.href }, dbLine("database does not exist"));
  });

  Deno.test("[postgres] DATABASE_URL with an unknown user: exits 1 naming 'authentication failed'", async () => {
    const url = new URL(server.href);
    url.username = uniqueName("no_such_user");
    url.password = PASSWORD;
    await expectOneLineExit({ DATABASE_URL: url.href }, dbLine("authentication failed"));
  });

  Deno.test("[postgres] a migration waiting on a lock past DB_LOCK_TIMEOUT_MS: exits 1 with the timeout's class, message, reason and SQLSTATE, no SQL", async () => {
    const schema = uniqueName("t");
    const admin = openPostgres(server.href, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    // The table migrations read first, held by an operator's session for longer than the bound.
    await admin.exec(`CREATE TABLE ${schema}.schema_migrations (
      name TEXT PRIMARY KEY,
      sha256 CHAR(64) NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const holder = openPostgres(server.href, { schema, max: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => held = resolve);
    const done = holder.transaction(async (tx) => {
      await tx.exec("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE");
      held();
      await released;
    });
    try {
      await Promise.race([isHeld, done]);
      const url = new URL(server.href);
      url.searchParams.set("search_path", schema);
      await expectOneLineExit(
        { DATABASE_URL: url.href, DB_LOCK_TIMEOUT_MS: "100" },
        /^Migrations failed: DatabaseTimeoutError: The database did not answer in time; try again shortly \(lock_not_available, SQLSTATE 55P03\)$/,
      );
    } finally {
      release();
      await done;
      await holder.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  });

  Deno.test("[postgres] the database stops answering after migrations (at the mode's first read): exits 1 with one line naming the step, instead of a start that hangs without a word", async () => {
    const schema = uniqueName("t");
    const admin = openPostgres(server.href, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const proxy = stallingProxy({ hostname: server.hostname, port: Number(server.port || 5432) });
    // The governance mode's read (lib/governance/store.ts): reached only after the first round
    // trip and the migrations went through the proxy as usual.
    proxy.stallOn("m.value IS NOT NULL AS present");
    try {
      const url = new URL(server.href);
      url.host = `127.0.0.1:${proxy.port}`;
      url.searchParams.set("search_path", schema);
      await expectOneLineExit(
        { DATABASE_URL: url.href, DB_STATEMENT_TIMEOUT_MS: "1000", ...CONFIGURED_ADMIN },
        /^Database at DATABASE_URL stopped answering during start \(building the app: governance mode, flags\): no answer within 11 s; check the database's health \(docs\/operations\/TROUBLESHOOTING\.md\)$/,
      );
    } finally {
      proxy.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  });

  Deno.test("[postgres] with DB_STATEMENT_TIMEOUT_MS=0 a start step waiting for a lock says so and waits: the start listens once the lock is gone, past the 10 s a stopped database would be given", async () => {
    const schema = uniqueName("t");
    const admin = openPostgres(server.href, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const url = new URL(server.href);
    url.searchParams.set("search_path", schema);
    const env = {
      DATABASE_URL: url.href,
      DB_STATEMENT_TIMEOUT_MS: "0",
      DB_LOCK_TIMEOUT_MS: "0",
      ...CONFIGURED_ADMIN,
    };
    // Migrated first, so only the mode's read meets the lock.
    const first = spawnApp(env);
    await listeningWithin(first, LIMIT_MS);
    await stop(first);
    const holder = openPostgres(server.href, { schema, max: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => held = resolve);
    const done = holder.transaction(async (tx) => {
      await tx.exec("LOCK TABLE governance_config IN ACCESS EXCLUSIVE MODE");
      held();
      await released;
    });
    let app: AppProcess | undefined;
    try {
      await Promise.race([isHeld, done]);
      app = spawnApp(env);
      const started = app;
      await until(
        () => started.records.some((r) => r.msg === "start waiting on the database"),
        "the waiting line",
        LIMIT_MS,
      );
      const waiting = started.records.find((r) => r.msg === "start waiting on the database")!;
      assert.equal(waiting.step, "building the app: governance mode, flags");
      assert.equal(waiting.exitAfterSeconds, undefined, "no exit bound without a statement bound");
      // Held past the bound a stopped database gets (10 s with a statement bound of 0).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      release();
      await listeningWithin(started, LIMIT_MS);
      assert.equal(started.stderr.length, 0, JSON.stringify(started.stderr));
    } finally {
      release();
      await done;
      if (app) await stop(app);
      await holder.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  });

  Deno.test("[postgres] SIGTERM with a hung database: requests done, the database step is named and skipped, exit 0", async () => {
    const admin = openPostgres(server.href, { max: 1 });
    const database = uniqueName("rf_t");
    await admin.exec(`CREATE DATABASE ${database}`);
    // A TCP proxy to Postgres that can freeze: it then forwards nothing and closes nothing.
    let frozen = false;
    const held: Deno.Conn[] = [];
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
      const buffer = new Uint8Array(16 * 1024);
      try {
        while (true) {
          const n = await from.read(buffer);
          if (n === null || frozen) break;
          let written = 0;
          while (written < n) written += await to.write(buffer.subarray(written, n));
        }
      } catch { /* closed */ }
    };
    (async () => {
      try {
        for await (const conn of listener) {
          const upstream = await Deno.connect({
            hostname: server.hostname,
            port: Number(server.port || 5432),
          });
          held.push(conn, upstream);
          void pipe(conn, upstream);
          void pipe(upstream, conn);
        }
      } catch { /* closed */ }
    })();
    const url = new URL(server.href);
    url.host = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    url.pathname = `/${database}`;
    const app = spawnApp({ DATABASE_URL: url.href, SHUTDOWN_TIMEOUT_SECONDS: "30" });
    try {
      const base = await app.listening;
      assert.equal((await fetch(`${base}/health`)).status, 200);
      frozen = true;
      app.child.kill("SIGTERM");
      const status = await exitWithin(app);
      const messages = app.records.map((r) => r.msg);
      assert.ok(
        !messages.includes("shutdown timed out: exiting with requests in flight"),
        "no request was in flight",
      );
      assert.ok(
        app.records.some((r) =>
          r.msg === "shutdown step did not finish in time; skipped" &&
          r.step === "closing database"
        ),
        `the database step is named: ${JSON.stringify(app.records.slice(-4))}`,
      );
      assert.equal(messages.at(-1), "stopped");
      assert.equal(status.code, 0);
    } finally {
      try {
        app.child.kill("SIGKILL");
      } catch { /* already exited */ }
      await app.status;
      listener.close();
      for (const conn of held) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      await admin.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.close();
    }
  });
}

Deno.test("an embedded database held by another process: the start exits 1 with one line", async () => {
  const dataDir = await Deno.makeTempDir();
  const lock = await lockDataDir(dataDir);
  try {
    await expectOneLineExit(
      { DATA_DIR: dataDir },
      /^The embedded database in .* is in use by another process \(pid \d+\)/,
    );
  } finally {
    lock.release();
    await Deno.remove(dataDir, { recursive: true });
  }
});
