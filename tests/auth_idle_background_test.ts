/**
 * The idle sign-out (SESSION_IDLE_MINUTES) is a safeguard for unattended workstations: a page
 * left open polls on its own (the mode badge's health check, the live panels' state polls, error
 * reports), and those must not keep the session alive. Found by a security review: the home
 * page's badge fetched /health every 15 s with the session cookie, which refreshed the session,
 * so it never went idle.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { BACKGROUND_REQUEST_HEADER } from "../lib/http/background.ts";
import { buildTestApp } from "./helpers/app.ts";
import { sessionStatus, signInAs } from "./helpers/auth.ts";

Deno.test("a page's own polls do not keep an idle session alive; the user's requests do", async () => {
  const clock = manualClock(Date.UTC(2026, 10, 23));
  const app = await buildTestApp({ clock, env: { SESSION_IDLE_MINUTES: "30" } });
  try {
    const left = await signInAs(app, "STEWARD");
    const working = await signInAs(app, "STEWARD");
    const background = async (cookie: string) => {
      for (
        const [path, headers] of [
          ["/health", {}],
          ["/health/ready", {}],
          ["/healthz", {}],
          ["/readyz", {}],
          ["/api/health", {}],
          ["/api/health/ready", {}],
          ["/api/governance/state", { [BACKGROUND_REQUEST_HEADER]: "1" }],
          ["/api/jobs?limit=50", { [BACKGROUND_REQUEST_HEADER]: "1" }],
        ] as const
      ) {
        const response = await app.request(path, { headers: { cookie, ...headers } });
        await response.body?.cancel();
      }
    };
    // 31 minutes of a page polling every 15 s; one user also works in the app every 10 minutes.
    for (let second = 15; second <= 31 * 60; second += 15) {
      clock.advance(15_000);
      await background(left.cookie);
      await background(working.cookie);
      if (second % 600 === 0) {
        const response = await app.request("/api/governance/state", {
          headers: { cookie: working.cookie },
        });
        assert.equal(response.status, 200);
        await response.body?.cancel();
      }
    }
    assert.equal(await sessionStatus(app, left.cookie), 401, "idle for 31 minutes: signed out");
    assert.equal(await sessionStatus(app, working.cookie), 200, "active: still signed in");
  } finally {
    await app.dispose();
  }
});
