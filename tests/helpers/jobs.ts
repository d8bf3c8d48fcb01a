/** Job callbacks as a worker sends them, for tests that need jobs on the page. */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";

/** Reports each `[jobId, body]` with the worker's token, in order; each must answer 200. */
export async function reportJobs(
  app: TestApp,
  workerToken: string,
  jobs: ReadonlyArray<readonly [string, Record<string, unknown>]>,
): Promise<void> {
  for (const [id, body] of jobs) {
    const response = await app.request(`/api/jobs/${id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${workerToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, id);
    await response.body?.cancel();
  }
}
