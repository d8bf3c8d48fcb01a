/** The site navigation: each entry names the least role that may see it. */
import type { Role } from "../lib/auth/principal.ts";

export interface NavItem {
  href: string;
  label: string;
  /** Least role that sees the link; "public" for everyone, "signed_in" for any role. */
  minRole: Role | "public" | "signed_in";
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Home", minRole: "public" },
  { href: "/governance", label: "Governance", minRole: "STEWARD" },
  { href: "/flags", label: "Flags", minRole: "STEWARD" },
  { href: "/experiments", label: "Experiments", minRole: "STEWARD" },
  { href: "/jobs", label: "Jobs", minRole: "signed_in" },
  { href: "/settings/account", label: "Account", minRole: "signed_in" },
  { href: "/audit", label: "Audit", minRole: "STEWARD" },
  { href: "/analytics", label: "Analytics", minRole: "STEWARD" },
  { href: "/admin/users", label: "Users", minRole: "ADMIN" },
  { href: "/admin/tokens", label: "Tokens", minRole: "ADMIN" },
];
