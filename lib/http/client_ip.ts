/**
 * The client's IP address. Without trusted proxies it is the socket's peer.
 *
 * With `TRUST_PROXY` on (`true` is 1, or the number of proxies, up to 10) and `TRUSTED_PROXY_IPS`
 * set, `X-Forwarded-For` is read only when the socket's peer is on that list: anyone else that
 * connects directly (a pod the NetworkPolicy admits, a scanner inside the network) is the client
 * itself, and the header it sent is its own invention. From a trusted peer the header is walked
 * from the right: each proxy appends the address it received the request from, so an address
 * that is itself a trusted proxy is skipped, and the first one that is not is the client. The
 * walk reads at most `TRUST_PROXY` addresses: the one at that depth is the client even when it is
 * on the list, so a list drawn too wide (a pod range shared with ordinary callers) still cannot
 * let a caller behind the proxies reach the addresses it wrote itself.
 *
 * Where the header cannot be placed the peer is the client: no header, an empty or malformed
 * entry where a proxy should have written an address (a proxy never writes one, so something is
 * wrong and nothing in the header is believed). A header made only of trusted addresses, shorter
 * than the depth, names a request that started inside the proxies (a probe, an internal caller):
 * the left-most address, the one the outermost proxy saw, is the client.
 *
 * Without `TRUSTED_PROXY_IPS` — accepted in development only (lib/config.ts refuses it elsewhere)
 * — any peer is believed, as before the list existed: the client is the `TRUST_PROXY`-th address
 * from the right, and a header that is too short or malformed there falls back to the peer.
 *
 * Addresses further left than the client were supplied by the client (an appending proxy passes
 * the client's own header through) and are never used. `X-Real-IP` is not read: where it came from
 * cannot be placed either.
 */
import type { Context } from "hono";
import { z } from "zod";
import { ConfigError } from "../config.ts";
import { type IpMatcher, ipMatcher } from "./ip_match.ts";

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
 * The client address from an `X-Forwarded-For` value and the socket's peer, believing any peer
 * and counting `trustedProxies` addresses from the right (0: the header is ignored). Pure. This is
 * the development mode without `TRUSTED_PROXY_IPS`; see {@link clientIpBehind}.
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
 * The client address from an `X-Forwarded-For` value and the socket's peer when only peers for
 * which `isProxy` holds are believed, walking at most `maxProxies` addresses from the right
 * (0: the header is ignored). See the module comment for the rules.
 *
 * @example
 * const isProxy = ipMatcher(["10.0.0.0/24"]);
 * await clientIpBehind("10.9.9.9", "192.0.2.50", 1, isProxy); // "192.0.2.50" (peer not a proxy)
 * await clientIpBehind("10.9.9.9, 198.51.100.7", "10.0.0.3", 1, isProxy); // "198.51.100.7"
 * await clientIpBehind("198.51.100.7, 10.0.0.4", "10.0.0.3", 2, isProxy); // "198.51.100.7"
 */
export async function clientIpBehind(
  forwardedFor: string | undefined,
  socketAddress: string | undefined,
  maxProxies: number,
  isProxy: IpMatcher,
): Promise<string> {
  const peer = socketAddress ?? "unknown";
  if (maxProxies < 1 || forwardedFor === undefined) return peer;
  if (!(await isProxy(peer))) return peer;
  const entries = forwardedFor.split(",");
  let client = peer;
  for (let depth = 1; depth <= maxProxies; depth++) {
    const entry = entries[entries.length - depth];
    // Every address in the header is a trusted proxy: the request started at the left-most.
    if (entry === undefined) return client;
    const address = parseHop(entry);
    if (address === undefined) return peer;
    client = address;
    if (depth === maxProxies || !(await isProxy(address))) return client;
  }
  return client;
}

/** How far `X-Forwarded-For` is believed: built once from the configuration. */
export interface ProxyTrust {
  /** `TRUST_PROXY`: the most proxies a request passes through; 0: the header is never read. */
  readonly maxProxies: number;
  /** `TRUSTED_PROXY_IPS`; undefined: any peer is believed (development without the list). */
  readonly isProxy: IpMatcher | undefined;
}

/**
 * The trust for `TRUST_PROXY` (true is 1, false is 0) and `TRUSTED_PROXY_IPS`. Throws
 * {@link ConfigError} naming `TRUSTED_PROXY_IPS` when a rule is not an address or CIDR range.
 */
export function proxyTrust(
  trustProxy: number | boolean,
  trustedProxyIps: readonly string[] = [],
): ProxyTrust {
  const maxProxies = trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy;
  if (trustedProxyIps.length === 0) return { maxProxies, isProxy: undefined };
  try {
    return { maxProxies, isProxy: ipMatcher(trustedProxyIps) };
  } catch {
    throw new ConfigError("TRUSTED_PROXY_IPS", "must list IP addresses or CIDR ranges");
  }
}

/**
 * Resolves the client IP for a request under `trust`; "unknown" when there is no socket
 * (in-process tests), which is never a trusted proxy.
 */
export async function resolveClientIp(c: Context, trust: ProxyTrust): Promise<string> {
  const remote = (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr;
  const header = c.req.header("x-forwarded-for");
  if (trust.isProxy === undefined) return clientIpFrom(header, remote?.hostname, trust.maxProxies);
  return await clientIpBehind(header, remote?.hostname, trust.maxProxies, trust.isProxy);
}
