/**
 * The client's IP address. `X-Forwarded-For` is honoured only with
 * TRUST_PROXY (otherwise any client could claim any address); then the
 * left-most address is the original client as appended by the proxy chain.
 */
import type { Context } from "hono";

function stripPort(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith("[")) return trimmed.slice(1, trimmed.indexOf("]"));
  const colon = trimmed.indexOf(":");
  return colon > 0 && trimmed.indexOf(":", colon + 1) === -1 ? trimmed.slice(0, colon) : trimmed;
}

/** Resolves the client IP for a request; "unknown" when there is none (in-process tests). */
export function resolveClientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for");
    const first = forwarded?.split(",")[0];
    if (first && first.trim() !== "") return stripPort(first);
    const real = c.req.header("x-real-ip");
    if (real) return stripPort(real);
  }
  const remote = (c.env as { remoteAddr?: Deno.NetAddr } | undefined)?.remoteAddr;
  return remote?.hostname ?? "unknown";
}
