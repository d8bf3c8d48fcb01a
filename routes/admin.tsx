/**
 * Administration pages: accounts and sign-in locks (/admin/users), API tokens
 * (/admin/tokens) and the audit log (/audit). Plain forms; no JavaScript needed.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { actorOf, queryAudit } from "../lib/audit/mod.ts";
import { type ApiToken, SCOPES, sessionSecretOf } from "../lib/auth/mod.ts";
import { type RevealOnce, RevealReadError } from "../lib/auth/reveal_once.ts";
import { resolveActor } from "../lib/audit/actor_filter.ts";
import type { RouteContext } from "../lib/context.ts";
import { AppError, NotFoundError } from "../lib/errors/mod.ts";
import { page } from "../lib/http/access.ts";
import { formValue, formValues, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { isPhiIssue, phiFormError } from "../lib/validation/no_phi.ts";
import { AuditQuery } from "./api/audit.ts";
import { TokenIdSchema } from "./api/admin.ts";
import { CsrfField, ErrorNotice, FieldError, fieldErrorAttrs } from "../components/forms.tsx";
import { isStorableInstant } from "../lib/validation/dates.ts";
import { utcTime } from "../islands/shared/time.ts";
import { shortId, when } from "../lib/admin/format.ts";
import { TOKEN_FIELDS } from "../lib/admin/fields.ts";
import { TOKEN_MESSAGES } from "../lib/admin/messages.ts";
import {
  errorsAt,
  failed,
  issueErrors,
  type PageState,
  topError,
} from "../lib/admin/page_state.ts";
import { ChangeView } from "../components/admin/ChangeView.tsx";
import { FilterField } from "../components/admin/FilterField.tsx";
import { FormErrors } from "../components/admin/FormErrors.tsx";
import { NamedNotice } from "../components/admin/NamedNotice.tsx";
import { RevokeTokenForm } from "../components/admin/RevokeTokenForm.tsx";
import { StandbyNotice } from "../components/admin/StandbyNotice.tsx";
import { TableScroll } from "../components/admin/TableScroll.tsx";
import { TokenForm, UUID } from "./admin/forms.ts";
import { userPageRoutes } from "./admin/users.tsx";
import { ADMIN_GOVERNANCE, ADMIN_READ, ADMIN_WRITE, adminForms, param } from "./admin/shared.ts";

/** Services of the admin pages that are not on {@link RouteContext} (createApp builds them). */
export interface AdminPageServices {
  /** A new token's secret waits here for the one GET after the create form's redirect. */
  tokenReveal: RevealOnce;
}

export function adminPageRoutes(
  ctx: RouteContext,
  { tokenReveal: reveal }: AdminPageServices,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;
  const { attempt, writesPaused, pausedForm } = adminForms(ctx, app);

  app.route("/", userPageRoutes(ctx));

  async function tokensPage(
    c: Context<AppEnv>,
    options: PageState & { created?: { name: string; secret: string } } = {},
  ) {
    const tokens = await auth.listTokens();
    const form = options.form;
    const createErrors = errorsAt(options, "create");
    const paused = writesPaused();
    // After the create form's redirect: the secret, read once from the store. A reload, or any
    // other session, finds nothing and says that the secret cannot be shown again.
    const createdId = c.req.method === "GET" ? c.req.query("created") ?? "" : "";
    const createdToken = UUID.test(createdId) ? tokens.find((t) => t.id === createdId) : undefined;
    const sessionSecret = sessionSecretOf(c);
    // `unreadable`: the store did not answer, or lost its answer to the read that removes the
    // secret. It was not shown, and may be gone: the page must not say it was shown.
    let unreadable = false;
    const revealed = createdToken && sessionSecret
      ? await reveal.take(sessionSecret, createdToken.id).catch((error) => {
        if (!(error instanceof RevealReadError)) throw error;
        c.get("logger")?.warn("token secret could not be read from the reveal store", {
          errorType: error.cause instanceof Error ? error.cause.name : error.name,
        });
        unreadable = true;
        return undefined;
      })
      : undefined;
    const created = options.created ??
      (createdToken && revealed ? { name: createdToken.name, secret: revealed } : undefined);
    return ctx.pages.render(
      c,
      <>
        <h1>API tokens</h1>
        <p class="lede">
          Tokens let services call the API (<code>Authorization: Bearer …</code>): the worker's job
          callbacks need <code>jobs:write</code>, OpenFeature clients need{" "}
          <code>flags:evaluate</code>.
        </p>
        <NamedNotice
          c={c}
          find={(id) => {
            const token = tokens.find((t) => t.id === id);
            return token ? { name: token.name } : undefined;
          }}
        />
        <ErrorNotice message={topError(options)} />
        {created && (
          <div class="notice notice--warn" role="alert">
            <p>
              <strong>Copy the token for “{created.name}” now.</strong>{" "}
              It is stored only as a hash and cannot be shown again, not even by reloading this
              page.
            </p>
            <pre data-testid="new-token">{created.secret}</pre>
          </div>
        )}
        {createdToken && !created && unreadable && !createdToken.revokedAt && (
          <div class="notice notice--error" role="alert" data-testid="token-unreadable">
            <p>
              Token “{createdToken.name}” (id{" "}
              <code>{shortId(createdToken.id)}</code>) was created, but its secret could not be read
              just now: the store that keeps it for one look did not answer. It was not shown here,
              and it may be lost. Revoke this token and create a new one.
            </p>
            <RevokeTokenForm c={c} token={createdToken} />{" "}
            <a href="#create-token">Create a new token</a>
          </div>
        )}
        {createdToken && !created && !(unreadable && !createdToken.revokedAt) && (
          <p class="notice notice--ok" role="status" data-testid="token-created">
            Token “{createdToken.name}” (id{" "}
            <code>{shortId(createdToken.id)}</code>) was created. Its secret was shown once and
            cannot be shown again: if it was not copied, revoke this token and create another.
          </p>
        )}
        <TableScroll label="API tokens">
          <table class="data" aria-label="API tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Token id</th>
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
                  <td colSpan={7} class="muted">No tokens yet.</td>
                </tr>
              )}
              {tokens.map((token: ApiToken) => (
                <tr key={token.id} data-testid="token-row">
                  <td>
                    {token.name}
                    {token.id === createdToken?.id && (
                      <>
                        {" "}
                        <span class="badge badge--ok">new</span>
                      </>
                    )}
                  </td>
                  <td>
                    {/* Tells apart tokens of the same name; the audit log shows the full id. */}
                    <code title={token.id} data-testid="token-id">{shortId(token.id)}</code>
                  </td>
                  <td>{token.scopes.map((s) => <span key={s} class="badge">{s}</span>)}</td>
                  <td>{when(token.createdAt)}</td>
                  <td>{when(token.expiresAt)}</td>
                  <td>{when(token.lastUsedAt)}</td>
                  <td>
                    {token.revokedAt
                      ? <span class="badge badge--danger">revoked</span>
                      : (
                        <details class="confirm" data-testid="revoke">
                          <summary>
                            Revoke<span class="sr-only">{` ${token.name}`}</span>
                          </summary>
                          <p>
                            Every call with “{token.name}” gets 401 from the next request on
                            {token.scopes.includes("jobs:write")
                              ? ", so the worker's job callbacks using it stop at once"
                              : ""}. A revoked token cannot be restored: create a new one and give
                            it to the service.
                          </p>
                          <RevokeTokenForm c={c} token={token} />
                        </details>
                      )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
        <h2 id="create-token">Create a token</h2>
        {paused && <StandbyNotice paused="new tokens" stillWorks="Revoking a token still works." />}
        <form method="post" action="/admin/tokens" class="form-card">
          <FormErrors state={options} at="create" title="The token was not created:" />
          <CsrfField c={c} />
          <label>
            Name <span class="field-hint">(which service uses it)</span>
            <input
              type="text"
              id={TOKEN_FIELDS.name}
              name="name"
              required
              maxLength={100}
              value={form ? formValue(form, "name") ?? "" : ""}
              {...fieldErrorAttrs(createErrors, TOKEN_FIELDS.name)}
            />
          </label>
          <FieldError errors={createErrors} field={TOKEN_FIELDS.name} />
          <fieldset>
            <legend>Scopes</legend>
            <FieldError errors={createErrors} field={TOKEN_FIELDS.scopes} />
            {SCOPES.map((scope, i) => (
              <label key={scope} class="checkbox">
                <input
                  type="checkbox"
                  {
                    // The first box carries the group's id: a message about the scopes links to it.
                    ...(i === 0 ? { id: TOKEN_FIELDS.scopes } : {})
                  }
                  name="scopes"
                  value={scope}
                  checked={form ? formValues(form, "scopes").includes(scope) : false}
                  {...fieldErrorAttrs(createErrors, TOKEN_FIELDS.scopes)}
                />{" "}
                {scope}
              </label>
            ))}
          </fieldset>
          <label>
            Expires <span class="field-hint">(optional, UTC)</span>
            <input
              type="datetime-local"
              id={TOKEN_FIELDS.expires_at}
              name="expires_at"
              value={form ? formValue(form, "expires_at") ?? "" : ""}
              {...fieldErrorAttrs(createErrors, TOKEN_FIELDS.expires_at)}
            />
          </label>
          <FieldError errors={createErrors} field={TOKEN_FIELDS.expires_at} />
          <button type="submit" class="button button--primary">
            Create token
          </button>
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

  pausedForm(
    "/admin/tokens",
    ADMIN_WRITE,
    (c, failure, form) => tokensPage(c, failed(failure, form, "create")),
  );

  page(app, ctx.access, "POST", "/admin/tokens", ADMIN_WRITE, async (c) => {
    const form = await readForm(c);
    const scopes = Array.isArray(form.scopes) ? form.scopes : form.scopes ? [form.scopes] : [];
    const parsed = TokenForm.safeParse({ ...form, scopes });
    if (!parsed.success) {
      return await tokensPage(c, {
        errors: issueErrors(
          parsed.error.issues,
          TOKEN_FIELDS,
          (name, issue) =>
            name === "name" && isPhiIssue(issue)
              ? phiFormError("Name", issue.message)
              : TOKEN_MESSAGES[name] ?? "Give the token a name and at least one scope.",
        ),
        errorAt: "create",
        status: 400,
        form,
      });
    }
    const expires = parsed.data.expires_at ? new Date(`${parsed.data.expires_at}Z`) : null;
    if (expires && !isStorableInstant(expires.getTime())) {
      return await tokensPage(c, {
        errors: [{ message: TOKEN_MESSAGES.expires_at!, field: TOKEN_FIELDS.expires_at }],
        errorAt: "create",
        status: 400,
        form,
      });
    }
    let created: { id: string; name: string; secret: string } | undefined;
    const failure = await attempt(c, async () => {
      const { token, secret } = await auth.createToken(
        { name: parsed.data.name, scopes: parsed.data.scopes, expiresAt: expires },
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
      created = { id: token.id, name: token.name, secret };
    });
    if (failure) {
      return await tokensPage(
        c,
        failed(failure, form, "create", { "$.expiresAt": TOKEN_FIELDS.expires_at }),
      );
    }
    // POST, redirect, GET: reloading the page that shows the secret must not post the form again
    // (that created a second live token of the same name). The secret waits for that GET.
    const sessionSecret = sessionSecretOf(c);
    if (sessionSecret && await reveal.put(sessionSecret, created!.id, created!.secret)) {
      return c.redirect(`/admin/tokens?created=${encodeURIComponent(created!.id)}`, 303);
    }
    // The store did not take it (Redis did not answer): shown now rather than lost.
    c.get("logger")?.warn("token secret shown without redirect; reveal store unavailable");
    return await tokensPage(c, { created: created!, status: 201 });
  });

  page(app, ctx.access, "POST", "/admin/tokens/:id/revoke", ADMIN_GOVERNANCE, async (c) => {
    const id = param(c, "id");
    const failure = await attempt(c, async () => {
      // Anything but a token id names no token: the service (which announces what it ends to
      // every instance) is not asked.
      if (!TokenIdSchema.safeParse(id).success) throw new NotFoundError("No such API token");
      await auth.revokeToken(id, actorOf(c.get("principal")), c.get("requestId"));
    });
    if (failure) return await tokensPage(c, failed(failure));
    return c.redirect(
      `/admin/tokens?notice=token_revoked&id=${encodeURIComponent(id)}`,
      303,
    );
  });

  /** Who an audit record names: display name (or token name) and id, from the stored rows. */
  async function auditNames() {
    const [users, tokens] = await Promise.all([auth.listUsers(), auth.listTokens()]);
    return { users, tokens };
  }

  page(app, ctx.access, "GET", "/audit", { role: "STEWARD", class: "read" }, async (c) => {
    const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
    const names = await auditNames();
    let actorError: string | undefined;
    if (raw.actor !== undefined) {
      const resolved = resolveActor(raw.actor, names);
      if ("id" in resolved && resolved.id !== raw.actor) {
        // The id in the address instead of what was typed (an e-mail address stays out of it).
        return c.redirect(`/audit?${new URLSearchParams({ ...raw, actor: resolved.id })}`, 303);
      }
      if ("error" in resolved) actorError = resolved.error;
    }
    const parsed = AuditQuery.safeParse(raw);
    const filter = parsed.success ? parsed.data : {};
    const pageData = actorError
      ? { records: [], nextCursor: null }
      : await queryAudit(ctx.services.db, {
        ...filter,
        from: filter.from ? new Date(filter.from) : undefined,
        to: filter.to ? new Date(filter.to) : undefined,
      }).catch((error) => {
        if (error instanceof AppError) return { records: [], nextCursor: null };
        throw error;
      });
    const next = new URLSearchParams({ ...raw, cursor: pageData.nextCursor ?? "" });
    const userById = new Map(names.users.map((u) => [u.id, u]));
    const tokenById = new Map(names.tokens.map((t) => [t.id, t]));
    /** A user or token as the page names it: the name, then the full id (selectable). */
    const Named = ({ kind, id }: { kind: string; id: string | null }) => {
      if (!id) return <>{kind}</>;
      const user = kind === "user" ? userById.get(id) : undefined;
      const token = kind === "token" || kind === "api_token" ? tokenById.get(id) : undefined;
      const name = user?.displayName || (token ? `token “${token.name}”` : kind);
      return (
        <>
          {name} <code class="muted">{id}</code>
        </>
      );
    };
    const filteredActor = raw.actor && !actorError
      ? userById.get(raw.actor) ?? tokenById.get(raw.actor)
      : undefined;
    return ctx.pages.render(
      c,
      <>
        <h1>Audit log</h1>
        <p class="lede">
          Every state change, newest first. Entries cannot be edited or deleted. Times are UTC.
        </p>
        <ErrorNotice
          message={actorError ??
            (parsed.success ? undefined : "Some filters were not valid and were ignored.")}
        />
        <form
          method="get"
          action="/audit"
          class="panel filter-form"
          aria-label="Filter the audit log"
        >
          <FilterField label="Action (or prefix ending in .)" name="action" value={raw.action} />
          <FilterField
            label="Actor (name or id as shown below)"
            name="actor"
            value={raw.actor}
          />
          <FilterField label="Target type" name="targetType" value={raw.targetType} />
          <FilterField label="Target id" name="targetId" value={raw.targetId} />
          <button type="submit" class="button">Filter</button>
        </form>
        {filteredActor && (
          <p data-testid="actor-filter">
            Showing the actions of{" "}
            <strong>
              {"email" in filteredActor
                ? filteredActor.displayName || "an account without a name"
                : `token “${filteredActor.name}”`}
            </strong>.
          </p>
        )}
        <TableScroll label="Audit records">
          <table class="data" aria-label="Audit records">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
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
                  <td>
                    <time datetime={record.createdAt}>{utcTime(record.createdAt)}</time>
                  </td>
                  <td data-testid="audit-actor">
                    <Named kind={record.actorType} id={record.actorId} />
                  </td>
                  <td>
                    <code>{record.action}</code>
                  </td>
                  <td>
                    {record.targetType
                      ? (record.targetType === "user" || record.targetType === "api_token"
                        ? <Named kind={record.targetType} id={record.targetId} />
                        : `${record.targetType} ${record.targetId ?? ""}`)
                      : "—"}
                  </td>
                  <td>
                    <ChangeView before={record.before} after={record.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
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
