/** Sign-in and sign-out pages (work without JavaScript). */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import {
  clearSessionCookie,
  KdfBusyError,
  sessionSecretOf,
  setSessionCookie,
} from "../lib/auth/mod.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError, RateLimitedError } from "../lib/errors/mod.ts";
import { page, signInPath, type SignInReason } from "../lib/http/access.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { firstValues, formValue, readForm } from "../lib/http/form.ts";
import { ErrorSummary, FieldError, fieldErrorAttrs, type FormError } from "../components/forms.tsx";

/** The longest email and password the form takes (its inputs' maxlength). */
const EMAIL_MAX = 254;
const PASSWORD_MAX = 1024;

const LoginForm = z.object({
  email: z.string().trim().min(3).max(EMAIL_MAX),
  password: z.string().min(1).max(PASSWORD_MAX),
  next: z.string().max(2048).optional(),
  reason: z.string().max(32).optional(),
});

/**
 * Why the visitor is here (lib/http/access.ts sends them): fixed sentences chosen by key, so
 * nothing from the address is reflected.
 */
const REASONS: Record<SignInReason, { text: string; tone: "ok" | "warn" }> = {
  ended: { text: "Your session ended; sign in again.", tone: "warn" },
  unsaved: {
    text: "Your session ended, so your last change was not saved. Sign in and make it again.",
    tone: "warn",
  },
  signed_out: {
    text: "You are signed out. On a shared workstation, close the browser as well.",
    tone: "ok",
  },
};

/** The ids of the sign-in form's fields. */
const FIELDS = { email: "login-email", password: "login-password" } as const;

/**
 * A refused sign-in marks both fields with one message: which of the two was wrong is not said,
 * so that the form does not tell whether an account exists.
 */
const WRONG_CREDENTIALS: FormError = {
  message: "The email or password is not correct.",
  field: FIELDS.email,
  also: [FIELDS.password],
};

/** What the form says about an empty (or too short) field, by the field's name. */
const MISSING: Record<string, FormError> = {
  email: { message: "Enter your email address.", field: FIELDS.email },
  password: { message: "Enter your password.", field: FIELDS.password },
};

/** What the form says about a field over its limit, by the field's name. */
const TOO_LONG: Record<string, FormError> = {
  email: {
    message: `The email address is too long: at most ${EMAIL_MAX} characters.`,
    field: FIELDS.email,
  },
  password: {
    message: `The password is too long: at most ${PASSWORD_MAX} characters.`,
    field: FIELDS.password,
  },
};

function reasonOf(value: string | undefined): SignInReason | undefined {
  return value !== undefined && Object.hasOwn(REASONS, value) ? value as SignInReason : undefined;
}

/** Said above the form while this instance cannot reach its database (sign-in would be 503). */
const DATABASE_OUT =
  "Sign-in is unavailable right now: the server cannot reach its database. Try again in a few minutes.";

function LoginBody(
  { next, error, errors = [], email, reason, databaseOut = false }: {
    next: string;
    /** True while the database is out of reach: the form is shown, with a notice that it waits. */
    databaseOut?: boolean;
    /** An error not about the fields (a lock, a busy server), as a notice. */
    error?: string;
    /** What was wrong with what was typed, in a summary linked to the fields. */
    errors?: FormError[];
    email?: string | undefined;
    reason?: SignInReason | undefined;
  },
) {
  const why = reason ? REASONS[reason] : undefined;
  return (
    <section class="form-card" aria-labelledby="login-heading">
      <h1 id="login-heading">Sign in</h1>
      {databaseOut && (
        <p class="notice notice--warn" role="status" data-testid="sign-in-unavailable">
          {DATABASE_OUT}
        </p>
      )}
      {why && (
        <p class={`notice notice--${why.tone}`} role="status" data-testid="sign-in-reason">
          {why.text}
        </p>
      )}
      {errors.length > 0
        ? <ErrorSummary errors={errors} title="You were not signed in:" />
        : error && <p class="notice notice--error" role="alert">{error}</p>}
      <form method="post" action="/login">
        <input type="hidden" name="next" value={next} />
        {
          // A failed attempt shows the form again: the unsaved change is still worth saying.
          reason && reason !== "signed_out" && <input type="hidden" name="reason" value={reason} />
        }
        <label>
          Email
          <input
            type="email"
            id={FIELDS.email}
            name="email"
            autocomplete="username"
            required
            maxlength={EMAIL_MAX}
            value={email ?? ""}
            {...fieldErrorAttrs(errors, FIELDS.email)}
          />
        </label>
        <FieldError errors={errors} field={FIELDS.email} />
        <label>
          Password
          <input
            type="password"
            id={FIELDS.password}
            name="password"
            autocomplete="current-password"
            required
            maxlength={PASSWORD_MAX}
            {...fieldErrorAttrs(errors, FIELDS.password)}
          />
        </label>
        <FieldError errors={errors} field={FIELDS.password} />
        <button type="submit" class="button button--primary">Sign in</button>
      </form>
      <p class="muted">Accounts are created by an administrator.</p>
    </section>
  );
}

export function authPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const secure = ctx.config.appEnv !== "development";
  const render = (c: Context<AppEnv>, props: Parameters<typeof LoginBody>[0], status = 200) =>
    ctx.pages.render(c, <LoginBody {...props} />, { title: "Sign in", status });
  /**
   * Where to go after signing in: a local path (no open redirect) whose page a browser can open
   * (a registered GET page route, its query and fragment dropped: they may hold what was typed),
   * else the start page. An allowlist, not only a local-path check: any other path
   * (`/login?next=/patients/<name>/mrn/<number>`, from a link or an old bookmark) would be
   * repeated into this page's form and the redirect after sign-in.
   */
  const returnPath = (next: string | undefined) => ctx.access.registry.returnPath(next);

  page(app, ctx.access, "GET", "/login", { role: "public", class: "read" }, (c) => {
    const next = returnPath(c.req.query("next"));
    if (c.get("principal")?.kind === "user") return c.redirect(next, 303);
    // Only while the database is out of reach: a corrupt mode row also fails closed, but the
    // database answers and sign-in works.
    const failed = ctx.services.mode.failedClosedBecause();
    const databaseOut = failed === "read_failed" || failed === "stale";
    return render(c, { next, reason: reasonOf(c.req.query("reason")), databaseOut });
  });

  page(app, ctx.access, "POST", "/login", { role: "public", class: "auth" }, async (c) => {
    const fields = await readForm(c);
    const parsed = LoginForm.safeParse(
      firstValues(fields),
    );
    // The way back is kept also when the form is refused (returnPath checks any text).
    const next = returnPath(parsed.success ? parsed.data.next : formValue(fields, "next"));
    if (!parsed.success) {
      // Each empty or too long field is marked; what was typed as the email is kept (never the
      // password).
      const issues = new Map(
        parsed.error.issues.map((issue) => [String(issue.path[0] ?? ""), issue]),
      );
      const errors = ["email", "password"].filter((name) => issues.has(name))
        .map((name) => issues.get(name)!.code === "too_big" ? TOO_LONG[name]! : MISSING[name]!);
      return render(c, {
        next,
        reason: reasonOf(formValue(fields, "reason")),
        email: formValue(fields, "email")?.trim().slice(0, EMAIL_MAX),
        ...(errors.length > 0 ? { errors } : { error: "Enter your email and password." }),
      }, 400);
    }
    const reason = reasonOf(parsed.data.reason);
    try {
      const result = await ctx.services.auth.signIn(parsed.data.email, parsed.data.password, {
        ip: c.get("clientIp"),
        requestId: c.get("requestId"),
        previousSessionSecret: sessionSecretOf(c),
      });
      setSessionCookie(c, result.sessionSecret, secure);
      return c.redirect(next, 303);
    } catch (error) {
      if (error instanceof RateLimitedError) {
        const minutes = Math.max(1, Math.ceil((error.details.retryAfterSeconds ?? 60) / 60));
        return ctx.pages.render(
          c,
          <LoginBody
            next={next}
            reason={reason}
            email={parsed.data.email}
            error={`Too many failed attempts. Try again in ${minutes} minute${
              minutes === 1 ? "" : "s"
            }, or ask an administrator to clear the lock.`}
          />,
          {
            title: "Sign in",
            status: 429,
            headers: { "retry-after": String(error.details.retryAfterSeconds ?? 60) },
          },
        );
      }
      if (error instanceof KdfBusyError) {
        // Too many sign-ins at once (lib/auth/kdf_gate.ts): the form again, with what was typed.
        return ctx.pages.render(
          c,
          <LoginBody
            next={next}
            reason={reason}
            email={parsed.data.email}
            error="Sign-in is busy right now. Try again in a moment."
          />,
          {
            title: "Sign in",
            status: 503,
            headers: { "retry-after": String(error.details.retryAfterSeconds ?? 2) },
          },
        );
      }
      if (error instanceof AppError && error.code === "UNAUTHENTICATED") {
        return render(c, {
          next,
          reason,
          email: parsed.data.email,
          errors: [WRONG_CREDENTIALS],
        }, 401);
      }
      throw error;
    }
  });

  page(app, ctx.access, "GET", "/logout", { role: "public", class: "read" }, (c) => {
    const principal = c.get("principal");
    if (principal?.kind !== "user") return c.redirect("/", 303);
    return ctx.pages.render(
      c,
      <section class="form-card">
        <h1>Sign out</h1>
        <p>End your session on this browser?</p>
        <form method="post" action="/logout">
          <input type="hidden" name="csrf_token" value={principal.csrfToken} />
          <button type="submit" class="button button--primary">Sign out</button>
        </form>
      </section>,
      { title: "Sign out" },
    );
  });

  page(app, ctx.access, "POST", "/logout", { role: "public", class: "auth" }, async (c) => {
    const principal = c.get("principal");
    if (principal?.kind === "user") await ctx.services.auth.signOut(principal, c.get("requestId"));
    clearSessionCookie(c, secure);
    // Signing out is confirmed on a page that says so, not by landing on the start page.
    return c.redirect(signInPath("/", "signed_out"), 303);
  });
  return app;
}
