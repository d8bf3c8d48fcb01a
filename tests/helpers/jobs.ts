/** Job callbacks as a worker sends them, through the real route. */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";

/** `POST /api/jobs/{id}/status` with an API token. */
export function jobCallback(
  app: Pick<TestApp, "request">,
  token: string,
  id: string,
  body: unknown,
): Promise<Response> {
  return app.request(`/api/jobs/${id}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Reports each `[jobId, body]` with the worker's token, in order; each must answer 200. */
export async function reportJobs(
  app: TestApp,
  workerToken: string,
  jobs: ReadonlyArray<readonly [string, Record<string, unknown>]>,
): Promise<void> {
  for (const [id, body] of jobs) {
    const response = await jobCallback(app, workerToken, id, body);
    assert.equal(response.status, 200, id);
    await response.body?.cancel();
  }
}

/** Reports one job with the worker's token; it must answer 200. Answers whether the job changed. */
export async function reportJob(
  app: TestApp,
  token: string,
  id: string,
  body: unknown,
): Promise<{ changed: boolean }> {
  const response = await jobCallback(app, token, id, body);
  assert.equal(response.status, 200, id);
  return await response.json() as { changed: boolean };
}
