import assert from "node:assert/strict";
import { manualClock } from "../clock.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { createMemoryBus } from "./memory_bus.ts";
import { formatSseComment, formatSseEvent, SseHub, type Timers } from "./sse.ts";
import { SseParser } from "./sse_parse.ts";
import { openEventStream } from "./stream.ts";
import type { AppEvent, NewEvent } from "./types.ts";

/** Timers that fire only when told to. */
function manualTimers() {
  const active = new Map<number, () => void>();
  let next = 1;
  const timers: Timers = {
    setInterval(fn) {
      active.set(next, fn);
      return next++;
    },
    clearInterval(handle) {
      active.delete(handle as number);
    },
  };
  return { timers, active, tick: () => [...active.values()].forEach((fn) => fn()) };
}

const pendingReads = new WeakMap<
  ReadableStreamDefaultReader<Uint8Array>,
  Promise<ReadableStreamReadResult<Uint8Array>>
>();

/** Reads what a stream has queued so far (never waits for more; an unfinished read is kept). */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, parser: SseParser) {
  const decoder = new TextDecoder();
  const messages = [];
  let done = false;
  while (true) {
    const read = pendingReads.get(reader) ?? reader.read();
    pendingReads.set(reader, read);
    const result = await Promise.race([
      read,
      new Promise<"empty">((r) => setTimeout(() => r("empty"), 0)),
    ]);
    if (result === "empty") break;
    pendingReads.delete(reader);
    if (result.done) {
      done = true;
      break;
    }
    messages.push(...parser.feed(decoder.decode(result.value, { stream: true })));
  }
  return { messages, done };
}

const job = (n: number): NewEvent => ({
  type: "job.progress",
  topic: "jobs",
  payload: { jobId: "job-1", progress: n },
});
const mode = (m: string): NewEvent => ({
  type: "governance.mode_changed",
  topic: "governance",
  payload: { mode: m },
});

function setup(options: { historySize?: number; queueLimit?: number; maxPerClient?: number } = {}) {
  const metrics = createAppMetrics();
  const bus = createMemoryBus({ clock: manualClock(), historySize: options.historySize ?? 50 });
  const hub = new SseHub({ maxConnections: 5, maxPerClient: options.maxPerClient ?? 3, metrics });
  const t = manualTimers();
  const deps = {
    bus,
    hub,
    heartbeatMs: 25_000,
    timers: t.timers,
    ...(options.queueLimit ? { queueLimit: options.queueLimit } : {}),
  };
  return { bus, hub, metrics, deps, ...t };
}

const hello = () => ({ mode: "DEMO", pinned: false, flags: {}, flagsMeta: [] });

Deno.test("formatSseEvent() writes id, event and one JSON data line; comments cannot inject fields", () => {
  assert.equal(
    formatSseEvent({ id: "5-0", event: "hello", data: { a: "x\ny" } }),
    'id: 5-0\nevent: hello\ndata: {"a":"x\\ny"}\n\n',
  );
  assert.equal(formatSseComment("a\nid: 9"), ": a id: 9\n\n");
  const parsed = new SseParser().feed(formatSseEvent({ id: "1-2", event: "e", data: [1] }));
  assert.deepEqual(parsed, [{ id: "1-2", event: "e", data: "[1]" }]);
});

Deno.test("a fresh stream sends retry, hello with the current position, then live events of its topic", async () => {
  const { bus, deps } = setup();
  const before = await bus.publish(job(0));
  const session = await openEventStream(deps, { topic: "jobs", clientKey: "user:1", hello });
  assert.ok(typeof session !== "string");
  const reader = session.stream.getReader();
  const parser = new SseParser();
  const first = await drain(reader, parser);
  assert.equal(parser.retry, 3000);
  const helloMessage = first.messages.find((m) => m.event === "hello")!;
  assert.equal(helloMessage.id, before.id);
  assert.deepEqual(JSON.parse(helloMessage.data), hello());

  await bus.publish(mode("LIVE")); // another topic
  const e1 = await bus.publish(job(1));
  const { messages } = await drain(reader, parser);
  assert.deepEqual(messages.map((m) => [m.id, m.event]), [[e1.id, "job.progress"]]);
  assert.deepEqual(JSON.parse(messages[0]!.data), e1);
  session.close();
});

Deno.test("Last-Event-ID replays exactly the missed events in order, then continues live without duplicates", async () => {
  const { bus, deps } = setup();
  const seen = await bus.publish(job(0));
  const missed: AppEvent[] = [];
  for (let i = 1; i <= 3; i++) missed.push(await bus.publish(job(i)));
  const session = await openEventStream(deps, {
    topic: "all",
    clientKey: "user:1",
    lastEventId: seen.id,
    hello,
  });
  assert.ok(typeof session !== "string");
  const reader = session.stream.getReader();
  const parser = new SseParser();
  const after = await bus.publish(job(4));
  const { messages } = await drain(reader, parser);
  const events = messages.filter((m) => m.event !== "hello" && m.data !== "");
  assert.deepEqual(events.map((m) => m.id), [...missed.map((e) => e.id), after.id]);
  session.close();
});

Deno.test("a Last-Event-ID older than the history gets resync, then live events", async () => {
  const { bus, deps } = setup({ historySize: 2 });
  const old = await bus.publish(job(0));
  for (let i = 1; i <= 4; i++) await bus.publish(job(i));
  const position = bus.lastId();
  const session = await openEventStream(deps, {
    topic: "all",
    clientKey: "user:1",
    lastEventId: old.id,
    hello,
  });
  assert.ok(typeof session !== "string");
  const reader = session.stream.getReader();
  const parser = new SseParser();
  const next = await bus.publish(job(5));
  const { messages } = await drain(reader, parser);
  const kinds = messages.filter((m) => m.data !== "").map((m) => m.event);
  assert.deepEqual(kinds, ["hello", "resync", "job.progress"]);
  assert.equal(messages.find((m) => m.event === "resync")!.id, position);
  assert.equal(messages.at(-1)!.id, next.id);
  session.close();
});

Deno.test("the heartbeat is a comment every interval, and stops when the stream ends", async () => {
  const { deps, tick, active } = setup();
  const session = await openEventStream(deps, { topic: "all", clientKey: "user:1", hello });
  assert.ok(typeof session !== "string");
  const reader = session.stream.getReader();
  const parser = new SseParser();
  await drain(reader, parser);
  tick();
  tick();
  await drain(reader, parser);
  assert.equal(parser.comments, 2);
  session.close();
  assert.equal(active.size, 0, "no timer left behind");
});

Deno.test("a slow client that overflows its queue is disconnected; others keep receiving", async () => {
  const { bus, deps, hub } = setup({ queueLimit: 8 });
  const slow = await openEventStream(deps, { topic: "all", clientKey: "user:slow", hello });
  const fast = await openEventStream(deps, { topic: "all", clientKey: "user:fast", hello });
  assert.ok(typeof slow !== "string" && typeof fast !== "string");
  const fastReader = fast.stream.getReader();
  const parser = new SseParser();
  let received = 0;
  for (let i = 0; i < 20; i++) {
    await bus.publish(job(i));
    received += (await drain(fastReader, parser)).messages.filter((m) =>
      m.event === "job.progress"
    ).length;
  }
  assert.equal(received, 20);
  assert.equal(slow.closed, true);
  assert.equal(fast.closed, false);
  assert.equal(hub.size, 1);
  // What the slow client had queued is still readable, then the stream ends.
  const slowRead = await drain(slow.stream.getReader(), new SseParser());
  assert.equal(slowRead.done, true);
  fast.close();
});

Deno.test("connection caps: per client and global, refused with the cap's name", async () => {
  const { deps, hub, metrics } = setup({ maxPerClient: 2 });
  const a = await openEventStream(deps, { topic: "all", clientKey: "user:a", hello });
  const b = await openEventStream(deps, { topic: "all", clientKey: "user:a", hello });
  assert.equal(await openEventStream(deps, { topic: "all", clientKey: "user:a", hello }), "client");
  const others = [];
  for (const key of ["user:b", "user:c", "user:d"]) {
    others.push(await openEventStream(deps, { topic: "all", clientKey: key, hello }));
  }
  assert.equal(await openEventStream(deps, { topic: "all", clientKey: "user:e", hello }), "global");
  assert.equal(await metrics.sseConnections.value(), 5);
  hub.closeAll();
  assert.equal(hub.size, 0);
  assert.equal(await metrics.sseConnections.value(), 0);
  for (const s of [a, b, ...others]) assert.ok(typeof s !== "string" && s.closed);
});

Deno.test("cancelling the body or aborting the request frees the subscription, the timer and the slot", async () => {
  const { bus, deps, hub, active } = setup();
  const baseline = bus.subscriberCount();
  for (let i = 0; i < 50; i++) {
    const controller = new AbortController();
    const session = await openEventStream(deps, {
      topic: "all",
      clientKey: "user:1",
      hello,
      signal: controller.signal,
    });
    assert.ok(typeof session !== "string");
    if (i % 2 === 0) await session.stream.cancel();
    else controller.abort();
  }
  assert.equal(bus.subscriberCount(), baseline);
  assert.equal(hub.size, 0);
  assert.equal(hub.countFor("user:1"), 0);
  assert.equal(active.size, 0);
});

Deno.test("a replay longer than the queue is written as the client reads it, then continues live", async () => {
  const { bus, deps, tick } = setup({ queueLimit: 8, historySize: 100 });
  const first = await bus.publish(job(0));
  const later: AppEvent[] = [];
  for (let i = 1; i < 60; i++) later.push(await bus.publish(job(i)));
  const session = await openEventStream(deps, {
    topic: "jobs",
    clientKey: "user:1",
    lastEventId: first.id,
    hello,
  });
  assert.ok(typeof session !== "string");
  const reader = session.stream.getReader();
  const parser = new SseParser();
  // The client reads in small steps; a heartbeat and live events arrive meanwhile.
  tick();
  const live = await bus.publish(job(60));
  const ids: string[] = [];
  for (let round = 0; round < 200 && ids.length < 60; round++) {
    const { messages, done } = await drain(reader, parser);
    assert.equal(done, false, "the stream stays open");
    ids.push(...messages.filter((m) => m.event === "job.progress").map((m) => m.id!));
  }
  assert.deepEqual(ids, [...later, live].map((e) => e.id));
  assert.equal(parser.comments, 1, "the heartbeat found room");
  const next = await bus.publish(job(61));
  const { messages } = await drain(reader, parser);
  assert.deepEqual(messages.map((m) => m.id), [next.id]);
  session.close();
});

Deno.test("a client that reads nothing while live events pile up behind its replay is disconnected", async () => {
  const { bus, deps, hub } = setup({ queueLimit: 4, historySize: 100 });
  const first = await bus.publish(job(0));
  for (let i = 1; i < 20; i++) await bus.publish(job(i));
  const session = await openEventStream(deps, {
    topic: "jobs",
    clientKey: "user:1",
    lastEventId: first.id,
    hello,
  });
  assert.ok(typeof session !== "string");
  for (let i = 0; i < 4; i++) await bus.publish(job(i));
  assert.equal(session.closed, false, "waiting for the client is not overflow");
  await bus.publish(job(5));
  assert.equal(session.closed, true, "more live events than the queue holds: overflow");
  assert.equal(hub.size, 0);
});

Deno.test("a hello that lacks an event's effect claims no id; that event and the later ones follow it", async () => {
  const { bus, deps } = setup();
  const earlier = await bus.publish(job(0));
  const change = await bus.publish(mode("LIVE"));
  const later = await bus.publish(job(1));
  const open = async (lastEventId?: string) => {
    const session = await openEventStream(deps, {
      topic: "all",
      clientKey: "user:1",
      hello,
      unapplied: () => change,
      ...(lastEventId ? { lastEventId } : {}),
    });
    assert.ok(typeof session !== "string");
    const { messages } = await drain(session.stream.getReader(), new SseParser());
    session.close();
    return messages.filter((m) => m.data !== "").map((m) => `${m.event}@${m.id ?? ""}`);
  };
  const expected = ["hello@", `governance.mode_changed@${change.id}`, `job.progress@${later.id}`];
  assert.deepEqual(await open(), expected, "fresh: no position on the hello");
  assert.deepEqual(await open(later.id), expected, "a client past the change gets it again");
  assert.deepEqual(await open(earlier.id), expected, "a client before it: the usual replay");
});
