/**
 * The /experiments page does not wait for the signed-in user's analytics consent, which it reads
 * only for the banner and the analytics client: the pages' consent read (consentContext) waits at
 * most CONSENT_PAGE_READ_TIMEOUT_MS, then the page renders as when the read fails (no banner, no
 * analytics: fail closed) and `consent state unavailable` is logged by type. Real Postgres (a
 * second session holds a lock on user_consents).
 */
import assert from "node:assert/strict";
import { withTimeout } from "../lib/timeout.ts";
import type { TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { withLockingApp } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;
const BANNER = 'data-testid="consent-banner"';

async function page(app: TestApp, session: Session): Promise<string> {
  const response = await withTimeout(
    app.request("/experiments", { headers: session.headers({ accept: "text/html" }) }),
    ANSWER_BOUND_MS,
    () => new Error("/experiments did not answer while user_consents was locked"),
  );
  assert.equal(response.status, 200);
  return await response.text();
}

const unavailable = (app: TestApp) =>
  app.logs.filter((line) =>
    line.includes("consent state unavailable") && line.includes("TimeoutError")
  );

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] /experiments renders while user_consents is locked, without the consent banner",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, lock }) => {
        await app.services.experiments.set({
          key: "exp.page-bound",
          enabled: true,
          variants: { a: { weight: 50 }, b: { weight: 50 } },
        }, { actor: { type: "system" } });
        const steward = await signInAs(app, "STEWARD");
        // No choice made yet: the banner asks.
        assert.ok((await page(app, steward)).includes(BANNER));

        const unlock = await lock("user_consents", "ACCESS EXCLUSIVE");
        const html = await page(app, steward);
        assert.ok(html.includes("exp.page-bound"), "the page lists the experiment");
        assert.ok(!html.includes(BANNER), "consent unknown: no banner, no analytics");
        const logged = unavailable(app);
        assert.equal(logged.length, 1);
        assert.ok(!logged[0]!.includes(steward.user.id), "the log names no user");
        await unlock();

        assert.ok((await page(app, steward)).includes(BANNER), "read again on the next page");
      }),
  });
}
