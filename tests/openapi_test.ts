import assert from "node:assert/strict";
import { buildTestApp, json } from "./helpers/app.ts";

const app = await buildTestApp();
Deno.test.afterAll(() => app.dispose());

/** Hono's `/api/x/:id` → OpenAPI's `/api/x/{id}`. */
function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}

Deno.test("GET /api/openapi.json serves an OpenAPI 3.1 document", async () => {
  const response = await app.request("/api/openapi.json");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(response);
  assert.equal(doc.openapi, "3.1.0");
  assert.ok(Object.keys(doc.paths).length > 0);
});

Deno.test("every /api route the app serves appears in the OpenAPI document", async () => {
  const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
    await app.request("/api/openapi.json"),
  );
  const served = app.app.routes
    .filter((r) =>
      r.method !== "ALL" && (r.path.startsWith("/api/") || r.path.startsWith("/ofrep/")) &&
      // A wildcard fallback is no operation: OFREP's answers FLAG_NOT_FOUND for keys with a '/',
      // as the documented single evaluation's 404 says.
      !r.path.endsWith("/*")
    )
    .map((r) => ({ method: r.method.toLowerCase(), path: toOpenApiPath(r.path) }));
  assert.ok(served.length > 0);
  const missing = served.filter((r) => !doc.paths[r.path]?.[r.method]);
  assert.deepEqual(missing, [], "routes missing from /api/openapi.json");
});

Deno.test("every documented operation states who may call it", async () => {
  const doc = await json<{ paths: Record<string, Record<string, { "x-access"?: string }>> }>(
    await app.request("/api/openapi.json"),
  );
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      assert.equal(typeof op["x-access"], "string", `${method.toUpperCase()} ${path}`);
    }
  }
});

Deno.test("GET /api/docs renders the reference from the document with no external resource", async () => {
  const response = await app.request("/api/docs");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  const html = await response.text();
  assert.match(html, /API reference/);
  assert.match(html, /\/health\/ready/);
  const external = [...html.matchAll(/(?:src|href)="(https?:\/\/[^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(external, [], "the docs page must work with the network closed");
});

Deno.test("GET /api/docs says what the required mark means, and says it to screen readers too", async () => {
  const html = await (await app.request("/api/docs")).text();
  assert.match(
    html,
    /Names marked <span class="required" aria-hidden="true">\*<\/span> are required/,
  );
  const marks = html.match(/<span class="required" aria-hidden="true">\*<\/span>/g) ?? [];
  const spoken = html.match(/<span class="sr-only">\(required\)<\/span>/g) ?? [];
  assert.ok(spoken.length > 10, `required parameters and fields are marked (${spoken.length})`);
  assert.equal(marks.length, spoken.length + 1, "every star but the legend's has its words");
  assert.doesNotMatch(html, /title="required"/);
});

Deno.test("every documented error status carries the body the app sends (OFREP's bodiless 401/403/429 aside)", async () => {
  type Op = {
    responses: Record<string, { content?: Record<string, unknown> }>;
    security?: Array<Record<string, string[]>>;
  };
  const doc = await json<{ paths: Record<string, Record<string, Op>> }>(
    await app.request("/api/openapi.json"),
  );
  const bodiless: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (path.startsWith("/ofrep/")) continue;
    for (const [method, op] of Object.entries(item)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        // (Readiness answers 503 with its report, application/json.)
        if (!response.content) {
          bodiless.push(`${method} ${path} ${status}`);
        }
      }
      // Every route that takes a token takes it as X-API-Key as well as Bearer.
      const bearer = op.security?.find((s) => s.bearer);
      if (bearer) {
        assert.deepEqual(
          op.security?.find((s) => s.apiKey)?.apiKey,
          bearer.bearer,
          `${method} ${path}`,
        );
      }
    }
  }
  assert.deepEqual(bodiless, []);
  // The rate limit, and a body too large or not JSON, are documented where they can happen.
  const login = doc.paths["/api/auth/login"]!.post!;
  for (const status of ["413", "415", "429"]) assert.ok(login.responses[status], status);
  const metrics = doc.paths["/metrics"]!.get!;
  for (const status of ["401", "403"]) assert.ok(metrics.responses[status], status);
});

Deno.test("a token sent as X-API-Key is accepted where the document says so (not only on OFREP)", async () => {
  const { createToken } = await import("./helpers/auth.ts");
  const token = await createToken(app, { scopes: ["jobs:read"] });
  const response = await app.request("/api/jobs", { headers: { "x-api-key": token } });
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("every {name} in a documented path is declared `in: path`, required, on each of its operations", async () => {
  type Parameter = { in?: string; name?: string; required?: boolean };
  const doc = await json<{
    paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
  }>(await app.request("/api/openapi.json"));
  const undeclared: string[] = [];
  let templated = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    if (names.length === 0) continue;
    for (const [method, op] of Object.entries(item)) {
      templated++;
      for (const name of names) {
        const declared = op.parameters?.find((p) => p.in === "path" && p.name === name);
        if (!declared || declared.required !== true) {
          undeclared.push(`${method.toUpperCase()} ${path}: {${name}}`);
        }
      }
    }
  }
  assert.ok(templated > 5, `operations with a path parameter (${templated})`);
  assert.deepEqual(undeclared, [], "path parameters missing from their operations");
});

Deno.test("the declared OFREP {key} refuses nothing itself: a key no flag can have gets OFREP's FLAG_NOT_FOUND", async () => {
  const { createToken } = await import("./helpers/auth.ts");
  const token = await createToken(app, { scopes: ["flags:evaluate"] });
  for (const key of ["Not%20A%20Key", "x".repeat(120), "%C3%A9t%C3%A9"]) {
    const response = await app.request(`/ofrep/v1/evaluate/flags/${key}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ context: { targetingKey: "u" } }),
    });
    assert.equal(response.status, 404, key);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    const body = await json<{ key: string; errorCode: string }>(response);
    assert.deepEqual([body.key, body.errorCode], ["", "FLAG_NOT_FOUND"], key);
  }
});
