/**
 * connectLive() with a fake EventSource and a fake document: a hidden page gives its stream
 * back (after the grace, or at once on pagehide) and opens it again from the last event id when
 * shown; a quick tab switch keeps it; a page loaded hidden opens it when first shown.
 */
import assert from "node:assert/strict";
import { connectLive, type LiveOptions, type LiveStatus } from "./live_client.ts";
import { until } from "../../tests/helpers/wait.ts";

class FakeEventSource extends EventTarget {
  static all: FakeEventSource[] = [];
  closed = false;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    super();
    FakeEventSource.all.push(this);
  }
  close(): void {
    this.closed = true;
  }
  send(type: string, data: unknown, id?: string): void {
    this.dispatchEvent(
      new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id ?? "" }),
    );
  }
  fail(): void {
    this.onerror?.();
  }
}

class FakeDocument extends EventTarget {
  hidden = false;
  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    this.dispatchEvent(new Event("visibilitychange"));
  }
}

interface Harness {
  doc: FakeDocument;
  statuses: LiveStatus[];
  events: string[];
  polls: number;
  open(): FakeEventSource[];
  stop(): void;
}

/** Runs `fn` with the fakes installed on globalThis, and removes them afterwards. */
async function withLive(
  fn: (h: Harness) => void | Promise<void>,
  options: Partial<LiveOptions> & { loadHidden?: boolean } = {},
): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const saved = { EventSource: g.EventSource, document: g.document };
  const doc = new FakeDocument();
  doc.hidden = options.loadHidden ?? false;
  FakeEventSource.all = [];
  g.EventSource = FakeEventSource;
  g.document = doc;
  const h: Harness = {
    doc,
    statuses: [],
    events: [],
    polls: 0,
    open: () => FakeEventSource.all.filter((s) => !s.closed),
    stop: () => {},
  };
  try {
    h.stop = connectLive({
      url: "/api/stream?topic=jobs",
      events: ["job.started"],
      onHello: () => h.events.push("hello"),
      onEvent: (event) => h.events.push(event.type),
      poll: () => {
        h.polls++;
        return Promise.resolve();
      },
      onStatus: (status) => h.statuses.push(status),
      hiddenGraceMs: 20,
      backoffMs: 5,
      pollMs: 1000,
      ...options,
    });
    await fn(h);
  } finally {
    h.stop();
    g.EventSource = saved.EventSource;
    if (saved.document === undefined) delete g.document;
    else g.document = saved.document;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("live client: a hidden page closes its stream after the grace and resumes from the last id when shown", async () => {
  await withLive(async (h) => {
    const [first] = h.open();
    assert.ok(first);
    assert.equal(first.url, "/api/stream?topic=jobs");
    first.send("hello", { mode: "DEMO" }, "5-0");
    first.send("job.started", { type: "job.started" }, "7-0");
    assert.deepEqual(h.statuses, ["connecting", "live"]);

    h.doc.setHidden(true);
    await until(() => first.closed, "the stream to close");
    assert.equal(h.open().length, 0);
    assert.equal(h.polls, 0, "a hidden page does not poll");
    assert.deepEqual(h.statuses, ["connecting", "live"], "no status change while hidden");

    h.doc.setHidden(false);
    const [second] = h.open();
    assert.ok(second, "shown again: the stream opens at once");
    assert.equal(second.url, "/api/stream?topic=jobs&lastEventId=7-0");
    assert.deepEqual(h.statuses, ["connecting", "live", "connecting"]);
    second.send("hello", { mode: "DEMO" });
    assert.deepEqual(h.statuses, ["connecting", "live", "connecting", "live"]);
  });
});

Deno.test("live client: a quick tab switch keeps the stream", async () => {
  await withLive(async (h) => {
    const [first] = h.open();
    first!.send("hello", {}, "1-0");
    h.doc.setHidden(true);
    h.doc.setHidden(false);
    await sleep(60);
    assert.equal(first!.closed, false);
    assert.equal(FakeEventSource.all.length, 1);
  }, { hiddenGraceMs: 40 });
});

Deno.test("live client: a page loaded hidden opens its stream when first shown", async () => {
  await withLive((h) => {
    assert.equal(FakeEventSource.all.length, 0);
    assert.deepEqual(h.statuses, []);
    h.doc.setHidden(false);
    assert.equal(h.open().length, 1);
    assert.deepEqual(h.statuses, ["connecting"]);
  }, { loadHidden: true });
});

Deno.test("live client: pagehide closes the stream at once, pageshow opens it again", async () => {
  await withLive((h) => {
    const [first] = h.open();
    first!.send("hello", {}, "3-0");
    globalThis.dispatchEvent(new Event("pagehide"));
    assert.equal(first!.closed, true);
    globalThis.dispatchEvent(new Event("pageshow"));
    const [second] = h.open();
    assert.equal(second?.url, "/api/stream?topic=jobs&lastEventId=3-0");
  });
});

Deno.test("live client: a hidden page stops polling and retrying a down stream, and retries when shown", async () => {
  await withLive(async (h) => {
    const [first] = h.open();
    first!.fail();
    assert.equal(h.polls, 1);
    assert.deepEqual(h.statuses, ["connecting", "polling"]);
    globalThis.dispatchEvent(new Event("pagehide"));
    const count = FakeEventSource.all.length;
    await sleep(50);
    assert.equal(FakeEventSource.all.length, count, "no retry while hidden");
    globalThis.dispatchEvent(new Event("pageshow"));
    assert.equal(h.open().length, 1);
    assert.equal(h.statuses.at(-1), "connecting");
  });
});

Deno.test("live client: once stopped, showing the page opens nothing", async () => {
  await withLive((h) => {
    h.stop();
    h.doc.setHidden(true);
    h.doc.setHidden(false);
    globalThis.dispatchEvent(new Event("pageshow"));
    assert.equal(h.open().length, 0);
  });
});
