/**
 * What each governance mode allows: the one table the mode guard, the
 * outbound guard and the docs (docs/operations/MODE_TOGGLE.md) all follow.
 */
import type { Mode } from "../config.ts";

/**
 * Every route declares one class:
 * - `read`: GET pages and API reads, SSE, health;
 * - `write`: any other state change;
 * - `governance-write`: mode changes by ADMIN (must work in STANDBY to leave it);
 * - `ingest`: analytics ingestion;
 * - `auth`: sign-in and sign-out.
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
