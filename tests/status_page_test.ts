/**
 * The service status page: liveness and readiness in words for a person, in the site's frame,
 * for everyone and in every mode (it is a read). The footer links here instead of to the probes'
 * JSON; the probes keep their JSON. PGlite.
 */
import assert from "node:assert/strict";
import { checkStateText, uptimeText } from "../routes/status.tsx";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { cuttableDb } from "./helpers/cuttable_db.ts";
import { freshPglite } from "./helpers/db.ts";

const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

/** The text of a check's state cell. */
function stateOf(html: string, check: string): string | undefined {
  return new RegExp(`<td data-check="${check}" data-state="[^"]*">([^<]*)</td>`).exec(html)?.[1];
}

Deno.test("/status shows readiness, the checks and the server in words, signed out and signed in, in every mode", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const steward = await signInAs(app, "STEWARD");
    for (const mode of ["DEMO", "LIVE", "STANDBY"] as const) {
      await app.services.mode.setMode(mode, { type: "system" });
      for (const headers of [BROWSER, { ...BROWSER, cookie: steward.cookie }]) {
        const response = await app.request("/status", { headers });
        assert.equal(response.status, 200, mode);
        assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
        const html = await response.text();
        assert.match(html, /<h1>Service status<\/h1>/);
        assert.match(html, /Ready: taking requests/);
        assert.equal(stateOf(html, "db"), "Working");
        assert.equal(stateOf(html, "redis"), "Not configured on this server");
        assert.match(html, new RegExp(`<dt>Governance mode</dt><dd>${mode}</dd>`));
        // The probes' addresses are named for operators, not linked (they answer JSON).
        assert.match(html, /<code>\/health<\/code>/);
        assert.match(html, /<code>\/health\/ready<\/code>/);
        assert.doesNotMatch(html, /href="\/health/);
        // The frame: the navigation and the footer's link to this page.
        assert.match(html, /<nav aria-label="Main">/);
        assert.match(html, /<a href="\/status">Service status<\/a>/);
      }
    }
  } finally {
    await app.dispose();
  }
});

Deno.test("/status says not ready and names the failing check while the database is unreachable; /health/ready stays JSON", async () => {
  const inner = await freshPglite();
  const view = cuttableDb(inner.db);
  const app = await buildTestApp({ testDb: { ...inner, db: view.db } });
  try {
    view.cut();
    const response = await app.request("/status", { headers: BROWSER });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    const html = await response.text();
    assert.match(html, /Not ready: requests may fail/);
    assert.match(stateOf(html, "db") ?? "", /^Failing \(/);
    assert.match(html, /tell your administrator/);

    const probe = await app.request("/health/ready", { headers: BROWSER });
    assert.equal(probe.status, 503);
    assert.match(probe.headers.get("content-type") ?? "", /^application\/json/);
    await probe.body?.cancel();
  } finally {
    view.restore();
    await app.dispose();
  }
});

Deno.test("checkStateText() and uptimeText() word every state and duration", () => {
  assert.equal(checkStateText("ok"), "Working");
  assert.equal(
    checkStateText("blocked"),
    "Not checked: outside calls are blocked (STANDBY or settings)",
  );
  assert.equal(checkStateText("failed: timeout"), "Failing (timeout)");
  assert.equal(uptimeText(59), "under a minute");
  assert.equal(uptimeText(61), "1 minute");
  assert.equal(uptimeText(90_061), "1 day 1 hour 1 minute");
  assert.equal(uptimeText(7_200), "2 hours");
});
