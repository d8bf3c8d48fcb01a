/**
 * The jobs page: when each job last reported (UTC), and a stalled-job notice that tells each
 * reader what they can do (researchers: their data steward or administrator; stewards and
 * administrators: the runbook).
 */
import assert from "node:assert/strict";
import type { Role } from "../lib/auth/mod.ts";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp } from "../tests/helpers/app.ts";
import { createToken, signInAs } from "../tests/helpers/auth.ts";

Deno.test("/jobs shows each job's last report in UTC and a stalled notice for the reader's role", async () => {
  const clock = manualClock(Date.parse("2026-11-23T06:35:56.322Z"));
  const app = await buildTestApp({ clock, env: { JOB_STALL_AFTER_MINUTES: "30" } });
  try {
    const worker = await createToken(app, { scopes: ["jobs:write"] });
    const response = await app.request("/api/jobs/quiet-job/status", {
      method: "POST",
      headers: { authorization: `Bearer ${worker}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "started" }),
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    clock.advance(31 * 60_000);

    const jobs = async (role: Role) => {
      const page = await app.request("/jobs", { headers: (await signInAs(app, role)).headers() });
      assert.equal(page.status, 200);
      return await page.text();
    };
    const researcher = await jobs("RESEARCHER");
    assert.match(researcher, /<th scope="col">Last report<\/th>/);
    assert.match(
      researcher,
      /<time datetime="2026-11-23T06:35:56.322Z" data-testid="job-reported">2026-11-23 06:35:56 UTC<\/time>/,
    );
    assert.match(researcher, /data-testid="jobs-stalled"/);
    assert.match(researcher, /tell your data steward or administrator which job it is/);
    assert.doesNotMatch(researcher, /TROUBLESHOOTING|runbook/);
    for (const role of ["STEWARD", "ADMIN"] as const) {
      const html = await jobs(role);
      assert.match(html, /runbook docs\/operations\/TROUBLESHOOTING\.md/, role);
      assert.doesNotMatch(html, /data steward or administrator/, role);
    }
  } finally {
    await app.dispose();
  }
});
