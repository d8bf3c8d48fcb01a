/** The API tokens page (/admin/tokens): the tokens, a new token's secret and the create form. */
import type { Context } from "hono";
import { type ApiToken, SCOPES } from "../../lib/auth/mod.ts";
import { shortId, when } from "../../lib/admin/format.ts";
import { TOKEN_FIELDS } from "../../lib/admin/fields.ts";
import { errorsAt, type PageState, topError } from "../../lib/admin/page_state.ts";
import { formValue, formValues } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { CsrfField, ErrorNotice, FieldError, fieldErrorAttrs, SuccessNotice } from "../forms.tsx";
import { FormErrors } from "./FormErrors.tsx";
import { NamedNotice } from "./NamedNotice.tsx";
import { RevokeTokenForm } from "./RevokeTokenForm.tsx";
import { StandbyNotice } from "./StandbyNotice.tsx";
import { TableScroll } from "../TableScroll.tsx";

export interface TokensViewProps {
  c: Context<AppEnv>;
  tokens: ApiToken[];
  options: PageState;
  /** The token the `created` query names, after the create form's redirect. */
  createdToken: ApiToken | undefined;
  /** The new token's name and secret, when they are shown now. */
  created: { name: string; secret: string } | undefined;
  /** The reveal store did not answer: the secret was not shown, and may be gone. */
  unreadable: boolean;
  /** Whether the mode pauses new tokens. */
  paused: boolean;
}

export function TokensView(
  { c, tokens, options, createdToken, created, unreadable, paused }: TokensViewProps,
) {
  const form = options.form;
  const createErrors = errorsAt(options, "create");
  return (
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
            <strong>
              Copy the token for “<bdi>{created.name}</bdi>” now.
            </strong>{" "}
            It is stored only as a hash and cannot be shown again, not even by reloading this page.
          </p>
          <pre data-testid="new-token">{created.secret}</pre>
        </div>
      )}
      {createdToken && !created && unreadable && !createdToken.revokedAt && (
        <div class="notice notice--error" role="alert" data-testid="token-unreadable">
          <p>
            Token “<bdi>{createdToken.name}</bdi>” (id{" "}
            <code>{shortId(createdToken.id)}</code>) was created, but its secret could not be read
            just now: the store that keeps it for one look did not answer. It was not shown here,
            and it may be lost. Revoke this token and create a new one.
          </p>
          <RevokeTokenForm c={c} token={createdToken} />{" "}
          <a href="#create-token">Create a new token</a>
        </div>
      )}
      {createdToken && !created && !(unreadable && !createdToken.revokedAt) && (
        <SuccessNotice testId="token-created">
          Token “<bdi>{createdToken.name}</bdi>” (id{" "}
          <code>{shortId(createdToken.id)}</code>) was created. Its secret was shown once and cannot
          be shown again: if it was not copied, revoke this token and create another.
        </SuccessNotice>
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
                  <bdi>{token.name}</bdi>
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
                          Revoke<span class="sr-only">
                            {" "}
                            <bdi>{token.name}</bdi>
                          </span>
                        </summary>
                        <p>
                          Every call with “<bdi>{token.name}</bdi>” gets 401 from the next request
                          on
                          {token.scopes.includes("jobs:write")
                            ? ", so the worker's job callbacks using it stop at once"
                            : ""}. A revoked token cannot be restored: create a new one and give it
                          to the service.
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
        {/* One id per rendering: posted twice, the form creates one token (migration 0013). */}
        <input type="hidden" name="submission" value={crypto.randomUUID()} />
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
    </>
  );
}
