/** A client's X-Request-ID that carries PHI is not adopted: not echoed, logged or audited. */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";

Deno.test("a PHI-shaped X-Request-ID is replaced before it reaches a response, a log or the audit log", async () => {
  const app = await buildTestApp({ env: { LOG_LEVEL: "debug", RATE_LIMIT_PER_MIN: "0" } });
  try {
    for (const phi of ["415-555-0132", "MRN:00482913", "536-22-1234"]) {
      // A failed sign-in: a problem body, log lines and an audit row all carry the request id.
      const response = await app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": phi },
        body: JSON.stringify({ email: "nobody@example.org", password: "wrong password" }),
      });
      assert.equal(response.status, 401);
      const id = response.headers.get("x-request-id") ?? "";
      assert.match(
        id,
        /^[0-9a-f-]{36}$/,
        `a fresh id, got ${JSON.stringify(id)} ${response.status}`,
      );
      const body = await response.text();
      assert.ok(!body.includes(phi), "not in the body");
      assert.ok(body.includes(id), "the problem names the fresh id");
    }
    const audit = await app.db.query<{ request_id: string | null }>(
      "SELECT request_id FROM audit_log",
    );
    const stored = audit.map((row) => row.request_id ?? "").join(" ");
    const logs = app.logs.join("\n");
    for (const phi of ["415-555-0132", "MRN:00482913", "536-22-1234"]) {
      assert.ok(!stored.includes(phi), "not in the audit log");
      assert.ok(!logs.includes(phi), "not in the logs");
    }
  } finally {
    await app.dispose();
  }
});
