/**
 * The body limit on a body sent without a declared length (chunked, or a stream): read by
 * limitBody itself (lib/http/middleware.ts), with the same answers as a declared one.
 */
import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { BROWSER_REPORT_MAX_BYTES } from "../lib/sentry/browser.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";

const app: TestApp = await buildTestApp();
app.app.openapi(
  createRoute({
    method: "post",
    path: "/api/_test/streamed",
    request: {
      body: {
        content: { "application/json": { schema: z.object({ text: z.string() }).strict() } },
      },
    },
    responses: {
      200: {
        description: "ok",
        content: { "application/json": { schema: z.object({ length: z.number() }) } },
      },
    },
  }),
  (c) => c.json({ length: c.req.valid("json").text.length }, 200),
);

/** A stream of `chunks`, then an error instead of its end when `breakOff`. */
function streamOf(chunks: string[], breakOff = false): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(encoder.encode(chunks[index++]));
      else if (breakOff) controller.error(new Error("connection reset"));
      else controller.close();
    },
  });
}

function post(path: string, body: ReadableStream<Uint8Array>): Promise<Response> {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duplex: "half",
  } as RequestInit);
}

Deno.test("a streamed body under the limit reaches the route whole", async () => {
  const text = "x".repeat(200_000);
  const response = await post(
    "/api/_test/streamed",
    streamOf([`{"text":"`, text.slice(0, 100_000), text.slice(100_000), `"}`]),
  );
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { length: 200_000 });
});

Deno.test("a streamed body over the limit answers 413 PAYLOAD_TOO_LARGE", async () => {
  const chunk = "x".repeat(300_000);
  const response = await post(
    "/api/_test/streamed",
    streamOf([`{"text":"`, chunk, chunk, chunk, chunk, `"}`]),
  );
  assert.equal(response.status, 413);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal((await json(response)).code, "PAYLOAD_TOO_LARGE");
});

Deno.test("a streamed browser error report over its own smaller limit answers 413", async () => {
  const response = await post(
    "/api/errors",
    streamOf([`{"type":"Error","route":"/","x":"`, "x".repeat(BROWSER_REPORT_MAX_BYTES), `"}`]),
  );
  assert.equal(response.status, 413);
  assert.equal((await json(response)).code, "PAYLOAD_TOO_LARGE");
});

Deno.test("a streamed body that breaks off answers 400, not 500", async () => {
  const response = await post("/api/_test/streamed", streamOf([`{"text":"abc`], true));
  assert.equal(response.status, 400);
  assert.equal((await json(response)).code, "VALIDATION_FAILED");
});
