/** Reporting a job as a worker does, for tests: its callback, which must be accepted. */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";

/**
 * POSTs `body` to `/api/jobs/{id}/status` with the worker's `token`, asserts 200, and answers
 * whether the job changed.
 */
export async function reportJob(
  app: TestApp,
  token: string,
  id: string,
  body: unknown,
): Promise<{ changed: boolean }> {
  const response = await app.request(`/api/jobs/${id}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  return await response.json() as { changed: boolean };
}
