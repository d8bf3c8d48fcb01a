/**
 * SSE fan-out harness: N concurrent clients on /api/stream of one instance,
 * one event published at a time, and for each event the latency from publish
 * to receipt at every client (p50 / p99 / max), plus the server's memory per
 * open stream (RSS and V8 heap after a GC, before vs with N streams open) and
 * whether memory and stream count return to baseline after every client left.
 *
 *   deno run -A bench/sse_fanout.ts [--clients 2000] [--events 5] [--redis]
 *
 * The server runs in its own process (bench/sse_fanout_server.ts), so client
 * work does not distort its memory. Clients are raw HTTP/1.1 connections; the
 * latency is measured on the harness clock from just before the publish
 * request to the arrival of the chunk holding the event, so it includes the
 * control request (~1 ms) and the harness reading 10,000 sockets in turn.
 * `--redis` publishes through Redis Streams (REDIS_URL or TEST_REDIS_URL).
 * Results go in docs/realtime.md.
 */

import { argument, percentile, spawnServer } from "./harness.ts";

const clients = argument("clients", 2000);
const events = argument("events", 5);
const useRedis = Deno.args.includes("--redis");
const redisUrl = Deno.env.get("REDIS_URL") ?? Deno.env.get("TEST_REDIS_URL");
if (useRedis && !redisUrl) throw new Error("--redis needs REDIS_URL or TEST_REDIS_URL");

const serverScript = new URL("./sse_fanout_server.ts", import.meta.url).pathname;
const { child, info: { port, control, cookie } } = await spawnServer<{
  port: number;
  control: number;
  cookie: string;
}>(serverScript, {
  denoFlags: ["--v8-flags=--expose-gc"],
  ...(useRedis ? { env: { REDIS_URL: redisUrl! } } : {}),
});
const ctl = (path: string) => fetch(`http://127.0.0.1:${control}${path}`).then((r) => r.json());

interface Client {
  conn: Deno.TcpConn;
  tail: string;
  hello: boolean;
  got: Map<number, number>;
  closed: boolean;
}

const decoder = new TextDecoder();
let awaited = -1;
let publishedAt = 0;
const request = new TextEncoder().encode(
  `GET /api/stream?topic=jobs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\n` +
    `Accept: text/event-stream\r\n\r\n`,
);

async function pump(client: Client): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    while (true) {
      const n = await client.conn.read(buffer);
      if (n === null) break;
      const now = performance.now();
      const text = client.tail + decoder.decode(buffer.subarray(0, n));
      if (!client.hello && text.includes("event: hello")) client.hello = true;
      if (awaited >= 0 && !client.got.has(awaited) && text.includes(`"seq":${awaited}}`)) {
        client.got.set(awaited, now - publishedAt);
      }
      client.tail = text.slice(-64);
    }
  } catch {
    // closed by us
  }
  client.closed = true;
}

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function connect(): Promise<Client> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(request);
  const client: Client = { conn, tail: "", hello: false, got: new Map(), closed: false };
  void pump(client);
  return client;
}

function closeAll(list: Client[]): void {
  for (const client of list) {
    try {
      client.conn.close();
    } catch {
      // already closed
    }
  }
}

// Warm up (JIT, pools, first-use allocations), then take the baseline.
const warm = await Promise.all(Array.from({ length: 100 }, connect));
await until(() => warm.every((c) => c.hello), "warm-up hello");
closeAll(warm);
await until(() => warm.every((c) => c.closed), "warm-up closed");
await new Promise((r) => setTimeout(r, 1000));
const baseline = await ctl("/memory");
const all: Client[] = [];
const connectStarted = performance.now();
for (let i = 0; i < clients; i += 250) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(250, clients - i) }, connect),
  );
  all.push(...batch);
  await until(() => batch.every((c) => c.hello), "hello on every client of the batch");
}
const connectSeconds = (performance.now() - connectStarted) / 1000;
// Let the server settle, then measure.
await new Promise((r) => setTimeout(r, 500));
const open = await ctl("/memory");

const rounds: Array<{ p50: number; p99: number; max: number }> = [];
for (let seq = 1; seq <= events; seq++) {
  awaited = seq;
  publishedAt = performance.now();
  await ctl(`/publish?seq=${seq}`);
  await until(() => all.every((c) => c.got.has(seq)), `event ${seq} at every client`);
  const latencies = all.map((c) => c.got.get(seq)!).sort((a, b) => a - b);
  rounds.push({
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1)!,
  });
  await new Promise((r) => setTimeout(r, 200));
}

closeAll(all);
await until(() => all.every((c) => c.closed), "clients closed");
await until(() => false, "settle", 1500).catch(() => {});
const after = await ctl("/memory");
await fetch(`http://127.0.0.1:${control}/stop`).then((r) => r.body?.cancel());
await child.status;

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const kbPer = (delta: number) => (delta / clients / 1024).toFixed(1);
const fmt = (ms: number) => ms.toFixed(1);
const lines = [
  `SSE fan-out: ${clients} clients, ${events} events, bus ${
    useRedis ? "Redis Streams" : "in-process"
  }`,
  `connect + hello for all clients: ${connectSeconds.toFixed(1)} s`,
  "",
  "| event | p50 ms | p99 ms | max ms |",
  "| --- | --- | --- | --- |",
  ...rounds.map((r, i) => `| ${i + 1} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} |`),
  "",
  `server memory, baseline: RSS ${mb(baseline.rss)} MB, heap ${mb(baseline.heapUsed)} MB`,
  `with ${open.streams} streams: RSS ${mb(open.rss)} MB, heap ${mb(open.heapUsed)} MB`,
  `per stream: RSS ${kbPer(open.rss - baseline.rss)} KB, heap ${
    kbPer(open.heapUsed - baseline.heapUsed)
  } KB`,
  `after all clients left: ${after.streams} streams, RSS ${mb(after.rss)} MB, heap ${
    mb(after.heapUsed)
  } MB`,
];
await Deno.stdout.write(new TextEncoder().encode(lines.join("\n") + "\n"));
