import assert from "node:assert/strict";
import { Hono } from "hono";
import { ConfigError } from "../config.ts";
import { clientIpBehind, clientIpFrom, proxyTrust, resolveClientIp } from "./client_ip.ts";
import { ipMatcher } from "./ip_match.ts";

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

Deno.test("resolveClientIp() without TRUSTED_PROXY_IPS reads the header from any socket (development)", async () => {
  const seen: string[] = [];
  for (const trust of [0, 1, 2, false, true]) {
    const app = new Hono();
    app.get("/", async (c) => {
      seen.push(await resolveClientIp(c, proxyTrust(trust)));
      return c.text("ok");
    });
    const response = await app.request("/", {
      headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.5, 10.1.1.1" },
    }, { remoteAddr: { hostname: SOCKET, port: 40000, transport: "tcp" } });
    await response.body?.cancel();
  }
  assert.deepEqual(seen, [SOCKET, "10.1.1.1", "203.0.113.5", SOCKET, "10.1.1.1"]);
});

// --- With TRUSTED_PROXY_IPS -------------------------------------------------------------------

/** The ingress controller's pods (IPv4 and IPv6) and a load balancer in front of it. */
const PROXIES = ["10.0.0.0/24", "fd00:10::/64", "192.0.2.10"];
const isProxy = ipMatcher(PROXIES);
const INGRESS = "10.0.0.3";
const OUTSIDER = "10.9.0.7";

Deno.test("ipMatcher() matches addresses and ranges, IPv4, IPv6 and IPv4-mapped IPv6, like the other IP lists", async () => {
  for (const address of ["10.0.0.3", "10.0.0.255", "fd00:10::1", "192.0.2.10", "::ffff:10.0.0.3"]) {
    assert.equal(await isProxy(address), true, address);
  }
  for (
    const address of ["10.0.1.3", "192.0.2.11", "fd00:11::1", "::ffff:10.0.1.3", "2001:db8::1"]
  ) {
    assert.equal(await isProxy(address), false, address);
  }
  // An IPv4-mapped rule matches the plain IPv4 peer too.
  assert.equal(await ipMatcher(["::ffff:10.0.0.0/120"])("10.0.0.9"), true);
  for (const junk of ["unknown", "", "10.0.0", "10.0.0.3:80", "not an address", "10.0.0.0/24"]) {
    assert.equal(await isProxy(junk), false, JSON.stringify(junk));
  }
  // An empty list matches nothing (ip-restriction alone would let everything through).
  assert.equal(await ipMatcher([])("10.0.0.3"), false);
});

Deno.test("clientIpBehind() ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
  // The attack: a pod the NetworkPolicy admits connects directly and names an allowed address.
  assert.equal(await clientIpBehind("10.9.9.9", OUTSIDER, 1, isProxy), OUTSIDER);
  assert.equal(await clientIpBehind("203.0.113.1", "198.51.100.7", 1, isProxy), "198.51.100.7");
  // Even a header made of trusted addresses: the peer is the client.
  assert.equal(await clientIpBehind("10.0.0.9, 10.0.0.8", OUTSIDER, 3, isProxy), OUTSIDER);
  assert.equal(await clientIpBehind("2001:db8::7", "2001:db8::1", 1, isProxy), "2001:db8::1");
  assert.equal(await clientIpBehind("10.9.9.9", undefined, 1, isProxy), "unknown");
  assert.equal(await clientIpBehind("10.9.9.9", "unknown", 1, isProxy), "unknown");
});

Deno.test("clientIpBehind() from a trusted proxy takes the right-most untrusted address", async () => {
  assert.equal(await clientIpBehind("198.51.100.7", INGRESS, 1, isProxy), "198.51.100.7");
  // What the client wrote on the left is never reached.
  assert.equal(
    await clientIpBehind("10.9.9.9, 203.0.113.5, 198.51.100.7", INGRESS, 1, isProxy),
    "198.51.100.7",
  );
  // No header, or none read (TRUST_PROXY off): the proxy itself.
  assert.equal(await clientIpBehind(undefined, INGRESS, 1, isProxy), INGRESS);
  assert.equal(await clientIpBehind("198.51.100.7", INGRESS, 0, isProxy), INGRESS);
});

Deno.test("clientIpBehind() skips trusted proxies in the chain, up to TRUST_PROXY of them", async () => {
  // A load balancer (192.0.2.10) in front of the ingress: the client is behind both.
  const chain = "10.9.9.9, 198.51.100.7, 192.0.2.10";
  assert.equal(await clientIpBehind(chain, INGRESS, 2, isProxy), "198.51.100.7");
  assert.equal(await clientIpBehind(chain, INGRESS, 3, isProxy), "198.51.100.7");
  // A client that came to the ingress directly, past the load balancer, is found at once: with
  // hop counting TRUST_PROXY=2 would have taken the address it wrote (10.9.9.9).
  assert.equal(await clientIpBehind("10.9.9.9, 198.51.100.7", INGRESS, 2, isProxy), "198.51.100.7");
  // At the depth TRUST_PROXY allows, the address is the client even when it is on the list: a
  // caller inside a range drawn too wide cannot reach what it wrote further left.
  assert.equal(await clientIpBehind("10.9.9.9, 10.0.0.77", INGRESS, 1, isProxy), "10.0.0.77");
  assert.equal(
    await clientIpBehind("10.9.9.9, 10.0.0.77, 192.0.2.10", INGRESS, 2, isProxy),
    "10.0.0.77",
  );
});

Deno.test("clientIpBehind() with only trusted addresses in the header takes the left-most", async () => {
  assert.equal(await clientIpBehind("10.0.0.77", INGRESS, 2, isProxy), "10.0.0.77");
  assert.equal(await clientIpBehind("10.0.0.77, 192.0.2.10", INGRESS, 3, isProxy), "10.0.0.77");
});

Deno.test("clientIpBehind() reads IPv6 and IPv4-mapped IPv6 peers and entries", async () => {
  assert.equal(await clientIpBehind("2001:db8::9", "fd00:10::2", 1, isProxy), "2001:db8::9");
  assert.equal(await clientIpBehind("[2001:db8::9]:443", "fd00:10::2", 1, isProxy), "2001:db8::9");
  // A dual-stack listener reports an IPv4 peer as ::ffff:a.b.c.d: the IPv4 rule still holds.
  assert.equal(await clientIpBehind("198.51.100.7", "::ffff:10.0.0.3", 1, isProxy), "198.51.100.7");
  assert.equal(
    await clientIpBehind("10.9.9.9", "::ffff:10.9.0.7", 1, isProxy),
    "::ffff:10.9.0.7",
    "a mapped peer outside the list is the client",
  );
  assert.equal(
    await clientIpBehind("2001:db8::9, ::ffff:192.0.2.10", "fd00:10::2", 2, isProxy),
    "2001:db8::9",
  );
});

Deno.test("clientIpBehind() falls back to the peer when a proxy's entry is not an address", async () => {
  for (
    const header of [
      "",
      " ",
      "unknown",
      "198.51.100.7,",
      "198.51.100.7, ",
      "203.0.113",
      "256.1.1.1",
      "198.51.100.7 203.0.113.5",
      "example.org",
      "[2001:db8::1",
      "198.51.100.7:99999",
      "<script>",
    ]
  ) {
    assert.equal(
      await clientIpBehind(header, INGRESS, 2, isProxy),
      INGRESS,
      JSON.stringify(header),
    );
  }
  // Garbage behind a trusted hop: the second proxy wrote it, nothing can be placed.
  assert.equal(await clientIpBehind("garbage, 192.0.2.10", INGRESS, 2, isProxy), INGRESS);
  // Garbage on the client's side, left of the client, is never read.
  assert.equal(
    await clientIpBehind("<script>,, 198.51.100.7", INGRESS, 2, isProxy),
    "198.51.100.7",
  );
});

Deno.test("resolveClientIp() with TRUSTED_PROXY_IPS believes the header only from a listed socket", async () => {
  const trust = proxyTrust(true, PROXIES);
  const app = new Hono();
  app.get("/", async (c) => c.text(await resolveClientIp(c, trust)));
  const from = async (hostname: string | undefined) => {
    const response = await app.request(
      "/",
      { headers: { "x-forwarded-for": "10.9.9.9, 198.51.100.7" } },
      hostname ? { remoteAddr: { hostname, port: 40000, transport: "tcp" } } : {},
    );
    return await response.text();
  };
  assert.equal(await from(INGRESS), "198.51.100.7");
  assert.equal(await from(OUTSIDER), OUTSIDER);
  assert.equal(await from(undefined), "unknown", "in-process requests have no trusted socket");
});

Deno.test("proxyTrust() names TRUSTED_PROXY_IPS for a rule the matcher cannot read", () => {
  assert.throws(
    () => proxyTrust(true, ["10.0.0.0/33"]),
    (error) => error instanceof ConfigError && error.variable === "TRUSTED_PROXY_IPS",
  );
  assert.equal(proxyTrust(false, PROXIES).maxProxies, 0);
  assert.equal(proxyTrust(2, []).isProxy, undefined);
});
