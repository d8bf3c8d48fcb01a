/** Consent and ingestion through the real routes, for analytics tests. */
import assert from "node:assert/strict";
import type { IngestResult } from "../../lib/analytics/analytics.ts";
import type { Role } from "../../lib/auth/mod.ts";
import { json, type TestApp } from "./app.ts";
import { type Session, signInAs } from "./auth.ts";

/** Grants analytics consent for `session` through `POST /api/consent/grant`. */
export async function grantAnalytics(app: TestApp, session: Session): Promise<void> {
  const response = await app.request("/api/consent/grant", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ consentType: "analytics" }),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
}

/** A signed-in user (RESEARCHER unless told) who has granted analytics consent. */
export async function consentedUser(app: TestApp, role: Role = "RESEARCHER"): Promise<Session> {
  const session = await signInAs(app, role);
  await grantAnalytics(app, session);
  return session;
}

/** Posts one batch with the consent header; asserts a 200 JSON answer and returns it. */
export async function postEvents(
  app: TestApp,
  session: Session,
  events: unknown[],
): Promise<IngestResult> {
  const response = await app.request("/api/analytics/events", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json", "x-analytics-consent": "true" }),
    body: JSON.stringify({ events }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  return await json<IngestResult>(response);
}
