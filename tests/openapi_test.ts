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
