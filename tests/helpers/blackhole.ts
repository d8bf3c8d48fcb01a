/** A TCP listener that accepts connections and never answers (a blackholed server). */
export function blackhole(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch { /* closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      listener.close();
    },
  };
}
