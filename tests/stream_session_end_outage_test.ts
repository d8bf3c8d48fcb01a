/**
 * An open event stream ends when its session does (its absolute end, or its idle end as the
 * instance knows it), also while the database is down and its re-check cannot ask it: those ends
 * need no database. Within them, a confirmed stream is kept through the outage as before.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser, signIn } from "./helpers/auth.ts";
import { cuttableDb } from "./helpers/cuttable_db.ts";
import { freshPglite } from "./helpers/db.ts";
import { readSse, type SseReader } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for at least two re-checks (one per second). */
const TWO_RECHECKS_MS = 2_500;

async function withStream(
  env: Record<string, string>,
  fn: (
    t: { app: TestApp; sse: SseReader; cut: () => void; advance: (ms: number) => void },
  ) => Promise<void>,
) {
  const inner = await freshPglite();
  const cuttable = cuttableDb(inner.db);
  const clock = manualClock(Date.now());
  const app = await buildTestApp({
    testDb: { db: cuttable.db, cleanup: () => inner.cleanup() },
    clock,
    env: { RATE_LIMIT_PER_MIN: "0", SSE_REVALIDATE_SECONDS: "1", ...env },
  });
  let sse: SseReader | undefined;
  try {
    const session = await signIn(app, await createUser(app, { role: "STEWARD" }));
    const response = await app.request("/api/stream?topic=all", { headers: session.headers() });
    assert.equal(response.status, 200);
    sse = readSse(response);
    await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
    // A re-check confirms the session while the database answers.
    await pause(1_500);
    await fn({ app, sse, cut: () => cuttable.cut(), advance: (ms) => clock.advance(ms) });
  } finally {
    cuttable.restore();
    await sse?.close().catch(() => {});
    await app.dispose();
  }
}

async function assertEnds(sse: SseReader, what: string): Promise<void> {
  await sse.until(() => sse.ended(), what, 5_000).catch(() => {});
  assert.equal(sse.ended(), true, what);
}

Deno.test({
  name: "database down: a stream ends once its session is past SESSION_ABSOLUTE_HOURS",
  ...opts,
  async fn() {
    await withStream(
      { SESSION_ABSOLUTE_HOURS: "1", SESSION_IDLE_MINUTES: "1440" },
      async ({ sse, cut, advance }) => {
        cut();
        advance(30 * 60_000);
        await pause(TWO_RECHECKS_MS);
        assert.equal(sse.ended(), false, "within the session's lifetime the stream is kept");
        advance(2 * 60 * 60_000);
        await assertEnds(sse, "past the absolute end, with no database to ask");
      },
    );
  },
});

Deno.test({
  name: "database down: a stream ends once its session is idle past SESSION_IDLE_MINUTES",
  ...opts,
  async fn() {
    await withStream(
      { SESSION_IDLE_MINUTES: "2" },
      async ({ sse, cut, advance }) => {
        cut();
        advance(60_000);
        await pause(TWO_RECHECKS_MS);
        assert.equal(sse.ended(), false, "within the idle limit the stream is kept");
        advance(2 * 60_000);
        await assertEnds(sse, "idle past the limit, with no database to ask");
      },
    );
  },
});
