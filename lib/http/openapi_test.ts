import assert from "node:assert/strict";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { issuePath, validationHook } from "./openapi.ts";
import type { AppEnv } from "./types.ts";

Deno.test("issuePath() keeps plain keys and indexes, and hides keys that could be values", () => {
  assert.equal(issuePath(["variants", "control", "weight"]), "$.variants.control.weight");
  assert.equal(issuePath(["items", 3, "name"]), "$.items[3].name");
  assert.equal(issuePath(["variants", "jane.doe@example.org"]), "$.variants.[key]");
  assert.equal(issuePath(["variants", "536-22-1234", "weight"]), "$.variants.[key].weight");
  assert.equal(issuePath(["variants", "415-555-0132"]), "$.variants.[key]");
  assert.equal(issuePath(["a b"]), "$.[key]");
});

Deno.test("a 400 for a record's value never repeats the record's key", async () => {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const schema = z.object({ variants: z.record(z.string(), z.object({ weight: z.number() })) });
  app.openapi(
    createRoute({
      method: "post",
      path: "/things",
      request: { body: { content: { "application/json": { schema } } } },
      responses: { 200: { description: "ok" } },
    }),
    (c) => c.json({ ok: true }, 200),
  );
  const response = await app.request("/things", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ variants: { "jane.doe@example.org": { weight: "heavy" } } }),
  });
  assert.equal(response.status, 400);
  const text = await response.text();
  assert.ok(!text.includes("jane.doe"), text);
  assert.deepEqual(JSON.parse(text).errors.map((e: { path: string }) => e.path), [
    "$.variants.[key].weight",
  ]);
});
