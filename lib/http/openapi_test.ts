import assert from "node:assert/strict";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { issuePath, issueSchemas, validationHook } from "./openapi.ts";
import type { AppEnv } from "./types.ts";

const Variant = z.object({ weight: z.number(), config: z.record(z.string(), z.unknown()) });
const Body = z.object({
  key: z.string(),
  variants: z.preprocess((v) => v, z.record(z.string(), Variant)).optional(),
  items: z.array(z.object({ name: z.string() })),
  extra: z.object({ label: z.string() }).catchall(z.number()).nullable(),
  either: z.union([z.object({ a: z.number() }), z.record(z.string(), z.number())]),
});

Deno.test("issuePath() names declared fields and array items, and record keys by position", () => {
  const input = {
    variants: { control: { weight: 1 }, "Doe-Jane": { weight: "x" } },
    extra: { label: "l", "Roe-Jane": "y" },
    either: { a: "1", "Doe-John": "z" },
  };
  const path = (p: PropertyKey[]) => issuePath(p, Body, input);
  assert.equal(path(["key"]), "$.key");
  assert.equal(path(["items", 3, "name"]), "$.items[3].name");
  assert.equal(path(["variants", "Doe-Jane", "weight"]), "$.variants[1].weight");
  assert.equal(path(["variants", "control", "config"]), "$.variants[0].config");
  assert.equal(path(["variants", "Doe-Jane"]), "$.variants[1]");
  assert.equal(path(["extra", "label"]), "$.extra.label");
  assert.equal(path(["extra", "Roe-Jane"]), "$.extra[1]");
  // A union option that declares the field names it; any other key is the client's.
  assert.equal(path(["either", "a"]), "$.either.a");
  assert.equal(path(["either", "Doe-John"]), "$.either[1]");
  // A key not in what was sent (no position to give): the path stops at its field.
  assert.equal(path(["variants", "Smith-Ann", "weight"]), "$.variants");
  // A key the schema does not declare at the top level is the client's too.
  assert.equal(issuePath(["Doe-Jane"], Body, { "Doe-Jane": 1 }), "$[0]");
});

Deno.test("issuePath() without a schema names only a plain top-level key", () => {
  assert.equal(issuePath(["description"]), "$.description");
  assert.equal(issuePath(["items", 3]), "$.items[3]");
  assert.equal(issuePath(["variants", "control", "weight"]), "$.variants");
  assert.equal(issuePath(["jane.doe@example.org"]), "$");
  assert.equal(issuePath(["a b"]), "$");
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
    "$.variants",
  ]);
});

Deno.test("with issueSchemas() a record entry is named by position, even a key the scanner passes", async () => {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const schema = z.object({ variants: z.record(z.string(), z.object({ weight: z.number() })) });
  const request = { body: { content: { "application/json": { schema } } } };
  app.openapi(
    createRoute({
      method: "post",
      path: "/things",
      middleware: [issueSchemas(request)],
      request,
      responses: { 200: { description: "ok" } },
    }),
    (c) => c.json({ ok: true }, 200),
  );
  const response = await app.request("/things", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ variants: { control: { weight: 1 }, "Doe-Jane": { weight: "x" } } }),
  });
  assert.equal(response.status, 400);
  const text = await response.text();
  assert.ok(!text.includes("Doe-Jane"), text);
  assert.deepEqual(JSON.parse(text).errors.map((e: { path: string }) => e.path), [
    "$.variants[1].weight",
  ]);
});
