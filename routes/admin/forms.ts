/** The schemas of the administration pages' forms, by the fields' names (never their values). */
import { z } from "zod";
import type { NewAccountValues } from "../../lib/admin/new_account.ts";
import { ROLES, SCOPES } from "../../lib/auth/mod.ts";
import type { FormFields } from "../../lib/http/form.ts";
import { TokenNameSchema } from "../api/admin.ts";

export const CreateUserForm = z.object({
  email: z.string().trim().min(3).max(254),
  display_name: z.string().trim().max(120).optional(),
  role: z.enum(ROLES),
  password: z.string().max(1024).optional(),
});
/**
 * The add-account form's fields the account rules check, each one the schema accepts on its own,
 * as the schema reads it (trimmed): the rules run on them even when another field is refused.
 */
export function createUserRuleValues(form: FormFields): NewAccountValues {
  const values: NewAccountValues = {};
  for (const name of ["email", "display_name", "password"] as const) {
    const field = CreateUserForm.shape[name].safeParse(form[name]);
    if (field.success && field.data !== undefined) values[name] = field.data;
  }
  return values;
}
export const UpdateUserForm = z.object({
  role: z.enum(ROLES).optional(),
  active: z.enum(["true", "false"]).optional(),
});
export const PasswordForm = z.object({
  password: z.string().max(1024),
  /** The administrator's own password ("Your password"). */
  current_password: z.string().max(1024).optional(),
});
export const TokenForm = z.object({
  name: z.string().trim().pipe(TokenNameSchema),
  scopes: z.array(z.enum(SCOPES)).min(1),
  expires_at: z.string().max(40).optional(),
  /** The one-time id the form was rendered with (absent from forms rendered before it existed). */
  submission: z.string().uuid().optional(),
});

/** A token id as the `created` query names it (anything else names no token). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
