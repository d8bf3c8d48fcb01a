/**
 * The ids of the administration forms' fields: a refused form's messages link to them and the
 * fields are marked by them (components/forms.tsx).
 */

/** The ids of the add-account form's fields. */
export const USER_FIELDS = {
  email: "new-user-email",
  display_name: "new-user-name",
  role: "new-user-role",
  password: "new-user-password",
} as const;

/** The ids of the set-password form of the account `id` (one per row). */
export function passwordFields(id: string) {
  return { password: `password-${id}`, current_password: `admin-password-${id}` };
}

/** The ids of the create-token form's fields. */
export const TOKEN_FIELDS = {
  name: "new-token-name",
  scopes: "new-token-scopes",
  expires_at: "new-token-expires",
} as const;
