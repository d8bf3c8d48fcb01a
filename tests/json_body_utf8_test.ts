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
    // Without credentials the body is not read: 401, as for any body.
    const anonymous = await app.request("/api/admin/tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bytesOf('{"name":"svc-', [0xff], '","scopes":["jobs:read"]}'),
    });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    // application/*+json is JSON too.
    const vendor = await app.request("/api/admin/feature-flags/utf8.flag", {
      method: "POST",
      headers: admin.headers({ "content-type": "application/merge-patch+json" }),
      body: bytesOf('{"enabled":false,"description":"ok ', [0xff], '"}'),
    });
    assert.equal(vendor.status, 400);
    assert.equal((await json<{ detail: string }>(vendor)).detail, "The body is not valid UTF-8");
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

Deno.test("OFREP: a body that is not UTF-8, or not sent as JSON (application/json, application/*+json), is PARSE_ERROR; an empty body needs no media type", async () => {
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

      for (
        const contentType of ["text/plain", "application/x-www-form-urlencoded", undefined]
      ) {
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

      for (const contentType of ["application/json; charset=utf-8", "application/vnd.api+json"]) {
        const ok = await ofrep(app, token, path, {
          body: JSON.stringify({ context: { targetingKey: "user-1" } }),
          contentType,
        });
        assert.equal(ok.status, 200, `${contentType} ${path}`);
        await ok.body?.cancel();
      }
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

/** Sends `head` and `body` on a raw connection, half-closes it, and reads what comes back. */
async function sendCutOff(port: number, head: string, body: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head + body));
    await conn.closeWrite();
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed by the server.
    }
  }
}

Deno.test("a JSON body cut off before its end is the client's: 401 unread without credentials, 400 with them (OFREP: PARSE_ERROR), never a 500", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.app.fetch,
  );
  try {
    const admin = await signInAs(app, "ADMIN");
    const { port } = server.addr;
    const declared = (extra: string) =>
      `POST /api/admin/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
      `Content-Length: 5000\r\n${extra}Connection: close\r\n\r\n`;
    const chunked = (extra: string) =>
      `POST /api/admin/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
      `Transfer-Encoding: chunked\r\n${extra}Connection: close\r\n\r\n`;
    const credentials = `Cookie: ${admin.cookie}\r\nX-CSRF-Token: ${admin.csrfToken}\r\n`;
    const partial = '{"name":"abc';

    const anonymous = await sendCutOff(port, declared(""), partial);
    const signedIn = await sendCutOff(port, declared(credentials), partial);
    const streamed = await sendCutOff(
      port,
      chunked(credentials),
      `${partial.length.toString(16)}\r\n${partial}\r\n`,
    );
    // A response, when the server could still write one, is the client's error.
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    const flagClient = await sendCutOff(
      port,
      `POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: localhost\r\n` +
        `Content-Type: application/json\r\nContent-Length: 5000\r\n` +
        `Authorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      '{"context":{"targetingKey":"u',
    );
    if (flagClient) {
      assert.match(flagClient, /^HTTP\/1\.1 400/);
      assert.match(flagClient, /"errorCode":"PARSE_ERROR"/);
    }
    const answers: Array<[string, string]> = [
      ["flag client", flagClient],
      ["anonymous", anonymous],
      ["signed in", signedIn],
      ["chunked", streamed],
    ];
    for (const [label, answer] of answers) {
      assert.doesNotMatch(answer, /^HTTP\/1\.1 5\d\d/, label);
    }
    if (anonymous) assert.match(anonymous, /^HTTP\/1\.1 401/, "refused before the body is read");
    if (signedIn) assert.match(signedIn, /^HTTP\/1\.1 400/);
    // Let the server finish each request before reading the log.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = app.logs.filter((line) => line.includes("/api/admin/tokens"));
    assert.ok(lines.length >= 3, "the three requests were logged");
    assert.ok(app.logs.some((line) => line.includes("/ofrep/v1/evaluate/flags")));
    assert.deepEqual(app.logs.filter((line) => line.includes("unhandled error")), []);
    assert.deepEqual(lines.filter((line) => line.includes('"status":5')), []);
    const made = (await app.services.auth.listTokens()).filter((t) => t.name.startsWith("abc"));
    assert.deepEqual(made, [], "no token was made from a cut-off body");
  } finally {
    await server.shutdown();
    await app.dispose();
  }
});
