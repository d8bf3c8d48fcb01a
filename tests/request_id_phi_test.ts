/**
 * A client X-Request-ID that carries a record number, SSN, birth date, phone or card number
 * (also with hex letters appended) is not adopted on a signed-in write: the response header, the
 * log lines and the (append-only) audit row carry a fresh UUID instead. A tracer's id is still adopted.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const PHI_IDS = [
  "mrn7741293-0123456789abcdef",
  "ssn536228841-0123456789abcdef",
  "dob19550302-0123456789abcdef",
  "p4155550132-0123456789abcdef",
  "4155550132000",
  "5362288410000",
  "19550302000000",
  // Hex letters appended to a phone, an SSN, a birth date or a card number.
  "4155550132abcdef",
  "req-536221234abcdef0",
  "19550302abcdef01",
  "trace:4111111111111111a",
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

Deno.test("POST /api/consent/grant: a PHI-bearing X-Request-ID reaches no header, log or audit row", async () => {
  const app = await buildTestApp({ env: { LOG_LEVEL: "debug", RATE_LIMIT_PER_MIN: "0" } });
  try {
    const session = await signInAs(app, "RESEARCHER");
    const consent = (requestId: string, path: string) =>
      app.request(path, {
        method: "POST",
        headers: session.headers({ "content-type": "application/json", "x-request-id": requestId }),
        body: JSON.stringify({ consentType: "analytics" }),
      });
    const given: string[] = [];
    for (const [i, phi] of PHI_IDS.entries()) {
      // Grant and revoke in turn: each call changes the consent, so each writes an audit row.
      const response = await consent(
        phi,
        i % 2 === 0 ? "/api/consent/grant" : "/api/consent/revoke",
      );
      assert.equal(response.status, 200, phi);
      await response.body?.cancel();
      const id = response.headers.get("x-request-id") ?? "";
      assert.match(id, UUID, `a fresh UUID for ${phi}, got ${JSON.stringify(id)}`);
      given.push(id);
    }
    const rows = await app.db.query<{ request_id: string | null }>(
      "SELECT request_id FROM audit_log WHERE action LIKE 'consent.%' ORDER BY id",
    );
    assert.deepEqual(rows.map((row) => row.request_id), given, "the audit rows name the fresh ids");
    const logs = app.logs.join("\n");
    for (const phi of PHI_IDS) assert.ok(!logs.includes(phi), `${phi} is not in the logs`);

    // A tracer's id is still adopted, echoed and audited (the last call above granted).
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traced = await consent(traceId, "/api/consent/revoke");
    assert.equal(traced.status, 200);
    await traced.body?.cancel();
    assert.equal(traced.headers.get("x-request-id"), traceId);
    const last = await app.db.query<{ request_id: string | null }>(
      "SELECT request_id FROM audit_log ORDER BY id DESC LIMIT 1",
    );
    assert.equal(last[0]?.request_id, traceId);
  } finally {
    await app.dispose();
  }
});
