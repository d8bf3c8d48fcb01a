/**
 * Accounts and sign-in locks (/admin/users, /admin/locks): find (one page of 50 accounts in email
 * order, a search by email or name), add, change role, deactivate or reactivate, set a password,
 * clear a lock. Plain forms; no JavaScript needed.
 *
 * Every form carries the listing it was sent from (`return`, see components/admin/users_listing.ts):
 * a change that succeeds goes back to it with its notice; a row's action that fails shows that
 * account's row with its error (wherever it is in the list) and a link back to the listing.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { actorOf } from "../../lib/audit/mod.ts";
import { setSessionCookie, type UserPrincipal } from "../../lib/auth/mod.ts";
import { SignInLockedError } from "../../lib/auth/service.ts";
import type { RouteContext } from "../../lib/context.ts";
import { RateLimitedError } from "../../lib/errors/mod.ts";
import { page } from "../../lib/http/access.ts";
import { firstValues, formValue, readForm } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { passwordFields, USER_FIELDS } from "../../lib/admin/fields.ts";
import { CREATE_USER_MESSAGES } from "../../lib/admin/messages.ts";
import { newAccountErrors } from "../../lib/admin/new_account.ts";
import {
  failed,
  issueErrors,
  issuePaths,
  type PageState,
  passwordErrorOnTop,
} from "../../lib/admin/page_state.ts";
import { UsersView } from "../../components/admin/UsersView.tsx";
import { createUserDirectory, type DirectoryPage } from "../../lib/auth/user_directory.ts";
import {
  hrefOf,
  listingOf,
  returnListing,
  USERS_PAGE_SIZE,
  type UsersListing,
} from "../../components/admin/users_listing.ts";
import { CreateUserForm, createUserRuleValues, PasswordForm, UpdateUserForm } from "./forms.ts";
import { ADMIN_GOVERNANCE, ADMIN_READ, ADMIN_WRITE, adminForms, param } from "./shared.ts";

/** What the users page says about a change form posted without a role or active flag. */
const EMPTY_CHANGE_MESSAGE =
  "Nothing was changed: choose a new role, or deactivate or reactivate the account, and submit " +
  "that row's form again.";

/** What the users page lists: a part of the directory, or only the account `focus`. */
interface Shown {
  listing: UsersListing;
  /** The search refused (too long), if one was. */
  searchError?: string | undefined;
  /**
   * The id of the account a failed row action was about: shown with its error on the listed page
   * when it is there, else its row alone (with a link back to the listing).
   */
  focus?: string;
}

/** A page parameter naming an account (anything else names none). */
const ACCOUNT_ID = /^[A-Za-z0-9-]{1,64}$/;

export function userPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;
  const directory = createUserDirectory(ctx.services.db);
  const { failureOf, attempt, writesPaused, pausedForm } = adminForms(ctx, app);

  async function usersPage(
    c: Context<AppEnv>,
    state: PageState = {},
    shown: Shown = { listing: { q: "" } },
  ) {
    const paused = writesPaused();
    const noticedId = c.req.query("notice") ? c.req.query("id") : undefined;
    const { listing } = shown;
    const [listed, target, locks, noticed] = await Promise.all([
      directory.page({
        search: listing.q,
        ...(listing.after ? { after: listing.after } : {}),
        ...(listing.before ? { before: listing.before } : {}),
        ...(listing.last ? { last: true } : {}),
        limit: USERS_PAGE_SIZE,
      }),
      shown.focus && ACCOUNT_ID.test(shown.focus) ? directory.find(shown.focus) : undefined,
      auth.listLocks(),
      noticedId && ACCOUNT_ID.test(noticedId) ? directory.find(noticedId) : undefined,
    ]);
    // A failed action's account not on the page it was sent from is shown alone, with its error
    // (when it is gone, the page it was sent from).
    const focused = target && !listed.users.some((user) => user.id === target.id)
      ? target
      : undefined;
    const page: DirectoryPage = focused
      ? { users: [focused], total: listed.total, matching: 1, offset: 0 }
      : listed;
    // An error for the set-password form of an account not listed (any more) goes on top.
    state = passwordErrorOnTop(state, page.users.map((user) => user.id));
    const self = (c.get("principal") as UserPrincipal).id;
    return ctx.pages.render(
      c,
      <UsersView
        c={c}
        page={page}
        listing={listing}
        searchError={shown.searchError}
        focused={focused !== undefined}
        noticed={noticed}
        locks={locks}
        self={self}
        state={state}
        paused={paused}
      />,
      {
        title: "Users",
        status: state.status ?? 200,
        ...(state.headers ? { headers: state.headers } : {}),
      },
    );
  }

  /** The users page for a failed action on the account `:id`: its row, with the error. */
  function rowPage(c: Context<AppEnv>, state: PageState, back: UsersListing) {
    return usersPage(c, state, { listing: back, focus: param(c, "id") });
  }

  page(app, ctx.access, "GET", "/admin/users", ADMIN_READ, (c) => {
    const { listing, error } = listingOf((name) => c.req.query(name));
    return usersPage(c, error ? { status: 400 } : {}, { listing, searchError: error });
  });

  pausedForm(
    "/admin/users",
    ADMIN_WRITE,
    (c, failure, form) =>
      usersPage(c, failed(failure, form, "create"), {
        listing: returnListing(formValue(form, "return")),
      }),
  );
  pausedForm(
    "/admin/users/:id/password",
    ADMIN_WRITE,
    (c, failure, form) =>
      rowPage(
        c,
        failed(failure, undefined, `password:${param(c, "id")}`),
        returnListing(formValue(form, "return")),
      ),
  );

  page(app, ctx.access, "POST", "/admin/users", ADMIN_WRITE, async (c) => {
    const form = await readForm(c);
    const back = returnListing(formValue(form, "return"));
    const parsed = CreateUserForm.safeParse(form);
    // The schema's messages and the account rules' (which the service stops at the first of),
    // all together: one correction, one more typing of the password.
    const errors = newAccountErrors(
      parsed.success ? [] : issueErrors(
        parsed.error.issues,
        USER_FIELDS,
        (name) => CREATE_USER_MESSAGES[name] ?? "Check the new account's details.",
      ),
      createUserRuleValues(form),
    );
    if (!parsed.success || errors.length > 0) {
      return await usersPage(c, { errors, errorAt: "create", status: 400, form }, {
        listing: back,
      });
    }
    const { email, display_name, role, password } = parsed.data;
    const failure = await attempt(c, async () => {
      await auth.createUser(
        {
          email,
          role,
          ...(display_name ? { displayName: display_name } : {}),
          ...(password ? { password } : {}),
        },
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
    });
    if (failure) {
      return await usersPage(
        c,
        failed(failure, form, "create", {
          "$.email": USER_FIELDS.email,
          "$.displayName": USER_FIELDS.display_name,
          "$.password": USER_FIELDS.password,
          // The one conflict of a new account: its email is in use.
          conflict: USER_FIELDS.email,
        }),
        { listing: back },
      );
    }
    return c.redirect(hrefOf(back, [["notice", "user_created"]]), 303);
  });

  page(app, ctx.access, "POST", "/admin/users/:id", ADMIN_GOVERNANCE, async (c) => {
    const form = await readForm(c);
    const back = returnListing(formValue(form, "return"));
    const parsed = UpdateUserForm.safeParse(form);
    if (!parsed.success) {
      return await rowPage(c, { error: "The change was not understood.", status: 400 }, back);
    }
    const changes = {
      ...(parsed.data.role ? { role: parsed.data.role } : {}),
      ...(parsed.data.active ? { active: parsed.data.active === "true" } : {}),
    };
    // A post naming nothing (a stale or hand-made form) changed nothing, yet was confirmed as
    // "updated" and audited: it is refused, on the users page, so the administrator can go on.
    if (Object.keys(changes).length === 0) {
      return await rowPage(c, { error: EMPTY_CHANGE_MESSAGE, status: 400 }, back);
    }
    let changed = true;
    const failure = await attempt(c, async () => {
      ({ changed } = await auth.updateUser(
        param(c, "id"),
        changes,
        actorOf(c.get("principal")),
        c.get("requestId"),
        { onlyReducingAccess: ctx.services.mode.current() === "STANDBY" },
      ));
    });
    if (failure) return await rowPage(c, failed(failure), back);
    const notice = !changed
      ? "user_unchanged"
      : changes.active === false
      ? "user_deactivated"
      : changes.active === true
      ? "user_reactivated"
      : changes.role
      ? "role_changed"
      : "user_updated";
    return c.redirect(hrefOf(back, [["notice", notice], ["id", param(c, "id")]]), 303);
  });

  page(app, ctx.access, "POST", "/admin/users/:id/password", ADMIN_WRITE, async (c) => {
    const at = `password:${param(c, "id")}`;
    const fields = passwordFields(param(c, "id"));
    const fieldValues = firstValues(await readForm(c));
    const back = returnListing(fieldValues.return);
    const parsed = PasswordForm.safeParse(fieldValues);
    if (!parsed.success) {
      return await rowPage(c, {
        errors: issueErrors(
          parsed.error.issues,
          fields,
          (name) =>
            name === "current_password"
              ? "Your password: at most 1024 characters."
              : "Enter a new password (12 to 1024 characters).",
        ),
        status: 400,
        errorAt: at,
      }, back);
    }
    const { password, current_password } = parsed.data;
    if (!current_password) {
      return await rowPage(c, {
        errors: [{
          message: "Enter your own password too, to confirm that it is you setting this password.",
          field: fields.current_password,
        }],
        status: 400,
        errorAt: at,
      }, back);
    }
    let which: Awaited<ReturnType<typeof auth.setPasswordAsAdmin>>;
    try {
      which = await auth.setPasswordAsAdmin(
        c.get("principal") as UserPrincipal,
        { userId: param(c, "id"), password, adminPassword: current_password },
        { ip: c.get("clientIp"), requestId: c.get("requestId") },
        { password: "$.password", currentPassword: "$.currentPassword" },
      );
    } catch (error) {
      if (error instanceof RateLimitedError) {
        // The administrator's own account is locked after wrong passwords, or the address they
        // send from after failed sign-ins (not necessarily theirs): nothing was changed.
        const seconds = error.details.retryAfterSeconds ?? 60;
        const minutes = Math.max(1, Math.ceil(seconds / 60));
        const wait = `${minutes} minute${minutes === 1 ? "" : "s"}`;
        return await rowPage(c, {
          error: error instanceof SignInLockedError && error.scope === "address"
            ? `Too many failed sign-ins from your network, so nothing was changed. Try again in ` +
              `${wait}, or clear the lock for your network address (an address lock under ` +
              `Sign-in locks, below). You stay signed in here.`
            : "Too many wrong passwords: your account is locked for a while, so nothing was " +
              "changed. Another administrator can clear the lock; you stay signed in here.",
          status: 429,
          headers: { "retry-after": String(seconds) },
          errorAt: at,
        }, back);
      }
      const failure = failureOf(c, error, { writes: "steps" });
      if (!failure) throw error;
      return await rowPage(
        c,
        failed({ ...failure, paths: issuePaths(error) }, undefined, at, {
          // The names given to the service above, for another's account and the own alike.
          "$.password": fields.password,
          "$.currentPassword": fields.current_password,
        }),
        back,
      );
    }
    if (which.kind === "own") {
      // This session goes on under a new secret (the next page has the new CSRF token).
      if (which.renewed) {
        setSessionCookie(c, which.renewed.sessionSecret, ctx.config.appEnv !== "development");
      }
      return c.redirect(hrefOf(back, [["notice", "own_password_changed"]]), 303);
    }
    return c.redirect(hrefOf(back, [["notice", "password_set"], ["id", param(c, "id")]]), 303);
  });

  page(app, ctx.access, "POST", "/admin/locks/:key/clear", ADMIN_GOVERNANCE, async (c) => {
    const key = param(c, "key");
    const back = returnListing(formValue(await readForm(c), "return"));
    if (!/^[0-9a-f]{64}$/.test(key)) {
      return await usersPage(c, { error: "That lock does not exist.", status: 404 }, {
        listing: back,
      });
    }
    await auth.clearLock(key, actorOf(c.get("principal")), c.get("requestId"));
    return c.redirect(hrefOf(back, [["notice", "lock_cleared"]]), 303);
  });
  return app;
}
