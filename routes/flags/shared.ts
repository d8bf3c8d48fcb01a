/**
 * What the flag route modules share: their access, whether the viewer may change flags, where
 * flags are evaluated by default, and how a form's save answers a domain error.
 */
import type { Context } from "hono";
import type { Here } from "../../components/flags/badges.tsx";
import { actorOf } from "../../lib/audit/mod.ts";
import { roleAtLeast } from "../../lib/auth/principal.ts";
import type { RouteContext } from "../../lib/context.ts";
import type { FlagInput } from "../../lib/flags/mod.ts";
import { FLAG_FIELDS } from "../../lib/flags/pages/form.ts";
import { SAVE_CONFLICT_MESSAGE } from "../../lib/flags/pages/messages.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { attemptSave, createFormFailures, type FormFailure } from "../../lib/web/form_failure.ts";

export const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
export const ADMIN_CHANGE = { role: "ADMIN", class: "governance-write" } as const;

export function isAdmin(c: Context<AppEnv>): boolean {
  const principal = c.get("principal");
  return principal?.kind === "user" && roleAtLeast(principal.role, "ADMIN");
}

/** What the flag pages' routes use of the services (see {@link flagPageTools}). */
export interface FlagPageTools {
  /** Turns an error of a service into the page's failure, or undefined to throw it on. */
  failureOf: ReturnType<typeof createFormFailures>;
  /** Where flags are evaluated by default: this instance's mode and environment, now. */
  here(): Here;
  /**
   * Saves; a domain error becomes a message on the re-rendered page, about the key when the
   * service refused the key (a new key the PHI scanner reads as an identifier).
   */
  save(
    c: Context<AppEnv>,
    key: string,
    input: FlagInput,
  ): Promise<(FormFailure & { field?: string }) | undefined>;
}

/** The {@link FlagPageTools} of the flag pages of `ctx`, shared by their route modules. */
export function flagPageTools(ctx: RouteContext): FlagPageTools {
  const { flags } = ctx.services;
  const failureOf = createFormFailures(ctx.services);

  function here(): Here {
    return {
      mode: ctx.services.mode.current(),
      environment: ctx.config.appEnv,
      status: (key) => flags.status(key, {}),
    };
  }

  async function save(
    c: Context<AppEnv>,
    key: string,
    input: FlagInput,
  ): Promise<(FormFailure & { field?: string }) | undefined> {
    const failed = await attemptSave(
      () =>
        flags.set(key, input, {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }),
      // The flag and its audit entry are written in one transaction.
      (error) =>
        failureOf(c, error, {
          writes: "atomic",
          conflict: SAVE_CONFLICT_MESSAGE,
        }),
    );
    if (!failed) return undefined;
    return failed.aboutKey ? { ...failed.failure, field: FLAG_FIELDS.key } : failed.failure;
  }

  return { failureOf, here, save };
}
