/** A real HTTP server on 127.0.0.1 that counts the requests it receives. */

export interface Loopback {
  url: string;
  port: number;
  /** Requests received so far (method and path). */
  hits: Array<{ method: string; path: string; body: string; headers: Headers }>;
  close(): Promise<void>;
}

/** Starts a server on a free loopback port; `handler` answers each request. */
export function startLoopback(
  handler: (request: Request, hit: number) => Response | Promise<Response> = () =>
    new Response("ok"),
): Loopback {
  const hits: Loopback["hits"] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const body = await request.text();
      hits.push({
        method: request.method,
        path: new URL(request.url).pathname,
        body,
        headers: request.headers,
      });
      return await handler(request, hits.length);
    },
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () => server.shutdown(),
  };
}
