/**
 * Concurrent consent grants and withdrawals of one user and consent type: the current state is
 * re-read under a per-(user, type) lock in the transaction that writes, so concurrent requests
 * record one history row and one audit entry, as they would one after another.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function post(app: TestApp, session: Session, path: string, body: unknown, extra = {}) {
  return app.request(path, {
    method: "POST",
    headers: session.headers({ "content-type": "application/json", ...extra }),
    body: JSON.stringify(body),
  });
}

async function allOk(responses: Promise<Response>[]): Promise<void> {
  for (const response of await Promise.all(responses)) {
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
}

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] concurrent consent grants and withdrawals record one row and one audit entry each`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const session = await signInAs(app, "RESEARCHER");
        const userId = session.user.id;
        const count = async (state: string, action: string, type = "research_use") => {
          const [rows] = await app.db.query<{ n: number | string }>(
            "SELECT count(*) AS n FROM user_consents WHERE user_id = $1 AND consent_type = $2 AND state = $3",
            [userId, type, state],
          );
          const [audits] = await app.db.query<{ n: number | string }>(
            "SELECT count(*) AS n FROM audit_log WHERE action = $1 AND target_id = $2 AND after->>'consentType' = $3",
            [action, userId, type],
          );
          return [Number(rows!.n), Number(audits!.n)];
        };
        const six = (path: string, body: unknown) =>
          Array.from({ length: 6 }, () => post(app, session, path, body));

        await allOk(six("/api/consent/grant", { consentType: "research_use" }));
        assert.deepEqual(await count("granted", "consent.grant"), [1, 1], "one grant");

        await allOk(six("/api/consent/revoke", { consentType: "research_use" }));
        assert.deepEqual(await count("revoked", "consent.revoke"), [1, 1], "one withdrawal");

        // Granted again after the withdrawal: one more grant, not six.
        await allOk(six("/api/consent/grant", { consentType: "research_use" }));
        assert.deepEqual(await count("granted", "consent.grant"), [2, 2], "one new grant");

        // Analytics with Global Privacy Control: the signal is recorded, then one grant overrides it.
        const gpc = { "sec-gpc": "1" };
        await allOk(
          Array.from(
            { length: 6 },
            () => post(app, session, "/api/consent/grant", { consentType: "analytics" }, gpc),
          ),
        );
        assert.deepEqual(await count("granted", "consent.grant", "analytics"), [1, 1]);
      } finally {
        await app.dispose();
      }
    },
  });
}
