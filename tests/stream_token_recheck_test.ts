/**
 * A token-authenticated event stream is checked again while it stays open (SSE_REVALIDATE_SECONDS)
 * with the credential the authentication middleware read: a valid token's stream survives its
 * re-checks whichever header carried the token, and one revoked where no instance hears of it is
 * ended by the re-check alone.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { until } from "./helpers/wait.ts";
import { readSse } from "./realtime_sse_reader.ts";

Deno.test({
  name:
    "token streams (Bearer, lower-case bearer, X-API-Key) survive their re-checks; one revoked unannounced is ended by its re-check",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp({ env: { SSE_REVALIDATE_SECONDS: "1" } });
    const streams: ReturnType<typeof readSse>[] = [];
    try {
      const secretOf = async (name: string) =>
        await app.services.auth.createToken({ name, scopes: ["events:read"] }, { type: "system" });
      const open = async (headers: Record<string, string>) => {
        const response = await app.request("/api/stream", { headers });
        assert.equal(response.status, 200);
        const stream = readSse(response);
        streams.push(stream);
        await stream.until((m) => m.some((x) => x.event === "hello"), "hello");
        return stream;
      };
      const kept = [
        await open({ authorization: `Bearer ${(await secretOf("bearer")).secret}` }),
        await open({ authorization: `bearer ${(await secretOf("lower")).secret}` }),
        await open({ "x-api-key": (await secretOf("api key")).secret }),
      ];
      // Opened after the others, so its re-checks come after theirs in every interval.
      const sentinel = await secretOf("sentinel");
      const ended = await open({ authorization: `Bearer ${sentinel.secret}` });
      // Revoked in the database only (as SQL or the CLI without Redis would): nothing announces
      // it, so only the stream's re-check can end the stream.
      await app.db.query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [
        sentinel.token.id,
      ]);
      await until(() => ended.ended(), "the revoked token's stream to be ended by its re-check");
      assert.deepEqual(kept.map((s) => s.ended()), [false, false, false], "valid tokens kept");
      assert.equal(app.services.sse.size, 3);
    } finally {
      for (const stream of streams) await stream.close();
      await app.dispose();
    }
  },
});
