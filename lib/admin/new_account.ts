/**
 * The add-account form's check of the account rules, all at once: the email's format, the display
 * name's rule (a name only, lib/auth/display_name.ts) and the password's (lib/auth/account_rules.ts),
 * the functions `auth.createUser` applies, which stops at the first one broken. The page runs
 * them first so that every field's message comes back together; the service still checks them.
 * Pure: no I/O.
 */
import type { FormError } from "../../components/forms.tsx";
import { isAcceptedEmail, passwordProblem } from "../auth/account_rules.ts";
import { displayNameProblem } from "../auth/display_name.ts";
import { normalizeEmail } from "../auth/store.ts";
import { USER_FIELDS } from "./fields.ts";
import { INVALID_EMAIL_MESSAGE } from "./messages.ts";

/** The add-account fields the rules read, each as the form's schema accepted it (trimmed). */
export interface NewAccountValues {
  email?: string;
  /** Empty or absent: the account has no display name. */
  display_name?: string;
  /** Empty or absent: the account has no password yet. */
  password?: string;
}

/**
 * What the account rules say about each of `values`, by field name; a field without a value is
 * not checked (the schema's message is about it, or it is optional). The messages are the
 * service's own (`<its message>.`), which the page shows when the service refuses.
 *
 * @example
 * newAccountRuleProblems({ email: "bad", password: "short" });
 * // { email: "The email address is not valid.", password: "Passwords need at least 12 characters." }
 */
export function newAccountRuleProblems(
  values: NewAccountValues,
): Partial<Record<keyof NewAccountValues, string>> {
  const problems: Partial<Record<keyof NewAccountValues, string>> = {};
  if (values.email !== undefined && !isAcceptedEmail(normalizeEmail(values.email))) {
    problems.email = INVALID_EMAIL_MESSAGE;
  }
  const name = values.display_name?.trim();
  const nameProblem = name ? displayNameProblem(name) : undefined;
  if (nameProblem) problems.display_name = `${nameProblem.message}.`;
  const passwordRule = values.password ? passwordProblem(values.password) : undefined;
  if (passwordRule) problems.password = `${passwordRule}.`;
  return problems;
}

/**
 * Every message of the add-account form: the schema's (`schemaErrors`, about the fields of
 * {@link USER_FIELDS}), then the rules' about the fields the schema did not refuse, each about its
 * field, in the form's order (a message about no field first).
 */
export function newAccountErrors(
  schemaErrors: readonly FormError[],
  values: NewAccountValues,
): FormError[] {
  const refused = new Set(schemaErrors.map((error) => error.field));
  const rules = Object.entries(newAccountRuleProblems(values))
    .map(([name, message]) => ({
      message: message!,
      field: USER_FIELDS[name as keyof NewAccountValues],
    }))
    .filter((error) => !refused.has(error.field));
  const order: readonly (string | undefined)[] = Object.values(USER_FIELDS);
  return [...schemaErrors, ...rules].sort((a, b) =>
    order.indexOf(a.field) - order.indexOf(b.field)
  );
}
