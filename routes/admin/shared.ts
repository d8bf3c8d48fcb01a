/**
 * What the administration route modules share: their access, path parameters, and how a form
 * action answers a domain error or a form posted while STANDBY pauses it.
 */
import type { Context, Hono } from "hono";
import type { RouteContext } from "../../lib/context.ts";
import { ModeStandbyError } from "../../lib/errors/mod.ts";
import { type Access, authorize } from "../../lib/http/access.ts";
import { type FormFields, readForm } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { modeAllows } from "../../lib/governance/policy.ts";
import { issuePaths } from "../../lib/admin/page_state.ts";
import { STANDBY_FORM_MESSAGE } from "../../lib/admin/messages.ts";
import { createFormFailures, type FormFailure } from "../../lib/web/form_failure.ts";

export const ADMIN_READ = { role: "ADMIN", class: "read" } as const;
export const ADMIN_WRITE = { role: "ADMIN", class: "write" } as const;
export const ADMIN_GOVERNANCE = { role: "ADMIN", class: "governance-write" } as const;

/** A path parameter the route pattern guarantees. */
export function param(c: Context<AppEnv>, name: string): string {
  return c.req.param(name) ?? "";
}

/** How the form actions of `app` answer failures and STANDBY (see {@link adminForms}). */
export interface AdminForms {
  /** Turns an error of a service into the page's failure, or undefined to throw it on. */
  failureOf: ReturnType<typeof createFormFailures>;
  /**
   * Runs a form action; a domain error becomes a message on the re-rendered page, with the paths
   * of the fields it names (`$.email`), so that it can be shown beside the field.
   */
  attempt(
    c: Context<AppEnv>,
    action: () => Promise<void>,
  ): Promise<(FormFailure & { paths: string[] }) | undefined>;
  /** Whether the mode pauses the forms of the write class (create, set password) right now. */
  writesPaused(): boolean;
  /**
   * Answers a form of `access` posted while the mode pauses it (a page opened before the switch
   * to STANDBY): `answer` draws the page again with the form's values and the error in the form,
   * 503 and Retry-After, as a database timeout is answered; the app's own STANDBY refusal (after
   * this) is a full page that loses what was typed. Who may post is checked first, as for the
   * route itself.
   */
  pausedForm(
    path: string,
    access: Access,
    answer: (c: Context<AppEnv>, failure: FormFailure, form: FormFields) => Promise<Response>,
  ): void;
}

/** The {@link AdminForms} of the routes of `app`. */
export function adminForms(ctx: RouteContext, app: Hono<AppEnv>): AdminForms {
  const failureOf = createFormFailures(ctx.services);

  async function attempt(
    c: Context<AppEnv>,
    action: () => Promise<void>,
  ): Promise<(FormFailure & { paths: string[] }) | undefined> {
    try {
      await action();
      return undefined;
    } catch (error) {
      // Accounts and tokens are stored and then audited in separate statements: a failure late
      // in the action may follow a stored change, and the message says so.
      const failure = failureOf(c, error, { writes: "steps" });
      if (failure) return { ...failure, paths: issuePaths(error) };
      throw error;
    }
  }

  const writesPaused = () => !modeAllows(ctx.services.mode.current(), "write");

  function pausedForm(
    path: string,
    access: Access,
    answer: (c: Context<AppEnv>, failure: FormFailure, form: FormFields) => Promise<Response>,
  ): void {
    app.on(
      "POST",
      path,
      authorize(access, ctx.access.renderForbidden, ctx.access.registry),
      async (c, next) => {
        if (modeAllows(ctx.services.mode.current(), access.class)) return await next();
        const failure = failureOf(c, new ModeStandbyError(STANDBY_FORM_MESSAGE), {
          writes: "atomic",
        })!;
        return await answer(c, failure, await readForm(c));
      },
    );
  }

  return { failureOf, attempt, writesPaused, pausedForm };
}
