/**
 * A TCP forwarder in front of Redis for stall tests: what a stopped Redis process, a blackholed
 * network or a half-dead path looks like to the client (bytes stop, nothing is closed).
 */
import { TEST_REDIS_URL } from "./env.ts";

/** The test Redis's host and port. */
export const redisTarget = () => {
  const url = new URL(TEST_REDIS_URL!);
  return { hostname: url.hostname, port: Number(url.port || 6379) };
};

/**
 * A TCP forwarder. `stall()` holds every byte either way until `resume()`; `stallOn(text)` does so
 * from the first client chunk holding `text` (that chunk included), so a test can stop the server
 * answering at one exact statement; `blackholeExisting()` holds the bytes of the connections open
 * now for ever (closing nothing) while new connections are forwarded as usual.
 */
export function stallingProxy(target: { hostname: string; port: number }) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const clients = new Set<Deno.Conn>();
  const frozen = new Set<Deno.Conn>();
  let stalled = false;
  let trigger: Uint8Array | undefined;
  let waiters: Array<() => void> = [];
  const never = new Promise<void>(() => {});
  const gate = (from: Deno.Conn) =>
    frozen.has(from)
      ? never
      : stalled
      ? new Promise<void>((resolve) => waiters.push(resolve))
      : undefined;
  const close = (conn: Deno.Conn) => {
    open.delete(conn);
    clients.delete(conn);
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  async function forward(from: Deno.Conn, to: Deno.Conn) {
    const writer = to.writable.getWriter();
    try {
      for await (const chunk of from.readable) {
        if (trigger && clients.has(from) && holds(chunk, trigger)) stalled = true;
        await gate(from);
        await writer.write(chunk);
      }
    } catch {
      /* closed */
    } finally {
      writer.releaseLock();
      close(from);
      close(to);
    }
  }
  void (async () => {
    try {
      for await (const client of listener) {
        try {
          const server = await Deno.connect(target);
          open.add(client).add(server);
          clients.add(client);
          void forward(client, server);
          void forward(server, client);
        } catch {
          client.close();
        }
      }
    } catch { /* listener closed */ }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stall() {
      stalled = true;
    },
    stallOn(text: string) {
      trigger = new TextEncoder().encode(text);
    },
    resume() {
      stalled = false;
      const due = waiters;
      waiters = [];
      for (const wake of due) wake();
    },
    blackholeExisting() {
      for (const conn of open) frozen.add(conn);
    },
    close() {
      this.resume();
      try {
        listener.close();
      } catch { /* closed */ }
      for (const conn of [...open]) close(conn);
    },
  };
}

/** True when `bytes` holds `part` (a chunk boundary may split a statement: tests use short texts). */
function holds(bytes: Uint8Array, part: Uint8Array): boolean {
  outer: for (let start = 0; start + part.length <= bytes.length; start++) {
    for (let i = 0; i < part.length; i++) if (bytes[start + i] !== part[i]) continue outer;
    return true;
  }
  return false;
}
