/**
 * A JSON body is taken as sent or refused: bytes that are not UTF-8 get 400 (VALIDATION_FAILED on
 * the app's routes, OFREP's PARSE_ERROR on OFREP's) and nothing is stored, where the platform's
 * decoder used to turn them into U+FFFD and a token named `svc-\xff` was stored as `svc-\uFFFD`
 * (API review). OFREP also takes a body only as application/json, like every other JSON route,
 * and answers a body over the limit in its own error format, as its OpenAPI operations say.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, type Session, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };

/** `prefix`, the raw bytes, `suffix`: a body no string literal could carry. */
function bytesOf(prefix: string, raw: number[], suffix: string): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  return new Uint8Array([...encoder.encode(prefix), ...raw, ...encoder.encode(suffix)]);
}

function postRaw(
  app: TestApp,
  session: Session,
  path: string,
  body: Uint8Array<ArrayBuffer>,
): Promise<Response> {
  return app.request(path, {
    method: "POST",
    headers: session.headers({ "content-type": "application/json; charset=utf-8" }),
    body,
  });
}

function ofrep(
  app: TestApp,
  token: string,
  path: string,
  init: { body?: BodyInit; contentType?: string },
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.contentType) headers["content-type"] = init.contentType;
  return app.request(`/ofrep/v1/evaluate/flags${path}`, {
    method: "POST",
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

Deno.test("JSON API: a body whose bytes are not UTF-8 is 400 VALIDATION_FAILED and nothing is stored", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    await app.services.flags.set("utf8.flag", { enabled: true, description: "before" }, ACTOR);

    const cases: Array<[string, string, Uint8Array<ArrayBuffer>]> = [
      [
        "a token name with 0xff",
        "/api/admin/tokens",
        bytesOf('{"name":"svc-', [0xff], '","scopes":["jobs:read"]}'),
      ],
      [
        "a flag description with 0xff 0xfe",
        "/api/admin/feature-flags/utf8.flag",
        bytesOf('{"enabled":false,"description":"ok ', [0xff, 0xfe], ' text"}'),
      ],
      [
        "a flag description with an encoded surrogate (ED A0 80)",
        "/api/admin/feature-flags/utf8.flag",
        bytesOf('{"enabled":false,"description":"ok ', [0xed, 0xa0, 0x80], ' text"}'),
      ],
      [
        "a cut sequence at the end of a value",
        "/api/admin/feature-flags/utf8.flag",
        bytesOf('{"enabled":false,"description":"ok ', [0xc3], '"}'),
      ],
    ];
    for (const [label, path, body] of cases) {
      const response = await postRaw(app, admin, path, body);
      assert.equal(response.status, 400, label);
      assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
      const problem = await json<{ code: string; detail: string }>(response);
      assert.equal(problem.code, "VALIDATION_FAILED", label);
      assert.equal(problem.detail, "The body is not valid UTF-8", label);
    }
    const tokens = await app.services.auth.listTokens();
    assert.deepEqual(tokens.filter((token) => token.name.startsWith("svc-")), [], "no token");
    const flag = (await app.services.flags.list()).find((f) => f.key === "utf8.flag");
    assert.equal(flag?.description, "before");
    assert.equal(flag?.enabled, true);

    // The same change in UTF-8 (with a BOM-free é) is taken as sent.
    const good = await postRaw(
      app,
      admin,
      "/api/admin/feature-flags/utf8.flag",
      new TextEncoder().encode('{"enabled":false,"description":"ok é text"}'),
    );
    assert.equal(good.status, 200);
    await good.body?.cancel();
    const changed = (await app.services.flags.list()).find((f) => f.key === "utf8.flag");
    assert.equal(changed?.description, "ok é text");
  } finally {
    await app.dispose();
  }
});

Deno.test("OFREP: a body that is not UTF-8, or not sent as application/json, is PARSE_ERROR; an empty body needs no media type", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    await app.services.experiments.set({
      key: "exp",
      enabled: true,
      variants: { a: { weight: 1 }, b: { weight: 1 } },
    }, ACTOR);
    const notUtf8 = bytesOf('{"context":{"targetingKey":"', [0xff, 0xfe], 'abc"}}');
    for (const [path, single] of [["/exp", true], ["", false]] as const) {
      const raw = await ofrep(app, token, path, {
        body: notUtf8,
        contentType: "application/json",
      });
      assert.equal(raw.status, 400, `not UTF-8 ${path}`);
      const failure = await json<{ key?: string; errorCode: string; errorDetails: string }>(raw);
      assert.equal(failure.errorCode, "PARSE_ERROR");
      assert.equal(failure.errorDetails, "The body is not valid UTF-8");
      if (single) assert.equal(failure.key, "exp");

      for (const contentType of ["text/plain", "multipart/form-data; boundary=x", undefined]) {
        const response = await ofrep(app, token, path, {
          body: JSON.stringify({ context: { targetingKey: "user-1" } }),
          ...(contentType ? { contentType } : {}),
        });
        assert.equal(response.status, 400, `${contentType ?? "no content type"} ${path}`);
        const body = await json<{ errorCode: string; errorDetails: string }>(response);
        assert.equal(body.errorCode, "PARSE_ERROR");
        assert.equal(body.errorDetails, "Send the body as application/json");
      }

      // No body at all, no media type: evaluated (experiments then want a targeting key).
      const empty = await ofrep(app, token, path, {});
      const expected = single ? 400 : 200;
      assert.equal(empty.status, expected, `empty ${path}`);
      const answer = await json<{ errorCode?: string }>(empty);
      if (single) assert.equal(answer.errorCode, "TARGETING_KEY_MISSING");

      const ok = await ofrep(app, token, path, {
        body: JSON.stringify({ context: { targetingKey: "user-1" } }),
        contentType: "application/json; charset=utf-8",
      });
      assert.equal(ok.status, 200, `json ${path}`);
      await ok.body?.cancel();
    }
  } finally {
    await app.dispose();
  }
});

Deno.test("OFREP: a body over the limit is 413 in OFREP's error format, as documented", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", BODY_LIMIT_BYTES: "1024" } });
  try {
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    const body = JSON.stringify({ context: { targetingKey: "u", pad: "x".repeat(2000) } });
    for (const [path, key] of [["/my.flag", "my.flag"], ["", undefined]] as const) {
      const response = await ofrep(app, token, path, { body, contentType: "application/json" });
      assert.equal(response.status, 413, path);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.equal(response.headers.get("cache-control"), "no-store");
      const failure = await json<Record<string, unknown>>(response);
      assert.deepEqual(failure, {
        ...(key ? { key } : {}),
        errorCode: "GENERAL",
        errorDetails: "The request body exceeds 1024 bytes",
      });
    }
    // A key no flag can have is not echoed.
    const odd = await ofrep(app, token, "/jane.doe%40example.org", {
      body,
      contentType: "application/json",
    });
    assert.equal(odd.status, 413);
    assert.equal((await json<{ key: string }>(odd)).key, "");

    const document = await json<
      { paths: Record<string, { post: { responses: Record<string, unknown> } }> }
    >(await app.request("/api/openapi.json"));
    for (const path of ["/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/{key}"]) {
      assert.ok(document.paths[path]?.post.responses["413"], `${path} documents 413`);
    }
  } finally {
    await app.dispose();
  }
});
