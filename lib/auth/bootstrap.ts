/**
 * The first administrator: from ADMIN_EMAIL/ADMIN_PASSWORD; in development
 * with neither set and no admin yet, a generated password shown once; in
 * staging/production with neither set and no admin, a start-up error.
 *
 * An account that already exists is never changed here: an administrator who
 * deactivated or demoted it (an incident response) must not be undone by the
 * next restart or rollout. Restoring it is an explicit, audited act
 * (`deno task user activate|set-role`).
 */
import type { Config } from "../config.ts";
import { ConflictError } from "../errors/mod.ts";
import type { AuthService } from "./service.ts";
import type { AuthStore } from "./store.ts";
import { randomSecret } from "./tokens.ts";

/** An existing configured account: an active ADMIN, deactivated, or active with a lower role. */
export type AccountStanding = "active_admin" | "inactive" | "not_admin";

export type BootstrapResult =
  | { kind: "existing" }
  | {
    kind: "configured";
    email: string;
    created: boolean;
    /** Where the configured account stands now (left as it was when it already existed). */
    standing: AccountStanding;
  }
  | { kind: "generated"; email: string; password: string };

/** Raised when no administrator exists and none is configured outside development. */
export class NoAdminError extends Error {
  constructor() {
    super("No administrator exists: set ADMIN_EMAIL and ADMIN_PASSWORD for the first start");
    this.name = "NoAdminError";
  }
}

export const DEV_ADMIN_EMAIL = "admin@researchflow.local";

/** Ensures an administrator exists, as described above. */
export async function bootstrapAdmin(
  config: Pick<Config, "appEnv" | "auth">,
  deps: { auth: AuthService; store: AuthStore },
): Promise<BootstrapResult> {
  const system = { type: "system" as const };
  const { adminEmail, adminPassword } = config.auth;
  if (adminEmail && adminPassword) {
    const existing = await deps.store.findUserByEmail(adminEmail);
    if (existing) {
      const standing: AccountStanding = !existing.active
        ? "inactive"
        : existing.role !== "ADMIN"
        ? "not_admin"
        : "active_admin";
      return { kind: "configured", email: existing.email, created: false, standing };
    }
    try {
      const user = await deps.auth.createUser(
        { email: adminEmail, displayName: "Administrator", role: "ADMIN", password: adminPassword },
        system,
      );
      return { kind: "configured", email: user.email, created: true, standing: "active_admin" };
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (error instanceof ConflictError) {
        return { kind: "configured", email: adminEmail, created: false, standing: "active_admin" };
      }
      throw error;
    }
  }
  if (await deps.store.countActiveAdmins() > 0) return { kind: "existing" };
  if (config.appEnv !== "development") throw new NoAdminError();
  const password = randomSecret().slice(0, 24);
  try {
    const user = await deps.auth.createUser(
      { email: DEV_ADMIN_EMAIL, displayName: "Development admin", role: "ADMIN", password },
      system,
    );
    return { kind: "generated", email: user.email, password };
  } catch (error) {
    if (error instanceof ConflictError) return { kind: "existing" };
    throw error;
  }
}
