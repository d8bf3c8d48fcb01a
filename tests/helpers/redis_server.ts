/**
 * A private redis-server process on a free loopback port, so a test can stop
 * and restart Redis without disturbing anything else on the machine.
 */
import { which } from "./env.ts";

export interface RedisServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitForPort(port: number, up: boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      if (up) return;
    } catch {
      if (!up) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server port ${port} did not go ${up ? "up" : "down"}`);
}

/** The redis-server binary, if installed. */
export function redisServerBinary(): string | undefined {
  return which("redis-server");
}

/** Creates (but does not start) a private Redis server. */
export function privateRedis(): RedisServer {
  const binary = redisServerBinary();
  if (!binary) throw new Error("redis-server is not installed");
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = new Deno.Command(binary, {
        args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitForPort(port, true);
    },
    async stop() {
      if (!child) return;
      child.kill("SIGKILL");
      await child.status;
      child = undefined;
      await waitForPort(port, false);
    },
  };
}
