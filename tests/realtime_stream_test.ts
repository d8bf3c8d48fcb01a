/** /api/stream on the in-process bus (PGlite, no Redis): hello, topics, replay, resync, caps, cleanup. */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import type { MemoryBus } from "../lib/realtime/memory_bus.ts";
import type { AppEvent, NewEvent } from "../lib/realtime/types.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { readSse } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const progress = (n: number): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId: "job-1", progress: n },
});

Deno.test({
  name:
    "GET /api/stream: SSE headers, retry hint, hello with the caller's state, then live events with ids",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const user = await signInAs(app, "RESEARCHER");
      const response = await app.request("/api/stream", { headers: user.headers() });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(response.headers.get("cache-control"), "no-cache, no-transform");
      assert.equal(response.headers.get("x-accel-buffering"), "no");
      const sse = readSse(response);
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      assert.equal(sse.parser.retry, 3000);
      const hello = JSON.parse(sse.messages.find((m) => m.event === "hello")!.data);
      assert.deepEqual(Object.keys(hello).sort(), [
        "flags",
        "flagsListed",
        "flagsMeta",
        "mode",
        "pinned",
      ]);
      assert.equal(hello.mode, "DEMO");

      const published = await app.services.bus.publish(progress(5));
      await sse.until((m) => m.some((x) => x.event === "job.progress"), "the event");
      const message = sse.events()[0]!;
      assert.equal(message.id, published.id);
      assert.deepEqual(JSON.parse(message.data), published);
      await sse.close();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "GET /api/stream?topic=governance receives governance events only; a mode change arrives as governance.mode_changed",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const steward = await signInAs(app, "STEWARD");
      const sse = readSse(
        await app.request("/api/stream?topic=governance", { headers: steward.headers() }),
      );
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      await app.services.bus.publish(progress(1));
      const admin = await signInAs(app, "ADMIN");
      const change = await app.request("/api/governance/mode", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ mode: "LIVE" }),
      });
      assert.equal(change.status, 200);
      await change.body?.cancel();
      await sse.until((m) => m.some((x) => x.event === "governance.mode_changed"), "mode change");
      assert.deepEqual(sse.events().map((m) => m.event), ["governance.mode_changed"]);
      const event = JSON.parse(sse.events()[0]!.data) as AppEvent;
      assert.deepEqual(event.payload, { mode: "LIVE", previous: "DEMO", pinned: false });
      await sse.close();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a client that disconnects, misses three events and reconnects with Last-Event-ID gets exactly those three, in order",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const user = await signInAs(app, "RESEARCHER");
      const first = readSse(await app.request("/api/stream", { headers: user.headers() }));
      await first.until((m) => m.some((x) => x.event === "hello"), "hello");
      const seen = await app.services.bus.publish(progress(0));
      await first.until(() => first.events().length === 1, "first event");
      const lastEventId = first.events()[0]!.id!;
      assert.equal(lastEventId, seen.id);
      await first.close();

      const missed = [];
      for (let i = 1; i <= 3; i++) missed.push(await app.services.bus.publish(progress(i)));

      for (const how of ["header", "query"] as const) {
        const response = how === "header"
          ? await app.request("/api/stream", {
            headers: user.headers({ "last-event-id": lastEventId }),
          })
          : await app.request(`/api/stream?lastEventId=${lastEventId}`, {
            headers: user.headers(),
          });
        assert.equal(response.status, 200);
        const again = readSse(response);
        await again.until(() => again.events().length >= 3, "the replay");
        assert.deepEqual(again.events().map((m) => m.id), missed.map((e) => e.id), how);
        assert.ok(!again.messages.some((m) => m.event === "resync"));
        await again.close();
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "a Last-Event-ID older than the in-memory history gets resync instead of a partial replay",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { EVENT_HISTORY_SIZE: "10" } });
    try {
      const user = await signInAs(app, "RESEARCHER");
      const old = await app.services.bus.publish(progress(0));
      for (let i = 1; i <= 12; i++) await app.services.bus.publish(progress(i));
      const sse = readSse(
        await app.request("/api/stream", { headers: user.headers({ "last-event-id": old.id }) }),
      );
      await sse.until((m) => m.some((x) => x.event === "resync"), "resync");
      assert.deepEqual(sse.events(), [], "no partial replay");
      const resync = sse.messages.find((m) => m.event === "resync")!;
      assert.equal(resync.id, app.services.bus.lastId(), "resync moves the client to now");
      const next = await app.services.bus.publish(progress(13));
      await sse.until(() => sse.events().length === 1, "live after resync");
      assert.equal(sse.events()[0]!.id, next.id);
      await sse.close();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "GET /api/stream at the instance's cap answers 429, counted as instance_cap",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { SSE_MAX_CONNECTIONS: "1" } });
    try {
      const first = await app.request("/api/stream", {
        headers: (await signInAs(app, "RESEARCHER")).headers(),
      });
      assert.equal(first.status, 200);
      const second = await app.request("/api/stream", {
        headers: (await signInAs(app, "RESEARCHER")).headers(),
      });
      assert.equal(second.status, 429);
      await second.body?.cancel();
      const refused = app.services.metrics.sseRefused;
      assert.equal(await refused.value({ reason: "instance_cap" }), 1);
      assert.equal(await refused.value({ reason: "caller_cap" }), 0);
      await first.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "GET /api/stream refuses anonymous callers, bad ids and topics, and answers 429 above the per-user cap",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { SSE_MAX_CONNECTIONS_PER_USER: "2" } });
    try {
      const anonymous = await app.request("/api/stream");
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
      const user = await signInAs(app, "RESEARCHER");
      for (
        const path of ["/api/stream?topic=secrets", "/api/stream?topic=x<script>&lastEventId=1-0"]
      ) {
        const bad = await app.request(path, { headers: user.headers() });
        assert.equal(bad.status, 400, path);
        assert.doesNotMatch(await bad.text(), /script|secrets/);
      }
      const open = [
        await app.request("/api/stream", { headers: user.headers() }),
        await app.request("/api/stream", { headers: user.headers() }),
      ];
      const third = await app.request("/api/stream", { headers: user.headers() });
      assert.equal(third.status, 429);
      assert.match(third.headers.get("content-type") ?? "", /application\/problem\+json/);
      assert.ok(Number(third.headers.get("retry-after")) > 0);
      assert.equal((await json(third)).code, "RATE_LIMITED");
      // Counted as this caller's cap, which does not raise the capacity alert.
      const refused = app.services.metrics.sseRefused;
      assert.equal(await refused.value({ reason: "caller_cap" }), 1);
      assert.equal(await refused.value({ reason: "instance_cap" }), 0);
      const other = await signInAs(app, "RESEARCHER");
      const fine = await app.request("/api/stream", { headers: other.headers() });
      assert.equal(fine.status, 200, "the cap is per user");
      const token = await createToken(app, { scopes: ["events:read"] });
      const service = await app.request("/api/stream", {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(service.status, 200, "tokens with events:read may stream");
      for (const response of [...open, fine, service]) await response.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "many connect/abort cycles free every subscription, slot and timer; app.close() ends open streams",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const user = await signInAs(app, "RESEARCHER");
      const bus = app.services.bus as MemoryBus;
      const baseline = bus.subscriberCount();
      for (let i = 0; i < 300; i++) {
        const controller = new AbortController();
        const response = await app.request("/api/stream", {
          headers: user.headers(),
          signal: controller.signal,
        });
        assert.equal(response.status, 200);
        if (i % 2 === 0) controller.abort();
        else await response.body!.cancel();
      }
      assert.equal(bus.subscriberCount(), baseline);
      assert.equal(app.services.sse.size, 0);
      assert.equal(await app.services.metrics.sseConnections.value(), 0);

      const open = readSse(await app.request("/api/stream", { headers: user.headers() }));
      await open.until((m) => m.some((x) => x.event === "hello"), "hello");
      assert.equal(app.services.sse.size, 1);
      await app.close();
      await open.until(() => open.ended(), "the server to end the stream").catch(() => {});
      assert.equal(open.ended(), true);
      assert.equal(app.services.sse.size, 0);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "an open stream ends after its session is signed out or its token revoked",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { SSE_REVALIDATE_SECONDS: "1" } });
    try {
      const user = await signInAs(app, "RESEARCHER");
      const userStream = readSse(await app.request("/api/stream", { headers: user.headers() }));
      await userStream.until((m) => m.some((x) => x.event === "hello"), "hello");
      const token = await createToken(app, { scopes: ["events:read"] });
      const tokenStream = readSse(
        await app.request("/api/stream", { headers: { authorization: `Bearer ${token}` } }),
      );
      await tokenStream.until((m) => m.some((x) => x.event === "hello"), "hello");

      const signOut = await app.request("/api/auth/logout", {
        method: "POST",
        headers: user.headers(),
      });
      assert.equal(signOut.status, 204);
      const tokens = await app.services.auth.listTokens();
      await app.services.auth.revokeToken(tokens[0]!.id, { type: "system" });

      for (const stream of [userStream, tokenStream]) {
        for (let i = 0; i < 100 && !stream.ended(); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(stream.ended(), true, "the stream was closed by the server");
      }
      assert.equal(app.services.sse.size, 0);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "an open stream re-checks the session without refreshing its idle timer: an unattended tab still times out",
  ...opts,
  async fn() {
    const clock = manualClock(Date.now());
    const app = await buildTestApp({
      clock,
      env: { SESSION_IDLE_MINUTES: "5", SSE_REVALIDATE_SECONDS: "1" },
    });
    try {
      const user = await signInAs(app, "RESEARCHER");
      const lastSeen = async () =>
        (await app.db.query<{ last_seen_at: Date }>("SELECT last_seen_at FROM sessions"))[0]!
          .last_seen_at.getTime();
      const signedInAt = await lastSeen();
      const sse = readSse(await app.request("/api/stream", { headers: user.headers() }));
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");

      // Four idle minutes pass (the session is still valid); the stream re-checks it every
      // second meanwhile. A re-check that touched the session would move last_seen_at.
      clock.advance(4 * 60_000);
      const deadline = Date.now() + 2500;
      while (Date.now() < deadline && await lastSeen() === signedInAt) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await lastSeen(), signedInAt, "the re-check did not refresh the session");
      assert.equal(sse.ended(), false, "the session is still valid after four minutes");

      // Two more: six idle minutes, beyond the five allowed. The next re-check ends the stream.
      clock.advance(2 * 60_000);
      await sse.until(() => sse.ended(), "the stream to end").catch(() => {});
      assert.equal(sse.ended(), true, "the stream ended with the idle session");
      const state = await app.request("/api/governance/state", { headers: user.headers() });
      assert.equal(state.status, 401, "the session timed out");
      await state.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a replay longer than the per-connection queue arrives whole and in order (not cut off as an overflow)",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const user = await signInAs(app, "RESEARCHER");
      const first = await app.services.bus.publish(progress(0));
      const later: AppEvent[] = [];
      for (let i = 1; i < 600; i++) later.push(await app.services.bus.publish(progress(i % 100)));
      const sse = readSse(
        await app.request("/api/stream?topic=jobs", {
          headers: user.headers({ "last-event-id": first.id }),
        }),
      );
      await sse.until(() => sse.events().length >= 599 || sse.ended(), "the replay");
      assert.equal(sse.ended(), false, "the stream was not closed");
      assert.ok(!sse.messages.some((m) => m.event === "resync"));
      assert.deepEqual(sse.events().map((m) => m.id), later.map((e) => e.id));
      // And it continues live.
      const next = await app.services.bus.publish(progress(1));
      await sse.until(() => sse.events().length === 600, "the next live event");
      assert.equal(sse.events().at(-1)!.id, next.id);
      await sse.close();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a malformed or empty Last-Event-ID (header or query) opens the stream with resync, like an unknown id",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const user = await signInAs(app, "RESEARCHER");
      await app.services.bus.publish(progress(1));
      const cases: Array<[string, string, Record<string, string>]> = [
        ["header abc", "/api/stream?topic=jobs", { "last-event-id": "abc" }],
        ["empty header", "/api/stream?topic=jobs", { "last-event-id": "" }],
        ["query abc", "/api/stream?topic=jobs&lastEventId=abc", {}],
        ["empty query", "/api/stream?topic=jobs&lastEventId=", {}],
        ["query with markup", "/api/stream?topic=jobs&lastEventId=x%3Cscript%3E", {}],
        ["header of digits only", "/api/stream?topic=jobs", { "last-event-id": "12345" }],
      ];
      for (const [name, path, headers] of cases) {
        const response = await app.request(path, { headers: user.headers(headers) });
        assert.equal(response.status, 200, name);
        const sse = readSse(response);
        await sse.until((m) => m.some((x) => x.event === "resync"), `resync (${name})`);
        assert.deepEqual(sse.messages.map((m) => m.event), ["hello", "resync"], name);
        const resync = sse.messages.find((m) => m.event === "resync")!;
        assert.equal(resync.id, app.services.bus.lastId(), name);
        assert.deepEqual(JSON.parse(resync.data), { reason: "history_exceeded" }, name);
        const next = await app.services.bus.publish(progress(2));
        await sse.until(() => sse.events().length === 1, `live after resync (${name})`);
        assert.equal(sse.events()[0]!.id, next.id, name);
        await sse.close();
      }
      // Other invalid parameters are still refused.
      const bad = await app.request("/api/stream?topic=secrets&lastEventId=abc", {
        headers: user.headers(),
      });
      assert.equal(bad.status, 400);
      assert.equal((await json(bad)).code, "VALIDATION_FAILED");
    } finally {
      await app.dispose();
    }
  },
});
