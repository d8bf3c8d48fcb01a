import assert from "node:assert/strict";
import { openRedis } from "../lib/redis/client.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { freshPostgres } from "./helpers/db.ts";
import { hasPostgres, hasRedis, IN_CI, TEST_REDIS_URL } from "./helpers/env.ts";
import { startLoopback } from "./helpers/loopback.ts";
import { privateRedis, redisServerBinary } from "./helpers/redis_server.ts";

interface Readiness {
  status: string;
  checks: Record<string, string>;
  mode: {
    effective: string;
    ros_mode: string | null;
    no_network: boolean;
    mock_only: boolean;
    allow_uploads: boolean;
    strict_phi_on_upload: boolean;
  };
}

Deno.test("GET /health answers liveness with version, uptime and mode", async () => {
  const app = await buildTestApp();
  try {
    for (const path of ["/health", "/api/health", "/healthz"]) {
      const response = await app.request(path);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = await json(response);
      assert.equal(body.status, "ok");
      assert.equal(body.version, "test");
      assert.equal(body.build, null);
      assert.equal(typeof body.uptime_s, "number");
      assert.equal(body.mode, "DEMO");
    }
  } finally {
    await app.dispose();
  }
});

Deno.test("GET /health names the build the image was made from (APP_BUILD)", async () => {
  const app = await buildTestApp({ env: { APP_BUILD: "861dba0" } });
  try {
    assert.equal((await json(await app.request("/health"))).build, "861dba0");
  } finally {
    await app.dispose();
  }
});

Deno.test("GET /health/ready on PGlite: db ok, redis and worker skipped", async () => {
  const app = await buildTestApp();
  try {
    for (const path of ["/health/ready", "/api/health/ready", "/readyz"]) {
      const response = await app.request(path);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = await json<Readiness>(response);
      assert.equal(body.status, "ready");
      assert.deepEqual(body.checks, { db: "ok", redis: "skipped", worker: "skipped", flags: "ok" });
      assert.deepEqual(body.mode, {
        effective: "DEMO",
        ros_mode: null,
        no_network: false,
        mock_only: false,
        allow_uploads: false,
        strict_phi_on_upload: true,
      });
    }
  } finally {
    await app.dispose();
  }
});

Deno.test("readiness reports the upload settings the deployment gave this instance", async () => {
  const app = await buildTestApp({
    env: { ALLOW_UPLOADS: "true", STRICT_PHI_ON_UPLOAD: "false", NO_NETWORK: "true" },
  });
  try {
    const body = await json<Readiness>(await app.request("/health/ready"));
    assert.equal(body.mode.allow_uploads, true);
    assert.equal(body.mode.strict_phi_on_upload, false);
    assert.equal(body.mode.no_network, true);
  } finally {
    await app.dispose();
  }
});

Deno.test("readiness names a refused worker connection as such (the reason is in the fetch error's cause)", async () => {
  const closed = startLoopback();
  const port = closed.port;
  await closed.close();
  const app = await buildTestApp({ env: { WORKER_URL: `http://127.0.0.1:${port}` } });
  try {
    const body = await json<Readiness>(await app.request("/health/ready"));
    assert.equal(body.checks.worker, "failed: connection refused");
  } finally {
    await app.dispose();
  }
});

Deno.test("readiness checks a reachable worker and reports ok", async () => {
  const worker = startLoopback(() => Response.json({ status: "ok" }));
  const app = await buildTestApp({ env: { WORKER_URL: worker.url } });
  try {
    const response = await app.request("/health/ready");
    assert.equal(response.status, 200);
    assert.equal((await json<Readiness>(response)).checks.worker, "ok");
    assert.deepEqual(worker.hits.map((h) => h.path), ["/health"]);
  } finally {
    await app.dispose();
    await worker.close();
  }
});

Deno.test("readiness names a failing worker with no URL in the reason, and stays ready without it", async () => {
  const worker = startLoopback(() => new Response("down", { status: 503 }));
  const app = await buildTestApp({
    env: { WORKER_URL: `http://user:secret@127.0.0.1:${worker.port}` },
  });
  try {
    const response = await app.request("/health/ready");
    // The worker is not needed to serve governance, flags or the API: reported, not fatal.
    assert.equal(response.status, 200);
    const text = await response.text();
    const body = JSON.parse(text) as Readiness;
    assert.equal(body.status, "ready");
    assert.equal(body.checks.worker, "failed: status 503");
    assert.ok(!text.includes("secret"));
  } finally {
    await app.dispose();
    await worker.close();
  }
});

for (
  const [name, env] of [["NO_NETWORK", { NO_NETWORK: "true" }], ["MOCK_ONLY", {
    MOCK_ONLY: "true",
  }], ["STANDBY", { ROS_MODE: "STANDBY" }]] as const
) {
  Deno.test(`readiness under ${name} reports the worker blocked, makes no call and counts it`, async () => {
    const worker = startLoopback();
    const app = await buildTestApp({ env: { WORKER_URL: worker.url, ...env } });
    try {
      const response = await app.request("/health/ready");
      assert.equal(response.status, 200);
      assert.equal((await json<Readiness>(response)).checks.worker, "blocked");
      assert.equal(worker.hits.length, 0);
      // The guard refused it, so the blocked counter says so (MODE_TOGGLE.md's check).
      assert.equal(await app.services.metrics.externalBlocked.value({ provider: "worker" }), 1);
    } finally {
      await app.dispose();
      await worker.close();
    }
  });
}

if (hasPostgres() && hasRedis()) {
  Deno.test("[postgres+redis] readiness is ready with db and redis ok", async () => {
    const logger = memoryLogger();
    const redis = await openRedis(TEST_REDIS_URL!, logger);
    const app = await buildTestApp({ testDb: await freshPostgres(), redis });
    try {
      const response = await app.request("/health/ready");
      assert.equal(response.status, 200);
      const body = await json<Readiness>(response);
      assert.deepEqual(body.checks, { db: "ok", redis: "ok", worker: "skipped", flags: "ok" });
    } finally {
      await app.dispose();
      await redis.close();
    }
  });
}

if (redisServerBinary() || IN_CI) {
  Deno.test("readiness names redis as failed while Redis is down but stays 200 (Redis holds no state), and ok when it returns", async () => {
    const server = privateRedis();
    await server.start();
    const redis = await openRedis(server.url, memoryLogger());
    const app = await buildTestApp({ redis });
    try {
      assert.equal((await app.request("/health/ready")).status, 200);
      await server.stop();
      // Bounded by construction: each check races a 2 s timeout (see readiness_test.ts).
      const down = await app.request("/health/ready");
      assert.equal(down.status, 200);
      const body = await json<Readiness>(down);
      assert.match(body.checks.redis!, /^failed: /);
      assert.equal(body.checks.db, "ok");
      assert.equal(body.status, "ready");

      await server.start();
      let redisState = "";
      for (let attempt = 0; attempt < 50 && redisState !== "ok"; attempt++) {
        await new Promise((r) => setTimeout(r, 100));
        redisState = (await json<Readiness>(await app.request("/health/ready"))).checks.redis!;
      }
      assert.equal(redisState, "ok", "the check must recover without a restart");
    } finally {
      await app.dispose();
      await redis.close();
      await server.stop();
    }
  });
}
