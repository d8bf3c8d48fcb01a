/**
 * The fixed sentences of the administration pages: confirmations chosen by key (so no user input
 * is reflected), what a refused form says about each field, and the STANDBY answer to a form.
 */
import type { ComponentChild } from "preact";

/** Fixed confirmation messages, chosen by key so no user input is reflected. */
export const NOTICES: Record<string, string> = {
  user_created: "The account was created.",
  user_updated: "The account was updated.",
  user_unchanged: "Nothing was changed: the account already had that role and state.",
  user_deactivated: "The account was deactivated and its sessions ended.",
  user_reactivated: "The account was reactivated.",
  role_changed: "The role was changed; it applies from the user's next request.",
  password_set: "The password was set and the user's sessions were ended.",
  own_password_changed:
    "Your password was changed. Your other sessions were ended; this one stays signed in.",
  lock_cleared: "The sign-in lock was cleared.",
  token_revoked: "The token was revoked. Calls using it are refused from now on.",
};

/**
 * Confirmations that name the account or token acted on, as parts around the name (which the
 * page isolates in a <bdi>, so a stored name's direction characters cannot reorder the sentence).
 * The URL carries only the notice key and the stored id (never an e-mail address); the name shown
 * is read back from the database, so nothing typed into the URL is reflected.
 */
export const NAMED_NOTICES: Record<
  string,
  (name: ComponentChild, role: string) => ComponentChild[]
> = {
  user_deactivated: (name) => [
    "The account of ",
    name,
    " was deactivated and its sessions ended; it cannot sign in until reactivated.",
  ],
  user_reactivated: (name) => ["The account of ", name, " was reactivated; it can sign in again."],
  user_unchanged: (name) => ["Nothing was changed: ", name, " already had that role and state."],
  role_changed: (name, role) => [
    name,
    ` now has the role ${role}; it applies from their next request.`,
  ],
  password_set: (name) => ["The password of ", name, " was set and their sessions were ended."],
  token_revoked: (name) => [
    "Token “",
    name,
    "” revoked; calls with it now get 401 (not signed in), starting now.",
  ],
};

/** What the add-account form says about a field the schema refused, by the field's name. */
export const CREATE_USER_MESSAGES: Record<string, string> = {
  email: "Email: enter the email address of the new account.",
  display_name: "Display name: at most 120 characters.",
  role: "Role: choose RESEARCHER, STEWARD or ADMIN.",
  password: "Initial password: at most 1024 characters.",
};

/**
 * The add-account form's message for an email address the account rules refuse: the sentence
 * `auth.createUser` refuses it with (lib/auth/user_accounts.ts), which does not export it.
 */
export const INVALID_EMAIL_MESSAGE = "The email address is not valid.";

/** What the create-token form says about a field the schema refused, by the field's name. */
export const TOKEN_MESSAGES: Record<string, string> = {
  name: "Name: say which service uses the token, in at most 100 characters.",
  scopes: "Scopes: tick at least one.",
  expires_at:
    "Expires: not a valid date and time; leave it empty for a token that does not expire.",
};

/**
 * The error of a form posted after the platform switched to STANDBY (the page was opened
 * before): said in the form, with what was typed kept, instead of the app's full-page refusal.
 */
export const STANDBY_FORM_MESSAGE =
  "The platform is now in STANDBY, so this change is paused and was not made. What you typed is " +
  "kept (passwords excepted): send it again when the platform is back in DEMO or LIVE";
