/** Who is calling: a signed-in user (session) or a service (API token). */

export const ROLES = ["RESEARCHER", "STEWARD", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { RESEARCHER: 1, STEWARD: 2, ADMIN: 3 };

/** True when `role` is at least `minimum` in RESEARCHER < STEWARD < ADMIN. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/**
 * True when applying `changes` to an account only takes access away: a deactivation or a
 * demotion (or nothing). Promotions, reactivations and renames add or alter access. In STANDBY
 * only these changes are allowed: they are how an administrator contains an incident.
 */
export function onlyReducesAccess(
  before: { role: Role; active: boolean; displayName: string },
  changes: { role?: Role; active?: boolean; displayName?: string },
): boolean {
  if (changes.displayName !== undefined && changes.displayName !== before.displayName) {
    return false;
  }
  if (changes.active === true && !before.active) return false;
  return changes.role === undefined || RANK[changes.role] <= RANK[before.role];
}

/** Scopes an API token can carry. */
export const SCOPES = [
  "flags:evaluate",
  "jobs:write",
  "jobs:read",
  "governance:read",
  "metrics:read",
  "events:read",
] as const;
export type Scope = (typeof SCOPES)[number];

export interface UserPrincipal {
  kind: "user";
  id: string;
  email: string;
  displayName: string;
  role: Role;
  sessionId: string;
  /** Token to echo in `X-CSRF-Token` (or a form field) on state changes. */
  csrfToken: string;
}

export interface TokenPrincipal {
  kind: "token";
  id: string;
  name: string;
  scopes: readonly Scope[];
}

export type Principal = UserPrincipal | TokenPrincipal;
