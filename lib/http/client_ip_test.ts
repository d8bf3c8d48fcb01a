import assert from "node:assert/strict";
import { Hono } from "hono";
import { clientIpFrom, resolveClientIp } from "./client_ip.ts";

const SOCKET = "10.0.0.2";

Deno.test("clientIpFrom() ignores X-Forwarded-For without trusted proxies", () => {
  assert.equal(clientIpFrom("198.51.100.7", SOCKET, 0), SOCKET);
  assert.equal(clientIpFrom(undefined, SOCKET, 0), SOCKET);
  assert.equal(clientIpFrom("198.51.100.7", undefined, 0), "unknown");
});

Deno.test("clientIpFrom() with one proxy takes the right-most address", () => {
  assert.equal(clientIpFrom("203.0.113.5", SOCKET, 1), "203.0.113.5");
  assert.equal(clientIpFrom("198.51.100.1, 203.0.113.5", SOCKET, 1), "203.0.113.5");
});

Deno.test("clientIpFrom() with two proxies takes the second address from the right", () => {
  assert.equal(clientIpFrom("203.0.113.5, 10.1.1.1", SOCKET, 2), "203.0.113.5");
  assert.equal(clientIpFrom("198.51.100.1,203.0.113.5,10.1.1.1", SOCKET, 2), "203.0.113.5");
});

Deno.test("clientIpFrom() never uses addresses the client put left of the trusted hops", () => {
  // An appending proxy forwards "<client-supplied>, <real client>".
  assert.equal(clientIpFrom("10.0.0.1, 198.51.100.7", SOCKET, 1), "198.51.100.7");
  assert.equal(clientIpFrom("127.0.0.1, 10.0.0.1, 203.0.113.5", SOCKET, 1), "203.0.113.5");
  // Garbage and empty entries on the client's side do not shift the count.
  assert.equal(clientIpFrom("not-an-ip,, 203.0.113.5", SOCKET, 1), "203.0.113.5");
  assert.equal(clientIpFrom("<script>, 203.0.113.5, 10.1.1.1", SOCKET, 2), "203.0.113.5");
});

Deno.test("clientIpFrom() falls back to the socket address when the header is too short", () => {
  assert.equal(clientIpFrom(undefined, SOCKET, 1), SOCKET);
  assert.equal(clientIpFrom("203.0.113.5", SOCKET, 2), SOCKET);
  assert.equal(clientIpFrom("203.0.113.5, 10.1.1.1", SOCKET, 3), SOCKET);
  assert.equal(clientIpFrom("203.0.113.5", undefined, 2), "unknown");
});

Deno.test("clientIpFrom() falls back to the socket address when a trusted entry is not an address", () => {
  for (
    const header of [
      "",
      " ",
      "unknown",
      "203.0.113.5,",
      "203.0.113.5, ",
      "203.0.113",
      "256.1.1.1",
      "203.0.113.5 198.51.100.7",
      "example.org",
      "[2001:db8::1",
      "2001:db8::1]:443",
      "203.0.113.5:99999",
      "203.0.113.5:port",
    ]
  ) {
    assert.equal(clientIpFrom(header, SOCKET, 1), SOCKET, JSON.stringify(header));
  }
  // The client's entry is fine but one a trusted proxy appended is not: nothing can be placed.
  assert.equal(clientIpFrom("203.0.113.5, garbage", SOCKET, 2), SOCKET);
});

Deno.test("clientIpFrom() reads IPv6 addresses, bracketed or not", () => {
  assert.equal(clientIpFrom("2001:db8::1", SOCKET, 1), "2001:db8::1");
  assert.equal(clientIpFrom("[2001:db8::1]", SOCKET, 1), "2001:db8::1");
  assert.equal(clientIpFrom("::ffff:203.0.113.5", SOCKET, 1), "::ffff:203.0.113.5");
  assert.equal(clientIpFrom("2001:db8::9, 2001:db8::1, 10.1.1.1", SOCKET, 2), "2001:db8::1");
});

Deno.test("clientIpFrom() drops ports from IPv4 and bracketed IPv6 entries", () => {
  assert.equal(clientIpFrom("203.0.113.5:51234", SOCKET, 1), "203.0.113.5");
  assert.equal(clientIpFrom("[2001:db8::1]:443", SOCKET, 1), "2001:db8::1");
  assert.equal(clientIpFrom("198.51.100.7, 203.0.113.5:8080", SOCKET, 1), "203.0.113.5");
});

Deno.test("resolveClientIp() reads the header and the socket of a request", async () => {
  const seen: string[] = [];
  for (const trust of [0, 1, 2, false, true]) {
    const app = new Hono();
    app.get("/", (c) => {
      seen.push(resolveClientIp(c, trust));
      return c.text("ok");
    });
    const response = await app.request("/", {
      headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.5, 10.1.1.1" },
    }, { remoteAddr: { hostname: SOCKET, port: 40000, transport: "tcp" } });
    await response.body?.cancel();
  }
  assert.deepEqual(seen, [SOCKET, "10.1.1.1", "203.0.113.5", SOCKET, "10.1.1.1"]);
});
