/**
 * The audit log is searched by the kind of actor (`actorType`: user, token, system, anonymous),
 * so the entries without an actor id (operator commands, chores and start-up as `system`, failed
 * sign-ins as `anonymous`) can be found by who made them: GET /api/audit pages through exactly
 * the entries of that kind (newest first, none twice, none left out, at limits 1, 2 and 200,
 * alone and with the other filters), on PGlite and Postgres. A kind that is none is 400
 * VALIDATION_FAILED at `$.actorType` on the API, never echoed; on /audit it is left out on its own
 * (the other filters still apply) and its field is marked.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, loginStatus, type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { auditIdsWhere, walkAuditIds } from "./helpers/audit_pages.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Obviously synthetic; its presence anywhere in an answer would be an echo. */
const CANARY = "CANARYactortype";

/**
 * An app with entries of every kind of actor, interleaved: accounts and a token made by the
 * system (as `deno task user` does), flag changes by an admin, failed sign-ins (anonymous), jobs
 * finished by a worker's token.
 */
async function withApp(
  testDb: Awaited<ReturnType<ReturnType<typeof dbTargets>[number]["open"]>> | undefined,
  fn: (app: TestApp, admin: Session) => Promise<void>,
) {
  const app = await buildTestApp({
    env: { RATE_LIMIT_PER_MIN: "0" },
    ...(testDb ? { testDb } : {}),
  });
  try {
    const admin = await signInAs(app, "ADMIN");
    const worker = await createToken(app, { scopes: ["jobs:write"], name: "worker" });
    for (let i = 0; i < 4; i++) {
      const flag = await app.request(`/api/admin/feature-flags/kind_${i % 2}`, {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ enabled: i % 2 === 0, rolloutPercent: i * 10 }),
      });
      assert.equal(flag.status, 200);
      await flag.body?.cancel();
      assert.equal(await loginStatus(app, admin.user.email, `wrong password ${i}`), 401);
      const job = await app.request(`/api/jobs/kind-job-${i}/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${worker}`, "content-type": "application/json" },
        body: JSON.stringify({ status: "completed" }),
      });
      assert.equal(job.status, 200);
      await job.body?.cancel();
      await signInAs(app, "RESEARCHER"); // user.create by the system, auth.sign_in by the user
    }
    await fn(app, admin);
  } finally {
    await app.dispose();
  }
}

for (const target of dbTargets()) {
  Deno.test({
    name: `[${target.name}] GET /api/audit?actorType pages through exactly that kind's entries`,
    ...opts,
    async fn() {
      await withApp(await target.open(), async (app, admin) => {
        const cases: [Record<string, string>, string, unknown[]][] = [
          [{ actorType: "system" }, "WHERE actor_type = 'system'", []],
          [{ actorType: "anonymous" }, "WHERE actor_type = 'anonymous'", []],
          [{ actorType: "token" }, "WHERE actor_type = 'token'", []],
          [{ actorType: "user" }, "WHERE actor_type = 'user'", []],
          [
            { actorType: "system", action: "user." },
            "WHERE actor_type = 'system' AND action LIKE 'user.%'",
            [],
          ],
          [
            { actorType: "user", actor: admin.user.id, action: "flag.update" },
            "WHERE actor_type = 'user' AND actor_id = $1 AND action = 'flag.update'",
            [admin.user.id],
          ],
          [
            { actorType: "anonymous", from: "2000-01-01T00:00:00Z", to: "2999-01-01T00:00:00Z" },
            "WHERE actor_type = 'anonymous'",
            [],
          ],
        ];
        const all = (await auditIdsWhere(app, "")).length;
        for (const [query, where, params] of cases) {
          const want = await auditIdsWhere(app, where, params);
          assert.ok(want.length > 0 && want.length < all, JSON.stringify(query));
          for (const limit of ["1", "2", "200"]) {
            const got = await walkAuditIds(app, admin, { ...query, limit });
            assert.deepEqual(got, want, `${JSON.stringify(query)} limit ${limit}`);
          }
        }
        // The actor id stays a filter of its own: a kind that is not the actor's finds nothing.
        const none = await walkAuditIds(app, admin, { actorType: "system", actor: admin.user.id });
        assert.deepEqual(none, []);
      });
    },
  });
}

Deno.test({
  name:
    "GET /api/audit with an actorType that is none answers 400 VALIDATION_FAILED at $.actorType",
  ...opts,
  async fn() {
    await withApp(undefined, async (app, admin) => {
      for (const bad of ["System", "admin", "", " system", CANARY, "user,system"]) {
        const query = new URLSearchParams({ actorType: bad });
        const response = await app.request(`/api/audit?${query}`, { headers: admin.headers() });
        assert.equal(response.status, 400, JSON.stringify(bad));
        assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
        const text = await response.text();
        assert.ok(!text.includes(CANARY), "the value is not echoed");
        const body = JSON.parse(text) as { code: string; errors: { path: string }[] };
        assert.equal(body.code, "VALIDATION_FAILED");
        assert.deepEqual(body.errors.map((e) => e.path), ["$.actorType"]);
      }
      // The OpenAPI document offers the filter with its values.
      const spec = await json<{
        paths: Record<string, { get: { parameters: { name: string; schema: unknown }[] } }>;
      }>(await app.request("/api/openapi.json"));
      const param = spec.paths["/api/audit"]!.get.parameters.find((p) => p.name === "actorType");
      assert.ok(param, "actorType is documented");
      assert.deepEqual(
        (param.schema as { enum: string[] }).enum,
        ["user", "token", "system", "anonymous"],
      );
    });
  },
});

Deno.test({
  name:
    "/audit?actorType lists that kind's entries; a kind that is none is left out, its field marked",
  ...opts,
  async fn() {
    await withApp(undefined, async (app, admin) => {
      const headers = { cookie: admin.cookie };
      const systemIds = await auditIdsWhere(app, "WHERE actor_type = 'system'");
      const page = await app.request("/audit?actorType=system&limit=200", { headers });
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      const html = await page.text();
      const actors = [...html.matchAll(/<td data-testid="audit-actor">(.*?)<\/td>/g)]
        .map((m) => m[1]);
      assert.equal(actors.length, systemIds.length);
      assert.ok(actors.every((a) => a === "system"), actors.join(", "));
      // The choice is shown as made, in a field of its own.
      assert.match(html, /<select[^>]*name="actorType"/);
      assert.match(html, /<option value="system" selected/);
      assert.ok(!html.includes("aria-invalid"), "nothing marked");

      // Paging keeps the filter: the older-entries link carries it.
      const first = await app.request("/audit?actorType=anonymous&limit=1", { headers });
      const firstHtml = await first.text();
      const older = /href="\/audit\?([^"]*cursor=[^"]*)"/.exec(firstHtml);
      assert.ok(older, "an older-entries link");
      const olderQuery = new URLSearchParams(older[1]!.replaceAll("&amp;", "&"));
      assert.equal(olderQuery.get("actorType"), "anonymous");

      // A kind that is none: left out on its own, the action filter still applies, field marked.
      const flagUpdates = await auditIdsWhere(app, "WHERE action = 'flag.update'");
      const query = new URLSearchParams({ action: "flag.update", actorType: CANARY });
      const bad = await app.request(`/audit?${query}`, { headers });
      assert.equal(bad.status, 200);
      const badHtml = await bad.text();
      assert.ok(!badHtml.includes(CANARY), "the value is not echoed");
      assert.match(badHtml, /Some filters were not valid and were ignored/);
      const shown = [...badHtml.matchAll(/<td><code>([a-z_.]+)<\/code><\/td>/g)].map((m) => m[1]);
      assert.equal(shown.length, flagUpdates.length, "only the valid action filter applies");
      assert.ok(shown.every((action) => action === "flag.update"), shown.join(", "));
      const select = /<select[^>]*name="actorType"[^>]*>/.exec(badHtml)?.[0] ?? "";
      assert.match(select, /aria-invalid="true"/);
      const describedBy = /aria-describedby="([^"]+)"/.exec(select)?.[1];
      assert.ok(describedBy, "the field names its message");
      assert.match(badHtml, new RegExp(`id="${describedBy}"[^>]*>[^<]*actor type`, "i"));
    });
  },
});
