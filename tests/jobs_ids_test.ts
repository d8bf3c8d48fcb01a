/**
 * Job callback ids that read as PHI: refused with the field named (never the value), nothing
 * stored or published; the ids the docs suggest instead pass the same scanner. A job keeps the
 * research id it was first reported with: a callback naming another is a 409, nothing changed.
 */
import assert from "node:assert/strict";
import type { AppEvent } from "../lib/realtime/types.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { jobCallback } from "./helpers/jobs.ts";
import { dbTargets } from "./helpers/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface Problem {
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

Deno.test({
  name: "a job id or researchId that reads as PHI is refused naming its field, never its value",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const events: AppEvent[] = [];
      app.services.bus.subscribe("jobs", (e) => events.push(e));
      const token = await createToken(app, { scopes: ["jobs:write"] });
      // [path id, body, the fields named, the planted text that must not come back]
      const cases: Array<[string, Record<string, unknown>, string[], RegExp]> = [
        ["run-2026-11-22", { status: "started" }, ["$.id"], /2026-11-22/],
        ["job-1", { status: "started", researchId: "MRN00482913" }, ["$.researchId"], /00482913/],
        ["536220841", { status: "started" }, ["$.id"], /536220841/],
        [
          "536220841",
          { status: "progress", progress: 5, researchId: "run-2026-11-22" },
          ["$.id", "$.researchId"],
          /536220841|2026-11-22/,
        ],
      ];
      for (const [id, body, paths, planted] of cases) {
        const response = await jobCallback(app, token, id, body);
        const what = `${id} ${JSON.stringify(body)}`;
        assert.equal(response.status, 400, what);
        assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
        const text = await response.text();
        assert.doesNotMatch(text, planted, what);
        const problem = JSON.parse(text) as Problem;
        assert.equal(problem.code, "VALIDATION_FAILED");
        assert.match(problem.detail, /reads as PHI/);
        assert.deepEqual(problem.errors?.map((e) => e.path), paths, what);
        for (const issue of problem.errors ?? []) {
          assert.match(issue.message, /reads as PHI/);
          assert.match(issue.message, /UUID/, "says what to use instead");
        }
        if (paths.includes("$.id")) {
          assert.match(problem.errors![0]!.message, /job id in the URL path/);
        }
      }
      assert.equal((await app.db.query("SELECT id FROM jobs")).length, 0, "nothing stored");
      assert.deepEqual(events, [], "nothing published");
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "the ids the docs suggest instead (UUID, prefixed counters, a compacted date) are accepted",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const token = await createToken(app, { scopes: ["jobs:write"] });
      const ids = [crypto.randomUUID(), "run_000123", "run_20261122"];
      for (const id of ids) {
        const response = await jobCallback(app, token, id, {
          status: "started",
          researchId: id === "run_000123" ? "study_000042" : crypto.randomUUID(),
        });
        assert.equal(response.status, 200, id);
        assert.equal((await json<{ changed: boolean }>(response)).changed, true);
      }
      assert.equal((await app.db.query("SELECT id FROM jobs")).length, ids.length);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "the API reference says that ids reading as PHI are refused, and what to use instead",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      // deno-lint-ignore no-explicit-any
      const document = await json<any>(await app.request("/api/openapi.json"));
      const post = document.paths["/api/jobs/{id}/status"].post;
      const param = post.parameters.find((p: { name: string }) => p.name === "id");
      const researchId = post.requestBody.content["application/json"].schema.properties
        .researchId;
      for (
        const description of [param.description ?? param.schema.description, researchId.description]
      ) {
        assert.match(description, /reads as PHI/);
        assert.match(description, /VALIDATION_FAILED/);
        assert.match(description, /run_000123/);
      }
      assert.match(post.responses["400"].description, /\$\.id/);
    } finally {
      await app.dispose();
    }
  },
});

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] a callback naming another researchId is refused with 409, nothing changed`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const events: AppEvent[] = [];
        app.services.bus.subscribe("jobs", (e) => events.push(e));
        const token = await createToken(app, { scopes: ["jobs:write"] });
        const stored = async (id: string) =>
          (await app.db.query<{ research_id: string | null; status: string; progress: number }>(
            "SELECT research_id, status, progress FROM jobs WHERE id = $1",
            [id],
          ))[0];
        const expectMismatch = async (response: Response) => {
          assert.equal(response.status, 409);
          assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
          const text = await response.text();
          assert.doesNotMatch(text, /study-a|study-b/, "neither id is repeated");
          const problem = JSON.parse(text) as Problem;
          assert.equal(problem.code, "CONFLICT");
          assert.match(problem.detail, /belongs to another research id/);
          assert.deepEqual(problem.errors?.map((e) => e.path), ["$.researchId"]);
        };

        const first = await jobCallback(app, token, "job-9", {
          status: "started",
          researchId: "study-a",
        });
        assert.equal(first.status, 200);
        await first.body?.cancel();
        await expectMismatch(
          await jobCallback(app, token, "job-9", {
            status: "progress",
            progress: 10,
            researchId: "study-b",
          }),
        );
        assert.deepEqual(
          { ...await stored("job-9") },
          { research_id: "study-a", status: "started", progress: 0 },
        );
        assert.deepEqual(events.map((e) => e.type), ["job.started"], "nothing published");

        // Repeating the job's own research id, or leaving it out, applies as before.
        for (const researchId of ["study-a", undefined]) {
          const response = await jobCallback(app, token, "job-9", {
            status: "progress",
            progress: researchId ? 20 : 30,
            ...(researchId ? { researchId } : {}),
          });
          assert.equal(response.status, 200);
          const body = await json<{ changed: boolean; job: { researchId: string } }>(response);
          assert.equal(body.changed, true);
          assert.equal(body.job.researchId, "study-a");
        }
        assert.deepEqual(events.at(-1)!.payload, {
          jobId: "job-9",
          status: "progress",
          progress: 30,
          researchId: "study-a",
        });

        // A finished job still belongs to its research id.
        const done = await jobCallback(app, token, "job-9", { status: "completed" });
        assert.equal(done.status, 200);
        await done.body?.cancel();
        await expectMismatch(
          await jobCallback(app, token, "job-9", { status: "completed", researchId: "study-b" }),
        );

        // A job first reported without one takes the first research id named.
        for (const body of [{ status: "started" }, { status: "progress", researchId: "study-b" }]) {
          const response = await jobCallback(app, token, "job-10", body);
          assert.equal(response.status, 200);
          await response.body?.cancel();
        }
        assert.equal((await stored("job-10"))?.research_id, "study-b");
        await expectMismatch(
          await jobCallback(app, token, "job-10", { status: "completed", researchId: "study-a" }),
        );
        assert.equal((await stored("job-10"))?.status, "progress");
      } finally {
        await app.dispose();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] two first callbacks naming different research ids: one applies, the other is a 409`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const token = await createToken(app, { scopes: ["jobs:write"] });
        for (let round = 0; round < 5; round++) {
          const id = `race-${round}`;
          const responses = await Promise.all(
            ["study-a", "study-b"].map((researchId) =>
              jobCallback(app, token, id, { status: "started", researchId })
            ),
          );
          const statuses = responses.map((r) => r.status);
          assert.deepEqual([...statuses].sort(), [200, 409], `round ${round}`);
          const winner = await json<{ job: { researchId: string } }>(
            responses[statuses.indexOf(200)]!,
          );
          await responses[statuses.indexOf(409)]!.body?.cancel();
          const rows = await app.db.query<{ research_id: string }>(
            "SELECT research_id FROM jobs WHERE id = $1",
            [id],
          );
          assert.deepEqual(rows.map((r) => r.research_id), [winner.job.researchId]);
        }
      } finally {
        await app.dispose();
      }
    },
  });
}
