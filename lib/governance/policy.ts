/**
 * What each governance mode allows: the one table the mode guard, the
 * outbound guard and the docs (docs/operations/MODE_TOGGLE.md) all follow.
 */
import type { Mode } from "../config.ts";

/**
 * Every route declares one class:
 * - `read`: GET pages and API reads, SSE, health;
 * - `write`: any other state change;
 * - `governance-write`: what must work in STANDBY to contain an incident and to leave it: mode,
 *   flag and experiment changes and containment by ADMIN (revoking tokens, clearing locks, lowering
 *   roles, erasing analytics), and anyone withdrawing their own analytics consent (the list, per
 *   route: ACTIONS_BY_CLASS in policy_table.ts);
 * - `ingest`: analytics ingestion;
 * - `auth`: sign-in, sign-out and changing one's own password.
 */
export const ROUTE_CLASSES = ["read", "write", "governance-write", "ingest", "auth"] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

export interface ModeRules {
  routes: Record<RouteClass, boolean>;
  /** Outbound network (Sentry, worker, providers), before NO_NETWORK / MOCK_ONLY. */
  outbound: boolean;
  /** The `mode` analytics events are stored with, or null when ingestion is refused. */
  analyticsMode: "DEMO" | "LIVE" | null;
}

export const MODE_POLICY: Readonly<Record<Mode, ModeRules>> = {
  STANDBY: {
    routes: { read: true, write: false, "governance-write": true, ingest: false, auth: true },
    outbound: false,
    analyticsMode: null,
  },
  DEMO: {
    routes: { read: true, write: true, "governance-write": true, ingest: true, auth: true },
    outbound: true,
    analyticsMode: "DEMO",
  },
  LIVE: {
    routes: { read: true, write: true, "governance-write": true, ingest: true, auth: true },
    outbound: true,
    analyticsMode: "LIVE",
  },
};

/** Whether a route of `routeClass` may run in `mode`. */
export function modeAllows(mode: Mode, routeClass: RouteClass): boolean {
  return MODE_POLICY[mode].routes[routeClass];
}
