/**
 * /api/stream served by Deno.serve (as main.ts serves it): a HEAD request answers the headers
 * and opens no stream, so it never takes a connection slot, and at a connection cap it is refused
 * 429 like the GET; a client that goes away before reading frees its slot.
 */
import assert from "node:assert/strict";
import { systemClock } from "../lib/clock.ts";
import { createMemoryBus } from "../lib/realtime/memory_bus.ts";
import { openEventStream } from "../lib/realtime/stream.ts";
import { SseHub } from "../lib/realtime/sse.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { until } from "./helpers/wait.ts";
import { readSse } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function serve(app: TestApp): { url: string; port: number; close(): Promise<void> } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => app.app.fetch(request, { remoteAddr: info.remoteAddr }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    close: () => server.shutdown(),
  };
}

async function openStreams(app: TestApp): Promise<number> {
  return await app.services.metrics.sseConnections.value();
}

for (const credential of ["token", "session"] as const) {
  Deno.test({
    name:
      `HEAD /api/stream (${credential}) answers the SSE headers without a body and takes no slot: after 3 HEADs at a cap of 2 a GET opens`,
    ...opts,
    async fn() {
      const app = await buildTestApp({
        env: { SSE_MAX_CONNECTIONS_PER_USER: "2", RATE_LIMIT_PER_MIN: "0" },
      });
      const served = serve(app);
      try {
        const headers = credential === "token"
          ? { authorization: `Bearer ${await createToken(app, { scopes: ["events:read"] })}` }
          : (await signInAs(app, "RESEARCHER")).headers();
        for (let i = 0; i < 3; i++) {
          const head = await fetch(`${served.url}/api/stream`, { method: "HEAD", headers });
          assert.equal(head.status, 200);
          assert.match(head.headers.get("content-type") ?? "", /^text\/event-stream/);
          assert.equal(await head.text(), "");
        }
        assert.equal(app.services.sse.size, 0);
        assert.equal(await openStreams(app), 0);

        const get = await fetch(`${served.url}/api/stream`, { headers });
        assert.equal(get.status, 200);
        const sse = readSse(get);
        await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
        assert.equal(app.services.sse.size, 1);
        assert.equal(await openStreams(app), 1);

        // Anonymous HEAD is refused like the GET.
        const anonymous = await fetch(`${served.url}/api/stream`, { method: "HEAD" });
        await anonymous.body?.cancel();
        assert.equal(anonymous.status, 401);

        await sse.close();
        await until(() => app.services.sse.size === 0, "the GET's slot to be freed");
        assert.equal(await openStreams(app), 0);
      } finally {
        await served.close();
        await app.dispose();
      }
    },
  });
}

/** A HEAD's status and content type. */
async function head(url: string, headers: HeadersInit): Promise<{ status: number; type: string }> {
  const response = await fetch(url, { method: "HEAD", headers });
  await response.body?.cancel();
  return { status: response.status, type: response.headers.get("content-type") ?? "" };
}

Deno.test({
  name:
    "HEAD /api/stream answers 429 problem+json where a GET would be refused: at the caller's cap and at the instance's cap; 200 again once a slot is free",
  ...opts,
  async fn() {
    const app = await buildTestApp({
      env: {
        SSE_MAX_CONNECTIONS_PER_USER: "1",
        SSE_MAX_CONNECTIONS: "2",
        RATE_LIMIT_PER_MIN: "0",
      },
    });
    const served = serve(app);
    const url = `${served.url}/api/stream`;
    const open: Array<{ close(): Promise<void> }> = [];
    try {
      const first = (await signInAs(app, "RESEARCHER")).headers();
      const second = (await signInAs(app, "ADMIN")).headers();
      const third = {
        authorization: `Bearer ${await createToken(app, { scopes: ["events:read"] })}`,
      };

      // The caller's cap (1): its GET is refused, and so is its HEAD.
      const sse = readSse(await fetch(url, { headers: first }));
      open.push(sse);
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      const refusedGet = await fetch(url, { headers: first });
      assert.equal(refusedGet.status, 429);
      const body = await refusedGet.json();
      assert.equal(body.code, "RATE_LIMITED");
      const callerHead = await head(url, first);
      assert.equal(callerHead.status, 429);
      assert.match(callerHead.type, /^application\/problem\+json/);
      assert.equal(app.services.sse.size, 1, "the HEAD opened no stream");
      // Another caller is under both caps.
      assert.equal((await head(url, second)).status, 200);

      // The instance's cap (2): every caller's HEAD is refused, as its GET would be.
      const other = readSse(await fetch(url, { headers: second }));
      open.push(other);
      await other.until((m) => m.some((x) => x.event === "hello"), "hello");
      const instanceHead = await head(url, third);
      assert.equal(instanceHead.status, 429);
      assert.match(instanceHead.type, /^application\/problem\+json/);
      const refusedThird = await fetch(url, { headers: third });
      await refusedThird.body?.cancel();
      assert.equal(refusedThird.status, 429);
      assert.equal(app.services.sse.size, 2);

      // A slot frees: the HEAD answers 200 again.
      await open.pop()!.close();
      await until(() => app.services.sse.size === 1, "the stream's slot to be freed");
      assert.equal((await head(url, third)).status, 200);
    } finally {
      for (const stream of open) await stream.close();
      await served.close();
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "GET /api/stream: a client that closes its connection without reading the response frees its slot",
  ...opts,
  async fn() {
    const app = await buildTestApp({
      env: { SSE_MAX_CONNECTIONS_PER_USER: "2", RATE_LIMIT_PER_MIN: "0" },
    });
    const served = serve(app);
    try {
      const token = await createToken(app, { scopes: ["events:read"] });
      for (let i = 0; i < 3; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: served.port });
        await conn.write(
          new TextEncoder().encode(
            `GET /api/stream HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\n\r\n`,
          ),
        );
        conn.close();
      }
      await until(() => app.services.sse.size === 0, "the dropped streams to be freed");
      assert.equal(await openStreams(app), 0);
      const get = await fetch(`${served.url}/api/stream`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(get.status, 200);
      await get.body?.cancel();
      await until(() => app.services.sse.size === 0, "the GET's slot to be freed");
    } finally {
      await served.close();
      await app.dispose();
    }
  },
});

Deno.test("openEventStream: a hello that throws frees the slot it took", async () => {
  const hub = new SseHub({ maxConnections: 10, maxPerClient: 1 });
  const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
  const request = {
    topic: "all" as const,
    clientKey: "user:1",
    hello: () => {
      throw new Error("state unavailable");
    },
  };
  await assert.rejects(openEventStream({ bus, hub, heartbeatMs: 60_000 }, request));
  assert.equal(hub.size, 0);
  assert.equal(hub.countFor("user:1"), 0);
  const next = await openEventStream({ bus, hub, heartbeatMs: 60_000 }, {
    ...request,
    hello: () => ({}),
  });
  assert.notEqual(typeof next, "string");
  if (typeof next !== "string") next.close();
  assert.equal(hub.size, 0);
  await bus.close();
  assert.equal(bus.subscriberCount(), 0);
});
