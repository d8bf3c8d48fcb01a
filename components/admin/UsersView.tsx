/**
 * The accounts page (/admin/users): one page of the accounts directory (a search, a summary, page
 * links), sign-in locks and the add-account form. Every form carries the listing it was sent from
 * (`return`), so that a change brings the administrator back to it.
 */
import type { Context } from "hono";
import { type AuthService, ROLES, type User } from "../../lib/auth/mod.ts";
import { roleAtLeast } from "../../lib/auth/principal.ts";
import { nameOf, when } from "../../lib/admin/format.ts";
import { passwordFields, USER_FIELDS } from "../../lib/admin/fields.ts";
import { errorsAt, type PageState, topError } from "../../lib/admin/page_state.ts";
import { formValue } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { CsrfField, ErrorNotice, FieldError, fieldErrorAttrs } from "../forms.tsx";
import { FormErrors } from "./FormErrors.tsx";
import { NamedNotice } from "./NamedNotice.tsx";
import { StandbyNotice } from "./StandbyNotice.tsx";
import { TableScroll } from "../TableScroll.tsx";
import type { DirectoryPage } from "../../lib/auth/user_directory.ts";
import type { UsersListing } from "./users_listing.ts";
import {
  ReturnField,
  USERS_SUMMARY_ID,
  UsersPager,
  UsersSearch,
  UsersSummary,
} from "./UsersDirectory.tsx";

export interface UsersViewProps {
  c: Context<AppEnv>;
  /** The page of the directory shown (its accounts are the table's rows). */
  page: DirectoryPage;
  /** The search and page boundary the page shows, and the search refused, if one was. */
  listing: UsersListing;
  searchError?: string | undefined;
  /** Whether the table shows only the account a failed action was about. */
  focused: boolean;
  /** The account a notice (`?notice=…&id=…`) names, wherever it is listed. */
  noticed?: User | undefined;
  locks: Awaited<ReturnType<AuthService["listLocks"]>>;
  /** The id of the signed-in administrator. */
  self: string;
  state: PageState;
  /**
   * Whether the mode (STANDBY) pauses adding accounts and setting passwords, and every change
   * that grants access: reactivating an account, raising a role.
   */
  paused: boolean;
}

/** What marks a control STANDBY refuses (it stays usable: a send is answered in the form). */
const PAUSED_MARK = "paused in STANDBY";

export function UsersView(
  { c, page, listing, searchError, focused, noticed, locks, self, state, paused }: UsersViewProps,
) {
  const { form } = state;
  const users = page.users;
  const createErrors = errorsAt(state, "create");
  return (
    <>
      <h1>Users</h1>
      <NamedNotice
        c={c}
        find={(id) => {
          const user = users.find((u) => u.id === id) ?? (noticed?.id === id ? noticed : undefined);
          return user ? { name: nameOf(user), role: user.role } : undefined;
        }}
      />
      <ErrorNotice message={topError(state)} />
      {paused && (
        <StandbyNotice
          paused="adding accounts, setting passwords, reactivating accounts and raising roles"
          stillWorks="Lowering a role, deactivating and clearing sign-in locks still work."
        />
      )}
      <p class="lede">
        A user id is what flags' target users, the “Why is it on or off?” tool and the audit log's
        actor filter ask for.
      </p>
      <UsersSearch listing={listing} error={searchError} />
      <UsersSummary page={page} listing={listing} focused={focused} />
      <TableScroll label="Accounts">
        <table class="data" aria-label="Accounts" aria-describedby={USERS_SUMMARY_ID}>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">User id</th>
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
                <td>
                  {user.displayName ? <bdi>{user.displayName}</bdi> : <span class="muted">—</span>}
                </td>
                <td>
                  <code class="user-id" data-testid="user-id">{user.id}</code>
                </td>
                <td>
                  <form method="post" action={`/admin/users/${user.id}`} class="inline-form">
                    <CsrfField c={c} />
                    <ReturnField listing={listing} />
                    <label class="checkbox">
                      <span class="sr-only">Role of {user.email}</span>
                      <select name="role">
                        {ROLES.map((role) => (
                          <option key={role} value={role} selected={role === user.role}>
                            {role}
                            {/* Marked, not disabled: as the other paused forms (StandbyNotice). */}
                            {paused && role !== user.role && roleAtLeast(role, user.role) &&
                              ` (raising: ${PAUSED_MARK})`}
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
                  {user.id !== self && (user.active
                    ? (
                      <details class="confirm" data-testid="deactivate">
                        <summary>
                          Deactivate<span class="sr-only">
                            {" "}
                            <bdi>{nameOf(user)}</bdi>
                          </span>
                        </summary>
                        <p>
                          <bdi>{nameOf(user)}</bdi>{" "}
                          is signed out everywhere at once and cannot sign in until an administrator
                          reactivates the account. The account, its data and its audit history stay.
                        </p>
                        <form
                          method="post"
                          action={`/admin/users/${user.id}`}
                          class="inline-form"
                        >
                          <CsrfField c={c} />
                          <ReturnField listing={listing} />
                          <input type="hidden" name="active" value="false" />
                          <button type="submit" class="button button--danger">
                            Deactivate <bdi>{nameOf(user)}</bdi>
                          </button>
                        </form>
                      </details>
                    )
                    : (
                      <form method="post" action={`/admin/users/${user.id}`} class="inline-form">
                        <CsrfField c={c} />
                        <ReturnField listing={listing} />
                        <input type="hidden" name="active" value="true" />
                        <button type="submit" class="button">
                          Reactivate<span class="sr-only">
                            {" "}
                            <bdi>{nameOf(user)}</bdi>
                          </span>
                        </button>
                        {paused && <span class="field-hint">{` ${PAUSED_MARK}`}</span>}
                      </form>
                    ))}
                  {user.id === self && state.errorAt !== `password:${user.id}`
                    ? (
                      // One's own password is changed with the current one, on the account page.
                      <a href="/settings/account" data-testid="own-password">
                        Change your password
                      </a>
                    )
                    : (
                      <details open={state.errorAt === `password:${user.id}`}>
                        <summary>
                          Set password<span class="sr-only">
                            {" of "}
                            <bdi>{nameOf(user)}</bdi>
                          </span>
                        </summary>
                        <form method="post" action={`/admin/users/${user.id}/password`}>
                          <FormErrors
                            state={state}
                            at={`password:${user.id}`}
                            title="The password was not set:"
                          />
                          <CsrfField c={c} />
                          <ReturnField listing={listing} />
                          <label>
                            New password (12+ characters)
                            <input
                              type="password"
                              id={passwordFields(user.id).password}
                              name="password"
                              autocomplete="new-password"
                              minLength={12}
                              required
                              {...fieldErrorAttrs(
                                errorsAt(state, `password:${user.id}`),
                                passwordFields(user.id).password,
                              )}
                            />
                          </label>
                          <FieldError
                            errors={errorsAt(state, `password:${user.id}`)}
                            field={passwordFields(user.id).password}
                          />
                          <label>
                            Your password{" "}
                            <span class="field-hint">
                              {user.id === self
                                // Their own password: a change of it, this session renewed.
                                ? "(your current password; your other sessions end, this one " +
                                  "stays signed in)"
                                : (
                                  <>
                                    (yours, to confirm it is you; all of{" "}
                                    <bdi>{nameOf(user)}</bdi>'s sessions end)
                                  </>
                                )}
                            </span>
                            <input
                              type="password"
                              id={passwordFields(user.id).current_password}
                              name="current_password"
                              autocomplete="current-password"
                              required
                              {...fieldErrorAttrs(
                                errorsAt(state, `password:${user.id}`),
                                passwordFields(user.id).current_password,
                              )}
                            />
                          </label>
                          <FieldError
                            errors={errorsAt(state, `password:${user.id}`)}
                            field={passwordFields(user.id).current_password}
                          />
                          <button type="submit" class="button">
                            Set password
                          </button>
                        </form>
                      </details>
                    )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {!focused && <UsersPager page={page} listing={listing} />}

      <h2>Sign-in locks</h2>
      {locks.length === 0
        ? <p class="muted">No account or address is locked.</p>
        : (
          <TableScroll label="Sign-in locks">
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
                        <ReturnField listing={listing} />
                        <button type="submit" class="button">Clear lock</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}

      <h2>Add an account</h2>
      <form method="post" action="/admin/users" class="form-card">
        <FormErrors state={state} at="create" title="The account was not added:" />
        <CsrfField c={c} />
        <ReturnField listing={listing} />
        <label>
          Email
          <input
            type="email"
            id={USER_FIELDS.email}
            name="email"
            required
            maxLength={254}
            value={form ? formValue(form, "email") ?? "" : ""}
            {...fieldErrorAttrs(createErrors, USER_FIELDS.email)}
          />
        </label>
        <FieldError errors={createErrors} field={USER_FIELDS.email} />
        <label>
          Display name
          <input
            type="text"
            id={USER_FIELDS.display_name}
            name="display_name"
            maxLength={120}
            value={form ? formValue(form, "display_name") ?? "" : ""}
            {...fieldErrorAttrs(createErrors, USER_FIELDS.display_name)}
          />
        </label>
        <FieldError errors={createErrors} field={USER_FIELDS.display_name} />
        <label>
          Role
          <select
            name="role"
            id={USER_FIELDS.role}
            {...fieldErrorAttrs(createErrors, USER_FIELDS.role)}
          >
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
        <FieldError errors={createErrors} field={USER_FIELDS.role} />
        <label>
          Initial password{" "}
          <span class="field-hint">(12+ characters; leave empty to set it later)</span>
          <input
            type="password"
            id={USER_FIELDS.password}
            name="password"
            autocomplete="new-password"
            {...fieldErrorAttrs(createErrors, USER_FIELDS.password)}
          />
        </label>
        <FieldError errors={createErrors} field={USER_FIELDS.password} />
        <button type="submit" class="button button--primary">
          Add account
        </button>
      </form>
    </>
  );
}
