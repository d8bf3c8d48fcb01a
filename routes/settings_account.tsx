/**
 * /settings/account: the signed-in user's account, and the change of their own password (every
 * role). The current password is checked like a sign-in and counts against the same lock, so a
 * session left open cannot be used to guess it; the user's other sessions end, this one stays
 * signed in under a new session secret (a copied cookie stops working). A plain form post; no JavaScript needed.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { UserPrincipal } from "../lib/auth/principal.ts";
import { setSessionCookie } from "../lib/auth/mod.ts";
import { type RenewedSession, SignInLockedError } from "../lib/auth/service.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError, RateLimitedError } from "../lib/errors/mod.ts";
import { page } from "../lib/http/access.ts";
import { firstValues, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { createFormFailures } from "../lib/web/form_failure.ts";
import {
  CsrfField,
  ErrorNotice,
  ErrorSummary,
  FieldError,
  fieldErrorAttrs,
  type FormError,
  QueryNotice,
} from "../components/forms.tsx";

const READ = { role: "signed_in", class: "read" } as const;
/**
 * `auth`, as sign-in and sign-out: allowed in every mode. STANDBY is the mode of an incident, and
 * a user who fears their password is known must be able to change it then; the change only takes
 * access away (other sessions end).
 */
const CHANGE = { role: "signed_in", class: "auth" } as const;

const NOTICES: Record<string, string> = {
  password_changed:
    "Your password was changed. Your other sessions were ended; this one stays signed in.",
};

/** The ids of the form's fields, by name. */
const FIELDS = {
  current_password: "current-password",
  new_password: "new-password",
  confirm_password: "confirm-password",
} as const;

/** What the form says about a field the schema refused, by the field's name. */
const MESSAGES: Record<keyof typeof FIELDS, string> = {
  current_password: "Enter your current password (at most 1024 characters).",
  new_password: "New password: at most 1024 characters.",
  confirm_password: "New password again: at most 1024 characters.",
};

/** The fields a refusal of the service names (`$.currentPassword`), by the form's field ids. */
const SERVICE_FIELDS: Record<string, string> = {
  "$.currentPassword": FIELDS.current_password,
  "$.newPassword": FIELDS.new_password,
};

const PasswordChangeForm = z.object({
  current_password: z.string().min(1).max(1024),
  new_password: z.string().max(1024),
  confirm_password: z.string().max(1024),
});

export function accountPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;
  const failureOf = createFormFailures(ctx.services);
  const secure = ctx.config.appEnv !== "development";

  function accountPage(
    c: Context<AppEnv>,
    state: {
      /** An error not about a field (the account locked, a busy database), as a notice. */
      error?: string;
      /** The messages about what was typed, in a summary linked to the fields. */
      errors?: FormError[];
      status?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    const user = c.get("principal") as UserPrincipal;
    const errors = state.errors ?? [];
    return ctx.pages.render(
      c,
      <>
        <h1>Your account</h1>
        <QueryNotice c={c} notices={NOTICES} />
        <dl class="panel">
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Name</dt>
          <dd>{user.displayName ? <bdi>{user.displayName}</bdi> : <span class="muted">—</span>}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
        </dl>
        <h2 id="password-heading">Change your password</h2>
        <form
          method="post"
          action="/settings/account/password"
          class="form-card"
          aria-labelledby="password-heading"
        >
          {
            // The summary is focused on load; passwords are never sent back, so every field is
            // empty again, the ones at fault marked.
            errors.length > 0
              ? <ErrorSummary errors={errors} title="Your password was not changed:" />
              : <ErrorNotice message={state.error} />
          }
          <CsrfField c={c} />
          <label>
            Current password
            <input
              type="password"
              name="current_password"
              id={FIELDS.current_password}
              autocomplete="current-password"
              required
              {...fieldErrorAttrs(errors, FIELDS.current_password)}
            />
          </label>
          <FieldError errors={errors} field={FIELDS.current_password} />
          <label>
            New password{" "}
            <span class="field-hint">
              (12+ characters, not mostly one repeated character)
            </span>
            <input
              type="password"
              name="new_password"
              id={FIELDS.new_password}
              autocomplete="new-password"
              minLength={12}
              required
              {...fieldErrorAttrs(errors, FIELDS.new_password)}
            />
          </label>
          <FieldError errors={errors} field={FIELDS.new_password} />
          <label>
            New password again
            <input
              type="password"
              name="confirm_password"
              id={FIELDS.confirm_password}
              autocomplete="new-password"
              minLength={12}
              required
              {...fieldErrorAttrs(errors, FIELDS.confirm_password)}
            />
          </label>
          <FieldError errors={errors} field={FIELDS.confirm_password} />
          <p class="field-hint">
            Your other sessions (other browsers and devices) are signed out; this one stays signed
            in. After 5 wrong current passwords the account is locked for a while, for signing in
            too.
          </p>
          <button type="submit" class="button button--primary">Change password</button>
        </form>
      </>,
      {
        title: "Your account",
        status: state.status ?? 200,
        headers: { "cache-control": "no-store", ...state.headers },
      },
    );
  }

  page(app, ctx.access, "GET", "/settings/account", READ, (c) => accountPage(c));

  page(app, ctx.access, "POST", "/settings/account/password", CHANGE, async (c) => {
    const parsed = PasswordChangeForm.safeParse(firstValues(await readForm(c)));
    if (!parsed.success) {
      const names = new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? "")));
      return await accountPage(c, {
        errors: (Object.keys(FIELDS) as (keyof typeof FIELDS)[])
          .filter((name) => names.has(name))
          .map((name) => ({ message: MESSAGES[name], field: FIELDS[name] })),
        status: 400,
      });
    }
    const { current_password, new_password, confirm_password } = parsed.data;
    // Checked before the current password, so a typo here costs no attempt.
    if (new_password !== confirm_password) {
      return await accountPage(c, {
        errors: [{
          message: "The two new passwords differ. Type the same new password twice.",
          field: FIELDS.confirm_password,
        }],
        status: 400,
      });
    }
    let renewed: RenewedSession | undefined;
    try {
      renewed = await auth.changeOwnPassword(
        c.get("principal") as UserPrincipal,
        { currentPassword: current_password, newPassword: new_password },
        { ip: c.get("clientIp"), requestId: c.get("requestId") },
      );
    } catch (error) {
      if (error instanceof RateLimitedError) {
        const seconds = error.details.retryAfterSeconds ?? 60;
        const minutes = Math.max(1, Math.ceil(seconds / 60));
        const wait = `${minutes} minute${minutes === 1 ? "" : "s"}`;
        return await accountPage(c, {
          // An address lock comes from failed sign-ins from this network (a shared NAT), not
          // necessarily this user's: it is not said to be their account's.
          error: error instanceof SignInLockedError && error.scope === "address"
            ? `Too many failed sign-ins from your network, so your password was not changed. ` +
              `Try again in ${wait}, or ask an administrator to clear the lock for your network ` +
              `address. You stay signed in here.`
            : `Too many wrong passwords: the account is locked. Try again in ${wait}, or ask an ` +
              `administrator to clear the lock. You stay signed in here.`,
          status: 429,
          headers: { "retry-after": String(seconds) },
        });
      }
      const failure = failureOf(c, error, { writes: "atomic" });
      if (!failure || !(error instanceof AppError)) throw error;
      // A wrong current password or a new one that breaks the rules: beside that field.
      const field = failure.status < 500
        ? (error.details.issues ?? []).map((issue) => SERVICE_FIELDS[issue.path])
          .find((id) => id !== undefined)
        : undefined;
      return await accountPage(c, {
        ...(field ? { errors: [{ message: failure.message, field }] } : { error: failure.message }),
        status: failure.status,
        headers: failure.headers,
      });
    }
    // This session goes on under a new secret (so the next page has a new CSRF token too);
    // without one it was signed out meanwhile, and the next page says so.
    if (renewed) setSessionCookie(c, renewed.sessionSecret, secure);
    return c.redirect("/settings/account?notice=password_changed", 303);
  });

  return app;
}
