/**
 * The client's IP address. Without trusted proxies it is the socket's peer.
 * With TRUST_PROXY=<n> it is read from `X-Forwarded-For`, counting n hops
 * from the right: each trusted proxy appends the address it received the
 * request from, so the n-th address from the right is the one the outermost
 * trusted proxy saw. Everything further left was supplied by the client (an
 * appending proxy passes the client's own header through) and is never used.
 * A header that is missing, too short or malformed where it is trusted falls
 * back to the socket's peer: a value that cannot be placed is not trusted.
 * `X-Real-IP` is not read: where it came from cannot be placed either.
 */
import type { Context } from "hono";
import { z } from "zod";

const IpAddress = z.union([z.ipv4(), z.ipv6()]);

/** An address as a proxy writes it: `a.b.c.d`, `a.b.c.d:port`, an IPv6 address, `[v6]` or `[v6]:port`. */
function parseHop(entry: string): string | undefined {
  const value = entry.trim();
  const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value) ?? /^([^:]+):(\d{1,5})$/.exec(value);
  const address = match ? match[1]! : value;
  const port = match?.[2];
  if (port !== undefined && Number(port) > 65535) return undefined;
  return IpAddress.safeParse(address).success ? address : undefined;
}

/**
 * The client address from an `X-Forwarded-For` value and the socket's peer,
 * trusting `trustedProxies` proxies (0: the header is ignored). Pure.
 *
 * @example
 * clientIpFrom("198.51.100.7, 203.0.113.5", "10.0.0.2", 1); // "203.0.113.5"
 * clientIpFrom("203.0.113.5", "10.0.0.2", 2); // "10.0.0.2" (too short)
 */
export function clientIpFrom(
  forwardedFor: string | undefined,
  socketAddress: string | undefined,
  trustedProxies: number,
): string {
  const socket = socketAddress ?? "unknown";
  if (trustedProxies < 1 || forwardedFor === undefined) return socket;
  const hops = forwardedFor.split(",");
  if (hops.length < trustedProxies) return socket;
  // The client's address and every address a trusted proxy appended after it must be addresses.
  const trusted = hops.slice(hops.length - trustedProxies).map(parseHop);
  if (trusted.some((hop) => hop === undefined)) return socket;
  return trusted[0]!;
}

/**
 * Resolves the client IP for a request, trusting `trustProxy` proxies in front
 * of the app (0 or false: the socket's peer); "unknown" when there is no
 * socket (in-process tests).
 */
export function resolveClientIp(c: Context, trustProxy: number | boolean): string {
  const remote = (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr;
  const hops = trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy;
  return clientIpFrom(c.req.header("x-forwarded-for"), remote?.hostname, hops);
}
