/**
 * The rules an account's email and password must meet. Pure and dependency-free, so that the
 * configuration check (ADMIN_EMAIL / ADMIN_PASSWORD, lib/config.ts) applies the same rules at
 * start as account creation does later, instead of failing half-way through the start.
 */

/** Longest email address accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** True when `email` (normalised: trimmed, lower case) is an address we accept. */
export function isAcceptedEmail(email: string): boolean {
  return EMAIL.test(email) && email.length <= MAX_EMAIL_LENGTH;
}

/** Minimum password policy: at least 12 characters, not only one repeated character. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return "Passwords need at least 12 characters";
  if (password.length > 1024) return "Passwords can have at most 1024 characters";
  if (new Set(password).size < 4) return "Passwords need more varied characters";
  return undefined;
}
