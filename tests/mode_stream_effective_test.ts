/**
 * An instance's event stream tells its clients only a mode that instance is in. Two instances on
 * one Postgres schema and one Redis stream: A follows the stored mode; B is pinned by ROS_MODE, or
 * cannot read its database (fails closed to STANDBY). A mode change made on A must not reach B's
 * clients as a `governance.mode_changed` naming a mode B does not serve, and a B that recovers
 * after missing the change must make its clients refetch (`resync`).
 */
import assert from "node:assert/strict";
import type { SseMessage } from "../lib/realtime/sse_parse.ts";
import type { TestApp } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { readUpToNow } from "./helpers/bus_marker.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";
import { startPair } from "./helpers/mixed_pair.ts";
import { until } from "./helpers/wait.ts";
import { readSse } from "./realtime_sse_reader.ts";

const enabled = hasRedis() && hasPostgres();
const opts = { sanitizeOps: false, sanitizeResources: false };
const SYSTEM = { type: "system" as const };

/** The modes a client was told by `governance.mode_changed` events. */
function announcedModes(messages: SseMessage[]): string[] {
  return messages
    .filter((m) => m.event === "governance.mode_changed")
    .map((m) => String(JSON.parse(m.data).payload.mode));
}

async function modeOf(app: TestApp, token: string): Promise<string> {
  const response = await app.request("/api/governance/state", {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { mode: string }).mode;
}

Deno.test({
  name:
    "stream: a mode set on another instance does not reach the clients of an instance pinned by ROS_MODE",
  ignore: !enabled,
  ...opts,
  async fn() {
    const pair = await startPair({ ROS_MODE: "STANDBY" });
    try {
      const { a, b } = pair;
      const token = await createToken(b, { scopes: ["events:read", "governance:read"] });
      const sse = readSse(
        await b.request("/api/stream?topic=all", {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      const hello = JSON.parse(sse.messages.find((m) => m.event === "hello")!.data);
      assert.equal(hello.mode, "STANDBY");
      assert.equal(hello.pinned, true);

      await a.services.mode.setMode("LIVE", SYSTEM);
      // Everything appended before the marker has been read by B and sent (or not) to the client.
      await readUpToNow(a.services.bus, b.services.bus, "modefix-marker-1");
      await sse.until(
        (m) => m.some((x) => x.event === "job.progress"),
        "the marker on B's stream",
      );

      assert.equal(await modeOf(b, token), "STANDBY", "B still serves its pinned mode");
      assert.deepEqual(announcedModes(sse.messages), [], "B's client is told no other mode");
      assert.ok(!sse.messages.some((m) => m.event === "resync"), "nothing changed on B");
      await sse.close();
    } finally {
      await pair.close();
    }
  },
});

Deno.test({
  name:
    "stream: a pinned instance's client resuming from before another instance's mode change is not told it",
  ignore: !enabled,
  ...opts,
  async fn() {
    const pair = await startPair({ ROS_MODE: "LIVE" });
    try {
      const { a, b } = pair;
      const token = await createToken(b, { scopes: ["events:read", "governance:read"] });
      const headers = { authorization: `Bearer ${token}` };
      const first = readSse(await b.request("/api/stream?topic=all", { headers }));
      await first.until((m) => m.some((x) => x.event === "hello"), "hello");
      await readUpToNow(a.services.bus, b.services.bus, "modefix-marker-0");
      await first.until((m) => m.some((x) => x.event === "job.progress"), "the first marker");
      const resumeFrom = first.events().at(-1)!.id!;
      await first.close();

      await a.services.mode.setMode("STANDBY", SYSTEM);
      await readUpToNow(a.services.bus, b.services.bus, "modefix-marker-2");
      const again = readSse(
        await b.request("/api/stream?topic=all", {
          headers: { ...headers, "last-event-id": resumeFrom },
        }),
      );
      await again.until(
        (m) => m.some((x) => x.event === "job.progress" && x.data.includes("modefix-marker-2")),
        "the replay up to the second marker",
      );
      assert.equal(await modeOf(b, token), "LIVE");
      assert.deepEqual(announcedModes(again.messages), [], "no replayed STANDBY on a LIVE pin");
      await again.close();
    } finally {
      await pair.close();
    }
  },
});

Deno.test({
  name:
    "stream: an instance failed closed (database unreadable) does not pass on another instance's mode change, and makes its clients refetch once it recovers",
  ignore: !enabled,
  ...opts,
  async fn() {
    const pair = await startPair({});
    try {
      const { a, b, dbB } = pair;
      const token = await createToken(b, { scopes: ["events:read", "governance:read"] });
      const sse = readSse(
        await b.request("/api/stream?topic=all", {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
      const resyncs = () => sse.messages.filter((m) => m.event === "resync");

      dbB.cut();
      await until(() => b.services.mode.state().source === "fail-closed", "B to fail closed");
      await sse.until(() => resyncs().length === 1, "B's stream to hear of STANDBY");

      await a.services.mode.setMode("LIVE", SYSTEM);
      await readUpToNow(a.services.bus, b.services.bus, "modefix-marker-3");
      await sse.until(
        (m) => m.some((x) => x.event === "job.progress"),
        "the marker on B's stream",
      );
      assert.equal(b.services.mode.current(), "STANDBY", "B still cannot read the mode");
      assert.deepEqual(announcedModes(sse.messages), [], "B's client is not told LIVE");

      dbB.restore();
      await until(() => b.services.mode.current() === "LIVE", "B to read LIVE");
      // The client has no event saying LIVE: it must be told to refetch.
      await sse.until(() => resyncs().length === 2, "B's stream to hear it recovered");
      assert.equal(await modeOf(b, token), "LIVE");
      await sse.close();
    } finally {
      await pair.close();
    }
  },
});
