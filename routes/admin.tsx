/**
 * Administration pages: accounts and sign-in locks (/admin/users), API tokens
 * (/admin/tokens) and the audit log (/audit). Plain forms; no JavaScript needed.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import { z } from "zod";
import { actorOf, queryAudit } from "../lib/audit/mod.ts";
import { type ApiToken, ROLES, SCOPES, type User, type UserPrincipal } from "../lib/auth/mod.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError } from "../lib/errors/mod.ts";
import { createFormFailures, type FormFailure } from "../lib/web/form_failure.ts";
import { page } from "../lib/http/access.ts";
import { type FormFields, formValue, formValues, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { isPhiIssue, phiFormError } from "../lib/validation/no_phi.ts";
import { AuditQuery } from "./api/audit.ts";
import { TokenNameSchema } from "./api/admin.ts";
import { CsrfField, ErrorNotice, QueryNotice } from "../components/forms.tsx";
import { isStorableInstant } from "../lib/validation/dates.ts";

/** Fixed confirmation messages, chosen by key so no user input is reflected. */
const NOTICES: Record<string, string> = {
  user_created: "The account was created.",
  user_updated: "The account was updated.",
  password_set: "The password was set and the user's sessions were ended.",
  lock_cleared: "The sign-in lock was cleared.",
  token_revoked: "The token was revoked. Calls using it are refused from now on.",
};

const ADMIN_READ = { role: "ADMIN", class: "read" } as const;
const ADMIN_WRITE = { role: "ADMIN", class: "write" } as const;
const ADMIN_GOVERNANCE = { role: "ADMIN", class: "governance-write" } as const;

const CreateUserForm = z.object({
  email: z.string().trim().min(3).max(254),
  display_name: z.string().trim().max(120).optional(),
  role: z.enum(ROLES),
  password: z.string().max(1024).optional(),
});
const UpdateUserForm = z.object({
  role: z.enum(ROLES).optional(),
  active: z.enum(["true", "false"]).optional(),
});
const PasswordForm = z.object({ password: z.string().max(1024) });
const TokenForm = z.object({
  name: z.string().trim().pipe(TokenNameSchema),
  scopes: z.array(z.enum(SCOPES)).min(1),
  expires_at: z.string().max(40).optional(),
});

function when(date: Date | null): string {
  return date ? date.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "—";
}

/** What a page shows besides its data: an error, the status, headers and the form's input. */
interface PageState {
  error?: string;
  status?: number;
  headers?: Record<string, string>;
  /** The create form as submitted (never a password field). */
  form?: FormFields;
}

/** The page state for a failed action (lib/web/form_failure.ts). */
function failed(failure: FormFailure, form?: FormFields): PageState {
  return {
    error: failure.message,
    status: failure.status,
    headers: failure.headers,
    ...(form ? { form } : {}),
  };
}

export function adminPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;
  const failureOf = createFormFailures(ctx.services);

  /** Runs a form action; a domain error becomes a message on the re-rendered page. */
  async function attempt(
    c: Context<AppEnv>,
    action: () => Promise<void>,
  ): Promise<FormFailure | undefined> {
    try {
      await action();
      return undefined;
    } catch (error) {
      // Accounts and tokens are stored and then audited in separate statements: a failure late
      // in the action may follow a stored change, and the message says so.
      const failure = failureOf(c, error, { writes: "steps" });
      if (failure) return failure;
      throw error;
    }
  }

  async function usersPage(c: Context<AppEnv>, state: PageState = {}) {
    const { error, form } = state;
    const [users, locks] = await Promise.all([auth.listUsers(), auth.listLocks()]);
    const self = (c.get("principal") as UserPrincipal).id;
    return ctx.pages.render(
      c,
      <>
        <h1>Users</h1>
        <QueryNotice c={c} notices={NOTICES} />
        <ErrorNotice message={error} />
        <table class="data" aria-label="Accounts">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user: User) => (
              <tr key={user.id}>
                <td>{user.email}</td>
                <td>{user.displayName || <span class="muted">—</span>}</td>
                <td>
                  <form method="post" action={`/admin/users/${user.id}`} class="inline-form">
                    <CsrfField c={c} />
                    <label class="checkbox">
                      <span class="sr-only">Role of {user.email}</span>
                      <select name="role">
                        {ROLES.map((role) => (
                          <option key={role} value={role} selected={role === user.role}>
                            {role}
                          </option>
                        ))}
                      </select>
                    </label>{" "}
                    <button type="submit" class="button">Change role</button>
                  </form>
                </td>
                <td>
                  {user.active
                    ? <span class="badge badge--ok">active</span>
                    : <span class="badge badge--danger">deactivated</span>}
                </td>
                <td>{when(user.lastLoginAt)}</td>
                <td>
                  {user.id !== self && (
                    <form method="post" action={`/admin/users/${user.id}`} class="inline-form">
                      <CsrfField c={c} />
                      <input type="hidden" name="active" value={user.active ? "false" : "true"} />
                      <button
                        type="submit"
                        class={user.active ? "button button--danger" : "button"}
                      >
                        {user.active ? "Deactivate" : "Reactivate"}
                      </button>
                    </form>
                  )}
                  <details>
                    <summary>Set password</summary>
                    <form method="post" action={`/admin/users/${user.id}/password`}>
                      <CsrfField c={c} />
                      <label>
                        New password (12+ characters)
                        <input
                          type="password"
                          name="password"
                          autocomplete="new-password"
                          minLength={12}
                          required
                        />
                      </label>
                      <button type="submit" class="button">Set password</button>
                    </form>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2>Sign-in locks</h2>
        {locks.length === 0
          ? <p class="muted">No account or address is locked.</p>
          : (
            <table class="data" aria-label="Sign-in locks">
              <thead>
                <tr>
                  <th scope="col">Locked</th>
                  <th scope="col">Failures</th>
                  <th scope="col">Until</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {locks.map((lock) => (
                  <tr key={lock.key}>
                    <td>
                      {lock.kind === "account"
                        ? (lock.user?.email ?? "an unknown account")
                        : `a client address (hashed ${lock.key.slice(0, 8)}…)`}
                    </td>
                    <td>{lock.failures}</td>
                    <td>{when(lock.lockedUntil)}</td>
                    <td>
                      <form
                        method="post"
                        action={`/admin/locks/${lock.key}/clear`}
                        class="inline-form"
                      >
                        <CsrfField c={c} />
                        <button type="submit" class="button">Clear lock</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

        <h2>Add an account</h2>
        <form method="post" action="/admin/users" class="form-card">
          <CsrfField c={c} />
          <label>
            Email
            <input
              type="email"
              name="email"
              required
              maxLength={254}
              value={form ? formValue(form, "email") ?? "" : ""}
            />
          </label>
          <label>
            Display name
            <input
              type="text"
              name="display_name"
              maxLength={120}
              value={form ? formValue(form, "display_name") ?? "" : ""}
            />
          </label>
          <label>
            Role
            <select name="role">
              {ROLES.map((role) => (
                <option
                  key={role}
                  value={role}
                  selected={form ? formValue(form, "role") === role : false}
                >
                  {role}
                </option>
              ))}
            </select>
          </label>
          <label>
            Initial password{" "}
            <span class="field-hint">(12+ characters; leave empty to set it later)</span>
            <input type="password" name="password" autocomplete="new-password" />
          </label>
          <button type="submit" class="button button--primary">Add account</button>
        </form>
      </>,
      {
        title: "Users",
        status: state.status ?? 200,
        ...(state.headers ? { headers: state.headers } : {}),
      },
    );
  }

  page(app, ctx.access, "GET", "/admin/users", ADMIN_READ, (c) => usersPage(c));

  page(app, ctx.access, "POST", "/admin/users", ADMIN_WRITE, async (c) => {
    const form = await readForm(c);
    const parsed = CreateUserForm.safeParse(form);
    if (!parsed.success) {
      return await usersPage(c, {
        error: "Check the email and role of the new account.",
        status: 400,
        form,
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
    if (failure) return await usersPage(c, failed(failure, form));
    return c.redirect("/admin/users?notice=user_created", 303);
  });

  page(app, ctx.access, "POST", "/admin/users/:id", ADMIN_GOVERNANCE, async (c) => {
    const parsed = UpdateUserForm.safeParse(await readForm(c));
    if (!parsed.success) {
      return await usersPage(c, { error: "The change was not understood.", status: 400 });
    }
    const changes = {
      ...(parsed.data.role ? { role: parsed.data.role } : {}),
      ...(parsed.data.active ? { active: parsed.data.active === "true" } : {}),
    };
    const failure = await attempt(c, async () => {
      await auth.updateUser(
        param(c, "id"),
        changes,
        actorOf(c.get("principal")),
        c.get("requestId"),
        { onlyReducingAccess: ctx.services.mode.current() === "STANDBY" },
      );
    });
    if (failure) return await usersPage(c, failed(failure));
    return c.redirect("/admin/users?notice=user_updated", 303);
  });

  page(app, ctx.access, "POST", "/admin/users/:id/password", ADMIN_WRITE, async (c) => {
    const parsed = PasswordForm.safeParse(await readForm(c));
    if (!parsed.success) return await usersPage(c, { error: "Enter a new password.", status: 400 });
    const failure = await attempt(c, async () => {
      await auth.resetPassword(
        param(c, "id"),
        parsed.data.password,
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
    });
    if (failure) return await usersPage(c, failed(failure));
    return c.redirect("/admin/users?notice=password_set", 303);
  });

  page(app, ctx.access, "POST", "/admin/locks/:key/clear", ADMIN_GOVERNANCE, async (c) => {
    const key = param(c, "key");
    if (!/^[0-9a-f]{64}$/.test(key)) {
      return await usersPage(c, { error: "That lock does not exist.", status: 404 });
    }
    await auth.clearLock(key, actorOf(c.get("principal")), c.get("requestId"));
    return c.redirect("/admin/users?notice=lock_cleared", 303);
  });

  async function tokensPage(
    c: Context<AppEnv>,
    options: PageState & { created?: { name: string; secret: string } } = {},
  ) {
    const tokens = await auth.listTokens();
    const form = options.form;
    return ctx.pages.render(
      c,
      <>
        <h1>API tokens</h1>
        <p class="lede">
          Tokens let services call the API (<code>Authorization: Bearer …</code>): the worker's job
          callbacks need <code>jobs:write</code>, OpenFeature clients need{" "}
          <code>flags:evaluate</code>.
        </p>
        <QueryNotice c={c} notices={NOTICES} />
        <ErrorNotice message={options.error} />
        {options.created && (
          <div class="notice notice--warn" role="alert">
            <p>
              <strong>Copy the token for “{options.created.name}” now.</strong>{" "}
              It is stored only as a hash and cannot be shown again.
            </p>
            <pre data-testid="new-token">{options.created.secret}</pre>
          </div>
        )}
        <table class="data" aria-label="API tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 && (
              <tr>
                <td colSpan={6} class="muted">No tokens yet.</td>
              </tr>
            )}
            {tokens.map((token: ApiToken) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.scopes.map((s) => <span key={s} class="badge">{s}</span>)}</td>
                <td>{when(token.createdAt)}</td>
                <td>{when(token.expiresAt)}</td>
                <td>{when(token.lastUsedAt)}</td>
                <td>
                  {token.revokedAt ? <span class="badge badge--danger">revoked</span> : (
                    <form
                      method="post"
                      action={`/admin/tokens/${token.id}/revoke`}
                      class="inline-form"
                    >
                      <CsrfField c={c} />
                      <button type="submit" class="button button--danger">Revoke</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Create a token</h2>
        <form method="post" action="/admin/tokens" class="form-card">
          <CsrfField c={c} />
          <label>
            Name <span class="field-hint">(which service uses it)</span>
            <input
              type="text"
              name="name"
              required
              maxLength={100}
              value={form ? formValue(form, "name") ?? "" : ""}
            />
          </label>
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((scope) => (
              <label key={scope} class="checkbox">
                <input
                  type="checkbox"
                  name="scopes"
                  value={scope}
                  checked={form ? formValues(form, "scopes").includes(scope) : false}
                />{" "}
                {scope}
              </label>
            ))}
          </fieldset>
          <label>
            Expires <span class="field-hint">(optional, UTC)</span>
            <input
              type="datetime-local"
              name="expires_at"
              value={form ? formValue(form, "expires_at") ?? "" : ""}
            />
          </label>
          <button type="submit" class="button button--primary">Create token</button>
        </form>
      </>,
      {
        title: "API tokens",
        status: options.status ?? 200,
        headers: { "cache-control": "no-store", ...options.headers },
      },
    );
  }

  page(app, ctx.access, "GET", "/admin/tokens", ADMIN_READ, (c) => tokensPage(c));

  page(app, ctx.access, "POST", "/admin/tokens", ADMIN_WRITE, async (c) => {
    const form = await readForm(c);
    const scopes = Array.isArray(form.scopes) ? form.scopes : form.scopes ? [form.scopes] : [];
    const parsed = TokenForm.safeParse({ ...form, scopes });
    if (!parsed.success) {
      const phi = parsed.error.issues.find(isPhiIssue);
      return await tokensPage(c, {
        error: phi
          ? phiFormError("Name", phi.message)
          : "Give the token a name and at least one scope.",
        status: 400,
        form,
      });
    }
    const expires = parsed.data.expires_at ? new Date(`${parsed.data.expires_at}Z`) : null;
    if (expires && !isStorableInstant(expires.getTime())) {
      return await tokensPage(c, { error: "The expiry date is not valid.", status: 400, form });
    }
    let created: { name: string; secret: string } | undefined;
    const failure = await attempt(c, async () => {
      const { token, secret } = await auth.createToken(
        { name: parsed.data.name, scopes: parsed.data.scopes, expiresAt: expires },
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
      created = { name: token.name, secret };
    });
    if (failure) return await tokensPage(c, failed(failure, form));
    return await tokensPage(c, { created: created!, status: 201 });
  });

  page(app, ctx.access, "POST", "/admin/tokens/:id/revoke", ADMIN_GOVERNANCE, async (c) => {
    const failure = await attempt(
      c,
      () => auth.revokeToken(param(c, "id"), actorOf(c.get("principal")), c.get("requestId")),
    );
    if (failure) return await tokensPage(c, failed(failure));
    return c.redirect("/admin/tokens?notice=token_revoked", 303);
  });

  page(app, ctx.access, "GET", "/audit", { role: "STEWARD", class: "read" }, async (c) => {
    const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
    const parsed = AuditQuery.safeParse(raw);
    const filter = parsed.success ? parsed.data : {};
    const pageData = await queryAudit(ctx.services.db, {
      ...filter,
      from: filter.from ? new Date(filter.from) : undefined,
      to: filter.to ? new Date(filter.to) : undefined,
    }).catch((error) => {
      if (error instanceof AppError) return { records: [], nextCursor: null };
      throw error;
    });
    const next = new URLSearchParams({ ...raw, cursor: pageData.nextCursor ?? "" });
    return ctx.pages.render(
      c,
      <>
        <h1>Audit log</h1>
        <p class="lede">Every state change, newest first. Entries cannot be edited or deleted.</p>
        <ErrorNotice
          message={parsed.success ? undefined : "Some filters were not valid and were ignored."}
        />
        <form
          method="get"
          action="/audit"
          class="panel filter-form"
          aria-label="Filter the audit log"
        >
          <FilterField label="Action (or prefix ending in .)" name="action" value={raw.action} />
          <FilterField label="Actor id" name="actor" value={raw.actor} />
          <FilterField label="Target type" name="targetType" value={raw.targetType} />
          <FilterField label="Target id" name="targetId" value={raw.targetId} />
          <button type="submit" class="button">Filter</button>
        </form>
        <table class="data" aria-label="Audit records">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {pageData.records.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">No matching records.</td>
              </tr>
            )}
            {pageData.records.map((record) => (
              <tr key={record.id}>
                <td>{record.createdAt.replace("T", " ").slice(0, 19)}</td>
                <td>
                  {record.actorType}
                  {record.actorId && <code class="muted">{` ${record.actorId.slice(0, 8)}`}</code>}
                </td>
                <td>
                  <code>{record.action}</code>
                </td>
                <td>{record.targetType ? `${record.targetType} ${record.targetId ?? ""}` : "—"}</td>
                <td>
                  <ChangeView before={record.before} after={record.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {pageData.nextCursor && (
          <p>
            <a class="button" href={`/audit?${next}`}>Older entries</a>
          </p>
        )}
      </>,
      { title: "Audit log" },
    );
  });
  return app;
}

function FilterField(
  { label, name, value }: { label: string; name: string; value: string | undefined },
) {
  return (
    <label>
      {label}
      <input type="text" name={name} value={value ?? ""} />
    </label>
  );
}

function ChangeView({ before, after }: { before: unknown; after: unknown }): ComponentChildren {
  if (before === null && after === null) return <span class="muted">—</span>;
  return (
    <details>
      <summary>details</summary>
      {before !== null && <pre>{`before: ${JSON.stringify(before, null, 1)}`}</pre>}
      {after !== null && <pre>{`after: ${JSON.stringify(after, null, 1)}`}</pre>}
    </details>
  );
}

/** A path parameter the route pattern guarantees. */
function param(c: Context<AppEnv>, name: string): string {
  return c.req.param(name) ?? "";
}
