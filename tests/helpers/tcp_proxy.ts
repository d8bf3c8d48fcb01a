/**
 * A TCP proxy for failure tests: in front of Postgres or Redis, it can be stopped and started
 * again on the same port (the service "goes away"), or cut one connection right after the
 * server has answered a given command (the command ran, its reply is lost).
 */

export interface TcpProxy {
  /** The port it listens on (fixed after the first start). */
  readonly port: number;
  start(): void;
  /** Closes the listener and every open connection. */
  stop(): void;
  /**
   * Arms the proxy: when the server answers the next chunk holding `marker` (e.g. "XADD"), the
   * reply is not passed on and that connection is cut (the command ran; the client cannot know).
   * With `everyConnection`, every other connection is cut before the command is passed on, so
   * no other client through the proxy sees its effect either. Resolves once a reply was dropped.
   */
  dropNextReplyTo(marker: string, options?: { everyConnection?: boolean }): Promise<void>;
}

/** Starts nothing yet: call start(). */
export function tcpProxy(target: { hostname: string; port: number }): TcpProxy {
  let listener: Deno.Listener | undefined;
  const open = new Set<Deno.Conn>();
  let port = 0;
  let armed: { marker: string; everyConnection: boolean; dropped: () => void } | undefined;
  const text = new TextDecoder();

  function close(conn: Deno.Conn) {
    open.delete(conn);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  /** Copies from → to until either side ends; `cut` decides, per chunk, to end both instead. */
  async function forward(from: Deno.Conn, to: Deno.Conn, cut: (chunk: Uint8Array) => boolean) {
    const writer = to.writable.getWriter();
    try {
      for await (const chunk of from.readable) {
        if (cut(chunk)) break;
        await writer.write(chunk);
      }
    } catch {
      // closed by stop() or by the other side
    } finally {
      writer.releaseLock();
      close(from);
      close(to);
    }
  }

  async function accept(l: Deno.Listener) {
    for await (const client of l) {
      try {
        const server = await Deno.connect(target);
        open.add(client).add(server);
        // Set when this connection sent the armed command: its next reply is dropped.
        let dropReply: typeof armed;
        void forward(client, server, (chunk) => {
          if (armed !== undefined && text.decode(chunk).includes(armed.marker)) {
            dropReply = armed;
            armed = undefined;
            if (dropReply.everyConnection) {
              for (const conn of [...open]) if (conn !== client && conn !== server) close(conn);
            }
          }
          return false;
        });
        void forward(server, client, () => {
          if (dropReply === undefined) return false;
          queueMicrotask(dropReply.dropped);
          return true;
        });
      } catch {
        client.close();
      }
    }
  }

  return {
    get port() {
      return port;
    },
    start() {
      listener = Deno.listen({ hostname: "127.0.0.1", port });
      port = (listener.addr as Deno.NetAddr).port;
      void accept(listener).catch(() => {});
    },
    stop() {
      listener?.close();
      listener = undefined;
      for (const conn of [...open]) close(conn);
    },
    dropNextReplyTo(marker, options) {
      return new Promise((resolve) => {
        armed = { marker, everyConnection: options?.everyConnection ?? false, dropped: resolve };
      });
    },
  };
}
