/**
 * Whether an address is on a list of addresses and CIDR ranges, as the IP-list settings
 * (`ALLOW_IPS`, `DENY_IPS`, `METRICS_ALLOW_IPS`, `TRUSTED_PROXY_IPS`; parsed by `ipList` in
 * lib/config.ts) are matched. The matching is Hono's ip-restriction, the one the other lists use,
 * so every list reads a rule alike: IPv4-mapped IPv6 addresses (`::ffff:10.0.0.5`, what a
 * dual-stack listener reports for an IPv4 peer) match their IPv4 rules and the other way round.
 */
import type { Context } from "hono";
import { ipRestriction } from "hono/ip-restriction";

/** True when the address is on the list; false for anything that is not an address. */
export type IpMatcher = (address: string) => Promise<boolean>;

/**
 * A matcher for `rules` (already checked by `isIpRule`). Throws a TypeError for a rule the
 * matcher cannot read; callers turn it into a ConfigError naming their variable.
 *
 * @example
 * const isProxy = ipMatcher(["10.0.0.0/24", "2001:db8::/64"]);
 * await isProxy("::ffff:10.0.0.5"); // true
 */
export function ipMatcher(rules: readonly string[]): IpMatcher {
  // ip-restriction lets everything through an empty allow list; an empty list here matches nothing.
  if (rules.length === 0) return () => Promise.resolve(false);
  const restrict = ipRestriction(
    (c) => (c as unknown as { address: string }).address,
    { allowList: [...rules] },
    () => new Response(null, { status: 403 }),
  );
  return async (address) => {
    let matched = false;
    try {
      await restrict({ address } as unknown as Context, () => {
        matched = true;
        return Promise.resolve();
      });
    } catch {
      // Not an address the matcher can read (it throws): not on the list.
      return false;
    }
    return matched;
  };
}
