import assert from "node:assert/strict";
import { OpenAPIHono } from "@hono/zod-openapi";
import { apiRoute } from "../lib/http/openapi.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { NetworkBlockedError } from "../lib/errors/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { startLoopback } from "./helpers/loopback.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface State {
  mode: string;
  pinned: boolean;
  source: string;
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: unknown[];
  timestamp: string;
}

async function setModeAsAdmin(app: TestApp, mode: string) {
  const admin = await signInAs(app, "ADMIN");
  return await app.request("/api/governance/mode", {
    method: "POST",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ mode }),
  });
}

/** Test-only routes of the two classes no feature route covers yet on every build. */
function addClassProbes(app: TestApp) {
  const probes = new OpenAPIHono<AppEnv>();
  const deps = { registry: app.registry, currentMode: app.services.mode.current };
  for (const cls of ["write", "ingest"] as const) {
    probes.openapi(
      apiRoute(deps, { role: "public", class: cls }, {
        method: "post",
        path: `/api/_probe/${cls}`,
        responses: { 204: { description: "ok" } },
      }),
      (c) => c.body(null, 204),
    );
  }
  app.app.route("/", probes);
}

Deno.test({
  name:
    "GET /api/governance/state answers any signed-in role with mode, pinned, flags and timestamp",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const researcher = await signInAs(app, "RESEARCHER");
      const response = await app.request("/api/governance/state", {
        headers: researcher.headers(),
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = await json<State>(response);
      assert.equal(body.mode, "DEMO");
      assert.equal(body.pinned, false);
      assert.equal(body.source, "default");
      assert.equal(body.pinnedReason, null);
      assert.equal(typeof body.flags, "object");
      assert.ok(Array.isArray(body.flagsMeta));
      assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
      assert.equal((await app.request("/api/governance/state")).status, 401);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "POST /api/governance/mode (ADMIN) changes the mode, audits it and logs it",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const response = await setModeAsAdmin(app, "LIVE");
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = await json<State>(response);
      assert.equal(body.mode, "LIVE");
      assert.equal(body.source, "database");
      assert.equal(app.services.mode.current(), "LIVE");
      const audit = await app.db.query<{ action: string; actor_type: string }>(
        "SELECT action, actor_type FROM audit_log WHERE action = 'governance.mode_change'",
      );
      assert.deepEqual([...audit], [{ action: "governance.mode_change", actor_type: "user" }]);
      const log = await app.services.mode.recentLog();
      assert.deepEqual(log.map((e) => e.details), [{
        from: "DEMO",
        to: "LIVE",
        actorType: "user",
      }]);
      assert.notEqual(log[0]!.actor, "user", "the log names the user by display name");
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "POST /api/governance/mode refuses a bad body with 400 and STEWARD with 403",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const admin = await signInAs(app, "ADMIN");
      for (const body of [{ mode: "PANIC" }, { mode: "LIVE", extra: 1 }, {}]) {
        const response = await app.request("/api/governance/mode", {
          method: "POST",
          headers: admin.headers({ "content-type": "application/json" }),
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 400);
        assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
        const problem = await json(response);
        assert.equal(problem.code, "VALIDATION_FAILED");
        assert.doesNotMatch(JSON.stringify(problem), /PANIC/);
      }
      const steward = await signInAs(app, "STEWARD");
      const response = await app.request("/api/governance/mode", {
        method: "POST",
        headers: steward.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ mode: "LIVE" }),
      });
      assert.equal(response.status, 403);
      await response.body?.cancel();
      assert.equal(app.services.mode.current(), "DEMO");
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "with ROS_MODE set the mode is pinned: the API refuses with 409 MODE_PINNED and says why",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { ROS_MODE: "LIVE" } });
    try {
      const response = await setModeAsAdmin(app, "STANDBY");
      assert.equal(response.status, 409);
      assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
      const problem = await json(response);
      assert.equal(problem.code, "MODE_PINNED");
      assert.match(String(problem.detail), /ROS_MODE/);
      assert.equal(app.services.mode.current(), "LIVE");

      const steward = await signInAs(app, "STEWARD");
      const state = await json<State>(
        await app.request("/api/governance/state", { headers: steward.headers() }),
      );
      assert.equal(state.pinned, true);
      assert.equal(state.source, "ROS_MODE");
      assert.match(state.pinnedReason ?? "", /ROS_MODE/);

      const page = await app.request("/governance", { headers: steward.headers() });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /data-testid="pinned-reason"/);
      assert.match(html, /ROS_MODE is set/);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "STANDBY refuses writes and ingestion with 503 MODE_STANDBY and Retry-After, but not reads, SSE, sign-in or the ADMIN mode change",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    addClassProbes(app);
    try {
      assert.equal((await setModeAsAdmin(app, "STANDBY")).status, 200);
      assert.equal(app.services.mode.current(), "STANDBY");

      // Sign-in still works (the helper signs in through POST /api/auth/login).
      const steward = await signInAs(app, "STEWARD");

      for (const path of ["/api/_probe/write", "/api/_probe/ingest"]) {
        const response = await app.request(path, { method: "POST" });
        assert.equal(response.status, 503, path);
        assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
        assert.ok(Number(response.headers.get("retry-after")) > 0);
        assert.equal((await json(response)).code, "MODE_STANDBY");
      }
      const callback = await app.request("/api/jobs/job-1/status", {
        method: "POST",
        headers: steward.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ status: "started" }),
      });
      assert.equal(callback.status, 503, "job callbacks are writes");
      assert.equal((await json(callback)).code, "MODE_STANDBY");

      for (const path of ["/api/governance/state", "/api/jobs", "/health", "/governance"]) {
        const response = await app.request(path, { headers: steward.headers() });
        assert.equal(response.status, 200, path);
        await response.body?.cancel();
      }
      const stream = await app.request("/api/stream", { headers: steward.headers() });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get("content-type") ?? "", /^text\/event-stream/);
      await stream.body?.cancel();

      const back = await setModeAsAdmin(app, "LIVE");
      assert.equal(back.status, 200, "an ADMIN can leave STANDBY");
      assert.equal(app.services.mode.current(), "LIVE");
      const probe = await app.request("/api/_probe/write", { method: "POST" });
      assert.equal(probe.status, 204);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "after a switch to STANDBY the app's outbound guard attempts nothing and counts the block",
  ...opts,
  async fn() {
    const server = startLoopback();
    const app = await buildTestApp({ env: { WORKER_URL: server.url } });
    try {
      const before = await app.services.metrics.externalBlocked.value({ provider: "worker" });
      assert.equal((await setModeAsAdmin(app, "STANDBY")).status, 200);
      await assert.rejects(
        () => app.services.net.fetch("worker", `${server.url}/jobs`),
        NetworkBlockedError,
      );
      const ready = await json(await app.request("/health/ready"));
      assert.equal((ready.checks as Record<string, string>).worker, "blocked");
      assert.equal(server.hits.length, 0, "nothing reached the server");
      // Both refusals counted: the fetch above and the readiness check's call to the worker.
      assert.equal(
        await app.services.metrics.externalBlocked.value({ provider: "worker" }),
        before + 2,
      );
    } finally {
      await app.dispose();
      await server.close();
    }
  },
});

Deno.test({
  name:
    "the console: STEWARD reads it, ADMIN changes the mode by form post with a required confirmation",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const researcher = await signInAs(app, "RESEARCHER");
      const denied = await app.request("/governance", { headers: researcher.headers() });
      assert.equal(denied.status, 403);
      await denied.body?.cancel();

      const steward = await signInAs(app, "STEWARD");
      const view = await app.request("/governance", { headers: steward.headers() });
      assert.equal(view.status, 200);
      const stewardHtml = await view.text();
      assert.match(stewardHtml, /data-testid="governance-mode">DEMO</);
      assert.doesNotMatch(stewardHtml, /action="\/governance\/mode"/, "no switch for STEWARD");
      assert.match(stewardHtml, /What each mode allows/);

      const admin = await signInAs(app, "ADMIN");
      const adminHtml = await (await app.request("/governance", { headers: admin.headers() }))
        .text();
      assert.match(adminHtml, /action="\/governance\/mode"/);
      assert.match(adminHtml, new RegExp(`name="csrf_token" value="${admin.csrfToken}"`));

      const post = (form: Record<string, string>) =>
        app.request("/governance/mode", {
          method: "POST",
          headers: {
            cookie: admin.cookie,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams(form).toString(),
        });
      const unconfirmed = await post({ csrf_token: admin.csrfToken, mode: "STANDBY" });
      assert.equal(unconfirmed.status, 400);
      assert.match(await unconfirmed.text(), /Tick the confirmation box/);
      assert.equal(app.services.mode.current(), "DEMO");

      const forged = await post({ mode: "STANDBY", confirm: "yes" });
      assert.equal(forged.status, 403, "no CSRF token, no change");
      await forged.body?.cancel();

      const done = await post({ csrf_token: admin.csrfToken, mode: "STANDBY", confirm: "yes" });
      assert.equal(done.status, 303);
      assert.equal(done.headers.get("location"), "/governance?changed=STANDBY");
      assert.equal(app.services.mode.current(), "STANDBY");

      const after = await (await app.request("/governance?changed=STANDBY", {
        headers: steward.headers(),
      })).text();
      assert.match(after, /The mode change to STANDBY was saved/);
      assert.match(after, /data-testid="governance-log"/);
      assert.match(after, /DEMO → STANDBY/);
    } finally {
      await app.dispose();
    }
  },
});
