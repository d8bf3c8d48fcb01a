/**
 * One event stream and the news of its caller's credential (`credentialNews` of
 * `openEventStream`), on the in-process bus with timers that fire when told: the stream ends at
 * once when told its credential ended, and a re-check that cannot tell (the database is down)
 * keeps it only while the credential is beyond doubt — confirmed by a re-check since it opened
 * and since the last point where news may have been missed, while news is heard.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { createMemoryBus } from "../lib/realtime/memory_bus.ts";
import { SseHub, type SseSession, type Timers } from "../lib/realtime/sse.ts";
import {
  type CredentialNews,
  type CredentialWatcher,
  openEventStream,
} from "../lib/realtime/stream.ts";

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
  return { timers, tick: () => [...active.values()].forEach((fn) => fn()) };
}

/** News that the test tells; the registered watchers are kept in the order of registration. */
function testNews() {
  const watchers = new Set<CredentialWatcher>();
  let hearing = true;
  const news: CredentialNews = {
    watch(watcher) {
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },
    hearing: () => hearing,
  };
  return {
    news,
    watchers,
    setHearing(value: boolean) {
      hearing = value;
    },
  };
}

/** A re-check the test answers: each call waits until `answer` (true, false or "cannot tell"). */
function testRecheck() {
  const waiting: Array<(answer: boolean | "cannot tell") => void> = [];
  return {
    check: () =>
      new Promise<boolean>((resolve, reject) => {
        waiting.push((answer) =>
          answer === "cannot tell" ? reject(new Error("database down")) : resolve(answer)
        );
      }),
    get asked() {
      return waiting.length;
    },
    async answer(answer: boolean | "cannot tell") {
      const next = waiting.shift();
      assert.ok(next, "a re-check is waiting");
      next(answer);
      // Let the stream see the answer.
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

function setup() {
  const bus = createMemoryBus({ clock: manualClock(), historySize: 10 });
  const hub = new SseHub({ maxConnections: 10, maxPerClient: 10 });
  const t = manualTimers();
  return { bus, hub, tick: t.tick, deps: { bus, hub, heartbeatMs: 25_000, timers: t.timers } };
}

const hello = () => ({ mode: "DEMO", pinned: false, flags: {}, flagsMeta: [] });

async function open(
  deps: ReturnType<typeof setup>["deps"],
  options: { news?: CredentialNews; check?: () => Promise<boolean>; clientKey?: string } = {},
): Promise<SseSession> {
  const session = await openEventStream(deps, {
    topic: "all",
    clientKey: options.clientKey ?? "user:1",
    hello,
    ...(options.check ? { stillAuthorized: options.check } : {}),
    ...(options.news ? { credentialNews: options.news } : {}),
  });
  assert.ok(typeof session !== "string");
  return session;
}

Deno.test("a stream told its credential ended closes at once, without a re-check; the others stay open", async () => {
  const { deps, hub } = setup();
  const { news, watchers } = testNews();
  const ended = await open(deps, { news });
  const other = await open(deps, { news, clientKey: "user:2" });
  const [endedWatcher] = [...watchers];
  assert.equal(watchers.size, 2);

  assert.equal(endedWatcher!.end(), true);
  assert.equal(ended.closed, true);
  assert.equal(other.closed, false);
  assert.equal(hub.size, 1);
  assert.equal(watchers.size, 1, "a closed stream is no longer registered");
  assert.equal(endedWatcher!.end(), false, "already closed");

  other.close("client");
  assert.equal(watchers.size, 0, "unregistered however it ends");
});

Deno.test("a stream is in doubt until a re-check confirms its credential: one that cannot tell first closes it", async () => {
  const { deps, tick } = setup();
  const { news } = testNews();
  const recheck = testRecheck();
  const session = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer("cannot tell");
  assert.equal(session.closed, true, "its end may have come before it was registered");

  // Without news of its credential (as before), a re-check that cannot tell keeps the stream.
  const plain = await open(deps, { check: recheck.check });
  tick();
  await recheck.answer("cannot tell");
  assert.equal(plain.closed, false);
  plain.close();
});

Deno.test("once confirmed, a stream survives re-checks that cannot tell, until news may have been missed", async () => {
  const { deps, tick } = setup();
  const { news, watchers } = testNews();
  const recheck = testRecheck();
  const session = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer(true);
  for (let i = 0; i < 3; i++) {
    tick();
    await recheck.answer("cannot tell");
  }
  assert.equal(session.closed, false, "confirmed: kept while the database is down");

  [...watchers][0]!.doubt();
  assert.equal(session.closed, false, "a doubt alone does not close it");
  tick();
  await recheck.answer("cannot tell");
  assert.equal(session.closed, true, "in doubt and cannot tell: closed");
});

Deno.test("a doubt raised while a re-check is under way is not answered by that re-check", async () => {
  const { deps, tick } = setup();
  const { news, watchers } = testNews();
  const recheck = testRecheck();
  const session = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer(true);

  tick(); // asks; the answer may come from memory read before the doubt
  [...watchers][0]!.doubt();
  await recheck.answer(true);
  tick();
  await recheck.answer("cannot tell");
  assert.equal(session.closed, true);
});

Deno.test("a doubt answered by a later confirmation keeps the stream through re-checks that cannot tell", async () => {
  const { deps, tick } = setup();
  const { news, watchers } = testNews();
  const recheck = testRecheck();
  const session = await open(deps, { news, check: recheck.check });
  [...watchers][0]!.doubt();
  tick();
  await recheck.answer(true);
  tick();
  await recheck.answer("cannot tell");
  assert.equal(session.closed, false);
  session.close();
});

Deno.test("while news is not heard, a re-check that cannot tell closes even a confirmed stream; one that confirms keeps it", async () => {
  const { deps, tick } = setup();
  const { news, setHearing } = testNews();
  const recheck = testRecheck();
  const session = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer(true);

  setHearing(false);
  tick();
  await recheck.answer(true);
  assert.equal(session.closed, false, "the database still answers for it");
  tick();
  await recheck.answer("cannot tell");
  assert.equal(session.closed, true);
  assert.equal(recheck.asked, 0);
});

Deno.test("a re-check that answers false still closes the stream", async () => {
  const { deps, tick } = setup();
  const { news } = testNews();
  const recheck = testRecheck();
  const session = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer(false);
  assert.equal(session.closed, true);
});

Deno.test("a re-check that does not answer within an interval ends a stream in doubt, and is not asked again meanwhile", async () => {
  const { deps, tick } = setup();
  const { news, watchers } = testNews();
  const recheck = testRecheck();
  const doubted = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer(true);

  [...watchers][0]!.doubt();
  tick(); // the database hangs: no answer
  tick();
  assert.equal(doubted.closed, true, "in doubt and no answer within an interval");
  assert.equal(recheck.asked, 1, "one question at a time");
  await recheck.answer(true); // a late answer changes nothing
  assert.equal(doubted.closed, true);

  // Beyond doubt, a stream waits for the answer (as before), one question at a time.
  const confirmed = await open(deps, { news, check: recheck.check });
  tick();
  await recheck.answer(true);
  tick();
  tick();
  tick();
  assert.equal(confirmed.closed, false);
  assert.equal(recheck.asked, 1);
  await recheck.answer("cannot tell");
  tick();
  assert.equal(recheck.asked, 1, "asked again once answered");
  await recheck.answer(true);
  assert.equal(confirmed.closed, false);
  confirmed.close();
});
