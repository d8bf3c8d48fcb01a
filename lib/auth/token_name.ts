/**
 * The rule for an API token's name: which service uses it, 1 to 100 characters, no PHI (it is
 * stored and listed to admins), and no control, text-direction or invisible characters (the admin
 * pages print it inside sentences, where a right-to-left override would show the rest reversed).
 * The API's and the page's zod schema (routes/api/admin.ts) say the same for the OpenAPI text and
 * the forms; the service holds every caller to it, the operator commands among them.
 */
import { noPhiMessage, phiTypesIn } from "../validation/no_phi.ts";
import { hasHiddenCharacters, HIDDEN_CHARACTERS_RULE } from "./display_name.ts";

/** The longest token name, in UTF-16 code units (as zod's `max()` counts). */
export const TOKEN_NAME_MAX = 100;

/** Why a token name with a control, text-direction or invisible character is refused. */
export const TOKEN_NAME_HIDDEN_MESSAGE = `Must be written ${HIDDEN_CHARACTERS_RULE}`;

/**
 * What is wrong with `name` as a token name, in the field's words ("Must not contain PHI (found:
 * MRN)"), never echoing it; undefined when it is a good name.
 */
export function tokenNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > TOKEN_NAME_MAX) {
    return `Must be 1 to ${TOKEN_NAME_MAX} characters`;
  }
  if (hasHiddenCharacters(name)) return TOKEN_NAME_HIDDEN_MESSAGE;
  const types = phiTypesIn(name);
  return types.length > 0 ? noPhiMessage(types) : undefined;
}
