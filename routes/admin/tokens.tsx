/**
 * API tokens (/admin/tokens): list, create (the secret shown once, after a redirect) and revoke.
 * Plain forms; no JavaScript needed.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { actorOf } from "../../lib/audit/mod.ts";
import { sessionSecretOf } from "../../lib/auth/mod.ts";
import { expiryInPast, RepeatedSubmissionError } from "../../lib/auth/api_tokens.ts";
import { type RevealOnce, RevealReadError } from "../../lib/auth/reveal_once.ts";
import type { RouteContext } from "../../lib/context.ts";
import { NotFoundError } from "../../lib/errors/mod.ts";
import { page } from "../../lib/http/access.ts";
import { formValue, readForm } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { isStorableInstant } from "../../lib/validation/dates.ts";
import { isPhiIssue, phiFormError } from "../../lib/validation/no_phi.ts";
import { TOKEN_FIELDS } from "../../lib/admin/fields.ts";
import { TOKEN_MESSAGES } from "../../lib/admin/messages.ts";
import { failed, issueErrors, type PageState } from "../../lib/admin/page_state.ts";
import { TokensView } from "../../components/admin/TokensView.tsx";
import { TOKEN_NAME_HIDDEN_MESSAGE, TokenIdSchema } from "../api/admin.ts";
import { TokenForm, UUID } from "./forms.ts";
import { ADMIN_GOVERNANCE, ADMIN_READ, ADMIN_WRITE, adminForms, param } from "./shared.ts";

/** What the create form says about an expiry that is not in the future (the service's words). */
const PAST_EXPIRY_MESSAGE = "The expiry must be in the future.";

export function tokenPageRoutes(ctx: RouteContext, reveal: RevealOnce): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { auth } = ctx.services;
  const { attempt, writesPaused, pausedForm } = adminForms(ctx, app);

  async function tokensPage(
    c: Context<AppEnv>,
    options: PageState & { created?: { name: string; secret: string } } = {},
  ) {
    const tokens = await auth.listTokens();
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
      <TokensView
        c={c}
        tokens={tokens}
        options={options}
        createdToken={createdToken}
        created={created}
        unreadable={unreadable}
        paused={paused}
      />,
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
    // The expiry is checked with the schema, not after it: a past expiry is named in the same
    // round as a missing scope, not only once the scopes are fixed.
    const expiresText = formValue(form, "expires_at") ?? "";
    const expires = expiresText ? new Date(`${expiresText}Z`) : null;
    const expiryMessage = !expires
      ? undefined
      : !isStorableInstant(expires.getTime())
      ? TOKEN_MESSAGES.expires_at!
      : expiryInPast(expires, ctx.clock.now())
      ? PAST_EXPIRY_MESSAGE
      : undefined;
    if (!parsed.success || expiryMessage) {
      const fieldErrors = parsed.success ? [] : issueErrors(
        parsed.error.issues,
        TOKEN_FIELDS,
        (name, issue) =>
          name === "name" && isPhiIssue(issue)
            ? phiFormError("Name", issue.message)
            : name === "name" && issue.message === TOKEN_NAME_HIDDEN_MESSAGE
            ? `Name: ${TOKEN_NAME_HIDDEN_MESSAGE.toLowerCase()}.`
            : TOKEN_MESSAGES[name] ?? "Give the token a name and at least one scope.",
      );
      return await tokensPage(c, {
        errors: expiryMessage
          ? [
            ...fieldErrors.filter((error) => error.field !== TOKEN_FIELDS.expires_at),
            { message: expiryMessage, field: TOKEN_FIELDS.expires_at },
          ]
          : fieldErrors,
        errorAt: "create",
        status: 400,
        form,
      });
    }
    let created: { id: string; name: string; secret: string } | undefined;
    let kept = false;
    let repeatOf: string | undefined;
    const sessionSecret = sessionSecretOf(c);
    const failure = await attempt(c, async () => {
      try {
        const result = await auth.createToken(
          {
            name: parsed.data.name,
            scopes: parsed.data.scopes,
            expiresAt: expires,
            ...(parsed.data.submission ? { submissionId: parsed.data.submission } : {}),
            // Kept before the token commits: the same form posted again (a double-click, whose
            // answer the browser shows) waits for that commit, then leads to this secret.
            ...(sessionSecret
              ? {
                keepSecret: (id: string, secret: string) => reveal.put(sessionSecret, id, secret),
              }
              : {}),
          },
          actorOf(c.get("principal")),
          c.get("requestId"),
        );
        created = { id: result.token.id, name: result.token.name, secret: result.secret };
        kept = result.kept === true;
      } catch (error) {
        if (!(error instanceof RepeatedSubmissionError)) throw error;
        repeatOf = error.tokenId;
      }
    });
    // The same form posted again (a double-click: the browser shows this answer, not the first):
    // to the token the first post created, whose secret that post put in the reveal store.
    if (repeatOf) return c.redirect(`/admin/tokens?created=${encodeURIComponent(repeatOf)}`, 303);
    if (failure) {
      return await tokensPage(
        c,
        failed(failure, form, "create", { "$.expiresAt": TOKEN_FIELDS.expires_at }),
      );
    }
    // POST, redirect, GET: reloading the page that shows the secret must not post the form again
    // (that created a second live token of the same name). The secret waits for that GET.
    if (kept) return c.redirect(`/admin/tokens?created=${encodeURIComponent(created!.id)}`, 303);
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
  return app;
}
