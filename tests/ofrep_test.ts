/** OFREP over HTTP in process: auth without bodies, OFREP error format, ETag, server-side context. */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { bucketOf } from "../lib/flags/hash.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { freshPglite } from "./helpers/db.ts";

const ACTOR = { actor: { type: "system" as const } };
const SINGLE = "/ofrep/v1/evaluate/flags";

async function withApp(
  fn: (app: TestApp, token: string) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", ...env } });
  try {
    await app.services.flags.set("live.only", { enabled: true, requiredModes: ["LIVE"] }, ACTOR);
    await app.services.flags.set(
      "staging.only",
      { enabled: true, targetEnvironments: ["staging"] },
      ACTOR,
    );
    await app.services.flags.set("half", { enabled: true, rolloutPercent: 50 }, ACTOR);
    await app.services.flags.set("everyone", { enabled: true }, ACTOR);
    await fn(app, await createToken(app, { scopes: ["flags:evaluate"] }));
  } finally {
    await app.dispose();
  }
}

function evaluate(app: TestApp, path: string, headers: Record<string, string>, body: string) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

Deno.test("OFREP answers 401 and 403 without a body, and accepts X-API-Key", async () => {
  await withApp(async (app, token) => {
    const body = JSON.stringify({ context: { targetingKey: "u1" } });
    const anonymous = await evaluate(app, `${SINGLE}/everyone`, {}, body);
    assert.equal(anonymous.status, 401);
    assert.equal(await anonymous.text(), "");
    const badToken = await evaluate(
      app,
      `${SINGLE}/everyone`,
      { authorization: "Bearer nope" },
      body,
    );
    assert.equal(badToken.status, 401);
    assert.equal(await badToken.text(), "");
    const unscoped = await createToken(app, { scopes: ["jobs:read"] });
    const forbidden = await evaluate(app, `${SINGLE}/everyone`, { "x-api-key": unscoped }, body);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.get("content-type"), null);
    assert.equal(await forbidden.text(), "");
    const researcher = await signInAs(app, "RESEARCHER");
    const sessionForbidden = await evaluate(app, SINGLE, researcher.headers(), body);
    assert.equal(sessionForbidden.status, 403);
    assert.equal(await sessionForbidden.text(), "");

    const viaApiKey = await evaluate(app, `${SINGLE}/everyone`, { "x-api-key": token }, body);
    assert.equal(viaApiKey.status, 200);
    assert.match(viaApiKey.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await json(viaApiKey), {
      key: "everyone",
      value: true,
      reason: "STATIC",
      variant: "on",
      metadata: { kind: "flag", evaluationReason: "STATIC", version: 1 },
    });
    const steward = await signInAs(app, "STEWARD");
    assert.equal((await evaluate(app, `${SINGLE}/everyone`, steward.headers(), body)).status, 200);
  });
});

Deno.test("OFREP errors use its own format: PARSE_ERROR, INVALID_CONTEXT, FLAG_NOT_FOUND", async () => {
  await withApp(async (app, token) => {
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, string, number, Record<string, unknown>][] = [
      [`${SINGLE}/everyone`, "{oops", 400, { key: "everyone", errorCode: "PARSE_ERROR" }],
      [`${SINGLE}/everyone`, JSON.stringify({ context: {}, extra: 1 }), 400, {
        key: "everyone",
        errorCode: "PARSE_ERROR",
      }],
      [`${SINGLE}/everyone`, JSON.stringify({ context: "user-1" }), 400, {
        key: "everyone",
        errorCode: "INVALID_CONTEXT",
      }],
      [`${SINGLE}/everyone`, JSON.stringify({ context: { targetingKey: 42 } }), 400, {
        key: "everyone",
        errorCode: "INVALID_CONTEXT",
      }],
      [`${SINGLE}/nope`, JSON.stringify({ context: { targetingKey: "u" } }), 404, {
        key: "nope",
        errorCode: "FLAG_NOT_FOUND",
      }],
      // A key with a '/' (providers send keys unencoded): no flag, in OFREP's format.
      [`${SINGLE}/everyone/extra`, JSON.stringify({ context: { targetingKey: "u" } }), 404, {
        key: "",
        errorCode: "FLAG_NOT_FOUND",
      }],
      [SINGLE, "[1,2]", 400, { errorCode: "PARSE_ERROR" }],
      [SINGLE, JSON.stringify({ context: [] }), 400, { errorCode: "INVALID_CONTEXT" }],
    ];
    for (const [path, body, status, expected] of cases) {
      const response = await evaluate(app, path, auth, body);
      assert.equal(response.status, status, `${path} ${body}`);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      const got = await json<Record<string, unknown>>(response);
      assert.equal(typeof got.errorDetails, "string");
      delete got.errorDetails;
      assert.deepEqual(got, expected, `${path} ${body}`);
    }
    // The catch-all checks credentials as the single route does.
    const anonymous = await evaluate(app, `${SINGLE}/a/b`, {}, "{}");
    assert.equal(anonymous.status, 401);
    assert.equal(await anonymous.text(), "");
    // A flag that needs no id evaluates without a targeting key; an empty body is an empty context.
    assert.equal((await evaluate(app, `${SINGLE}/everyone`, auth, "")).status, 200);
    // A percentage rollout without a targeting key is off (DESIGN rule 7: no id → false,
    // ROLLOUT), not TARGETING_KEY_MISSING, which would hand the caller its own default.
    const half = await evaluate(app, `${SINGLE}/half`, auth, JSON.stringify({ context: {} }));
    assert.equal(half.status, 200);
    assert.deepEqual(await json(half), {
      key: "half",
      value: false,
      reason: "DEFAULT",
      variant: "off",
      metadata: { kind: "flag", evaluationReason: "ROLLOUT", version: 1 },
    });
  });
});

Deno.test("OFREP ignores client mode and environment: the server's own apply", async () => {
  await withApp(async (app, token) => {
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({
      context: { targetingKey: "u1", mode: "LIVE", environment: "staging" },
    });
    const live = await json<
      { value: boolean; reason: string; metadata: { evaluationReason: string } }
    >(
      await evaluate(app, `${SINGLE}/live.only`, auth, body),
    );
    assert.deepEqual([live.value, live.reason, live.metadata.evaluationReason], [
      false,
      "DISABLED",
      "MODE_GATED",
    ]);
    const staging = await json<{ value: boolean; metadata: { evaluationReason: string } }>(
      await evaluate(app, `${SINGLE}/staging.only`, auth, body),
    );
    assert.deepEqual([staging.value, staging.metadata.evaluationReason], [
      false,
      "ENVIRONMENT_GATED",
    ]);
  });
});

Deno.test("OFREP bulk: every flag, an ETag, 304 on If-None-Match, 200 again after a change", async () => {
  await withApp(async (app, token) => {
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ context: { targetingKey: "user-7" } });
    const first = await evaluate(app, SINGLE, auth, body);
    assert.equal(first.status, 200);
    assert.match(first.headers.get("content-type") ?? "", /^application\/json/);
    const etag = first.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const { flags } = await json<{ flags: { key: string }[] }>(first);
    assert.deepEqual(flags.map((f) => f.key), ["everyone", "half", "live.only", "staging.only"]);

    const unchanged = await evaluate(app, SINGLE, { ...auth, "if-none-match": etag }, body);
    assert.equal(unchanged.status, 304);
    assert.equal(await unchanged.text(), "");
    assert.equal(unchanged.headers.get("etag"), etag);
    const weak = await evaluate(app, SINGLE, { ...auth, "if-none-match": `"x", W/${etag}` }, body);
    assert.equal(weak.status, 304);

    // Another user on the other side of the 50% rollout: other values, so not the same ETag.
    const seventh = bucketOf("half", "user-7") <= 50;
    let other = 0;
    while ((bucketOf("half", `other-${other}`) <= 50) === seventh) other++;
    const otherUser = await evaluate(
      app,
      SINGLE,
      { ...auth, "if-none-match": etag },
      JSON.stringify({ context: { targetingKey: `other-${other}` } }),
    );
    assert.equal(otherUser.status, 200);
    await otherUser.body?.cancel();

    await app.services.flags.set("everyone", { enabled: false }, ACTOR);
    const changed = await evaluate(app, SINGLE, { ...auth, "if-none-match": etag }, body);
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get("etag"), etag);
  });
});

Deno.test("OFREP 429 carries Retry-After and no body", async () => {
  await withApp(async (app, token) => {
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ context: { targetingKey: "u" } });
    let limited: Response | undefined;
    for (let i = 0; i < 5 && !limited; i++) {
      const response = await evaluate(app, `${SINGLE}/everyone`, auth, body);
      if (response.status === 429) limited = response;
      else await response.body?.cancel();
    }
    assert.ok(limited, "the budget of 3 per minute was exceeded");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal(await limited.text(), "");
  }, { RATE_LIMIT_OFREP_PER_MIN: "3" });
});

Deno.test("OFREP callers have a budget of their own (RATE_LIMIT_OFREP_PER_MIN); anonymous calls spend the general one", async () => {
  // A fixed clock: the budgets are per clock minute, and the test must not straddle two.
  const clock = manualClock(Date.UTC(2026, 10, 23, 9, 0, 5));
  const app = await buildTestApp({
    clock,
    env: { RATE_LIMIT_PER_MIN: "3", RATE_LIMIT_OFREP_PER_MIN: "8" },
  });
  try {
    await app.services.flags.set("everyone", { enabled: true }, ACTOR);
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ context: { targetingKey: "u" } });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const response = await evaluate(app, `${SINGLE}/everyone`, auth, body);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    // Eight evaluations, past the general budget of 3; the ninth is refused.
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
    // The same token's other requests still have the general budget.
    const other = await app.request("/api/flags", { headers: auth });
    assert.notEqual(other.status, 429);
    await other.body?.cancel();

    // No credential: the general budget, so token guessing is not given the larger one.
    const anonymous: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await evaluate(app, `${SINGLE}/everyone`, {}, body);
      anonymous.push(response.status);
      await response.body?.cancel();
    }
    assert.deepEqual(anonymous, [401, 401, 401, 429]);

    // A new minute, a new budget.
    clock.advance(60_000);
    const next = await evaluate(app, `${SINGLE}/everyone`, auth, body);
    assert.equal(next.status, 200);
    await next.body?.cancel();
  } finally {
    await app.dispose();
  }
});

Deno.test("OFREP answers a browser's preflight from an OFREP_CORS_ORIGINS origin, and only those", async () => {
  const origin = "https://ward.example.org";
  const preflight = (app: TestApp, from: string) =>
    app.request(SINGLE, {
      method: "OPTIONS",
      headers: {
        origin: from,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-api-key,if-none-match",
      },
    });
  await withApp(async (app, token) => {
    const allowed = await preflight(app, origin);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get("access-control-allow-origin"), origin);
    assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /x-api-key/);
    assert.equal(allowed.headers.get("access-control-allow-credentials"), null);
    const other = await preflight(app, "https://elsewhere.example.org");
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    await other.body?.cancel();
    // The answer itself names the origin and lets the page read the ETag.
    const answer = await evaluate(
      app,
      SINGLE,
      { "x-api-key": token, origin },
      JSON.stringify({ context: { targetingKey: "u" } }),
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("access-control-allow-origin"), origin);
    assert.match(answer.headers.get("access-control-expose-headers") ?? "", /etag/);
    await answer.body?.cancel();
    // CORS stays on /ofrep/*: the rest of the API answers no cross-origin page.
    const api = await app.request("/api/flags", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET" },
    });
    assert.equal(api.headers.get("access-control-allow-origin"), null);
    await api.body?.cancel();
  }, { OFREP_CORS_ORIGINS: origin });
  // Unset: no CORS at all.
  await withApp(async (app) => {
    const response = await preflight(app, origin);
    assert.equal(response.headers.get("access-control-allow-origin"), null);
    await response.body?.cancel();
  });
});

Deno.test("OFREP without any flag configuration (database down at start) answers 500 GENERAL, not a guess", async () => {
  const testDb = await freshPglite();
  const app = await buildTestApp({
    testDb,
    env: { RATE_LIMIT_PER_MIN: "0", FEATURE_FORCED: "true" },
  });
  try {
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    await app.db.exec("ALTER TABLE feature_flags RENAME TO feature_flags_gone");
    // A new instance on this database cannot load a snapshot: nothing to serve.
    const cold = await buildTestApp({
      testDb,
      env: { RATE_LIMIT_PER_MIN: "0", FEATURE_FORCED: "true" },
    });
    try {
      assert.equal(cold.services.flags.state().status, "empty");
      const auth = { authorization: `Bearer ${token}` };
      const body = JSON.stringify({ context: { targetingKey: "u" } });
      const single = await evaluate(cold, `${SINGLE}/anything`, auth, body);
      assert.equal(single.status, 500);
      assert.equal((await json<{ errorCode: string }>(single)).errorCode, "GENERAL");
      const forced = await json<{ value: boolean; metadata: { evaluationReason: string } }>(
        await evaluate(cold, `${SINGLE}/forced`, auth, body),
      );
      assert.deepEqual([forced.value, forced.metadata.evaluationReason], [true, "OVERRIDE"]);
      const bulk = await evaluate(cold, SINGLE, auth, body);
      assert.equal(bulk.status, 500);
      await bulk.body?.cancel();
    } finally {
      await cold.close();
    }
  } finally {
    await app.dispose();
  }
});

Deno.test("OFREP: FEATURE_<KEY> forces a flag that exists, alike in single and bulk, and creates none", async () => {
  await withApp(async (app, token) => {
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ context: { targetingKey: "u1" } });
    // FEATURE_ONLY_ENV names only.env, only_env and only-env alike; no such flag exists.
    for (const key of ["only.env", "only_env", "only-env"]) {
      const single = await evaluate(app, `${SINGLE}/${key}`, auth, body);
      assert.equal(single.status, 404, key);
      const got = await json<Record<string, unknown>>(single);
      assert.deepEqual([got.key, got.errorCode], [key, "FLAG_NOT_FOUND"]);
    }
    const bulk = await evaluate(app, SINGLE, auth, body);
    assert.equal(bulk.status, 200);
    const { flags } = await json<
      {
        flags: {
          key: string;
          value: boolean;
          reason: string;
          metadata: { evaluationReason: string };
        }[];
      }
    >(bulk);
    assert.deepEqual(flags.map((f) => f.key), ["everyone", "half", "live.only", "staging.only"]);
    // An existing flag is forced the same way by both.
    const forced = flags.find((f) => f.key === "everyone")!;
    const single = await json<typeof forced>(
      await evaluate(app, `${SINGLE}/everyone`, auth, body),
    );
    assert.deepEqual(single, forced);
    assert.deepEqual([forced.value, forced.reason, forced.metadata.evaluationReason], [
      false,
      "STATIC",
      "OVERRIDE",
    ]);
  }, { FEATURE_ONLY_ENV: "true", FEATURE_EVERYONE: "false" });
});

Deno.test("OFREP bulk: If-None-Match * is no match (the client gets the evaluation, not a bare 304)", async () => {
  await withApp(async (app, token) => {
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ context: { targetingKey: "u9" } });
    const star = await evaluate(app, SINGLE, { ...auth, "if-none-match": "*" }, body);
    assert.equal(star.status, 200);
    const etag = star.headers.get("etag")!;
    const { flags } = await json<{ flags: { key: string }[] }>(star);
    assert.equal(flags.length, 4);
    // A list with * and the current ETag still matches through the ETag.
    const listed = await evaluate(app, SINGLE, { ...auth, "if-none-match": `*, ${etag}` }, body);
    assert.equal(listed.status, 304);
    assert.equal(await listed.text(), "");
  });
});

Deno.test("OFREP: a base URL ending in '/' (//ofrep/...) is served as /ofrep/..., not the HTML 404 page", async () => {
  await withApp(async (app, token) => {
    const body = JSON.stringify({ context: { targetingKey: "u1" } });
    const single = await evaluate(app, `/${SINGLE}/everyone`, { "x-api-key": token }, body);
    assert.equal(single.status, 200);
    assert.deepEqual((await single.json()).value, true);
    const bulk = await evaluate(app, `//${SINGLE.slice(1)}`, { "x-api-key": token }, body);
    assert.equal(bulk.status, 200);
    assert.ok(Array.isArray((await bulk.json()).flags));
    // Access rules read the same merged path: no credential, no answer.
    const anonymous = await evaluate(app, `/${SINGLE}/everyone`, {}, body);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const admin = await app.request("//api//admin/tokens");
    assert.equal(admin.status, 401);
    await admin.body?.cancel();
  });
});

Deno.test("OFREP: the OpenAPI document declares If-None-Match, ETag on 304 and Retry-After on 429 and 503; any If-None-Match is still served", async () => {
  await withApp(async (app, token) => {
    type Header = { schema?: { type?: string }; description?: string };
    type Operation = {
      parameters?: { in: string; name: string; required?: boolean; schema?: { type?: string } }[];
      responses: Record<string, { headers?: Record<string, Header> }>;
    };
    const document = await json<{ paths: Record<string, { post: Operation }> }>(
      await app.request("/api/openapi.json"),
    );
    const bulk = document.paths[SINGLE]!.post;
    const ifNoneMatch = bulk.parameters?.find((p) =>
      p.in === "header" && p.name.toLowerCase() === "if-none-match"
    );
    assert.ok(ifNoneMatch, "bulk declares If-None-Match");
    assert.notEqual(ifNoneMatch.required, true);
    assert.equal(ifNoneMatch.schema?.type, "string");
    assert.equal(bulk.responses["304"]?.headers?.ETag?.schema?.type, "string");
    for (const path of [`${SINGLE}/{key}`, SINGLE]) {
      for (const status of ["429", "503"]) {
        const retryAfter = document.paths[path]!.post.responses[status]?.headers?.["Retry-After"];
        assert.ok(retryAfter?.schema?.type, `${path} ${status} declares Retry-After`);
      }
    }
    // The declaration validates nothing away: without the header, or with any value (a weak tag,
    // a list, `*`, something that is no tag at all), the bulk evaluation answers 200.
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ context: { targetingKey: "u1" } });
    assert.equal((await evaluate(app, SINGLE, auth, body)).status, 200);
    for (const value of ['W/"abc"', '"a", "b"', "*", "not a tag", ""]) {
      const response = await evaluate(app, SINGLE, { ...auth, "if-none-match": value }, body);
      assert.equal(response.status, 200, value);
      assert.ok(Array.isArray((await json<{ flags: unknown }>(response)).flags), value);
    }
  });
});

Deno.test("OFREP: the OpenAPI document shows both operations' request body (context, targetingKey, an example)", async () => {
  await withApp(async (app, token) => {
    // deno-lint-ignore no-explicit-any
    const document = await json<any>(await app.request("/api/openapi.json"));
    for (const path of [`${SINGLE}/{key}`, SINGLE]) {
      const body = document.paths[path].post.requestBody;
      assert.ok(body, path);
      const media = body.content["application/json"];
      assert.equal(media.schema.properties.context.properties.targetingKey.type, "string");
      assert.deepEqual(media.example, { context: { targetingKey: "user-123" } });
    }
    // The body is still read by the route (OFREP's error format), not by the OpenAPI validator.
    const parse = await evaluate(app, `${SINGLE}/everyone`, { "x-api-key": token }, "{not json");
    assert.equal(parse.status, 400);
    assert.equal((await parse.json()).errorCode, "PARSE_ERROR");
  });
});
