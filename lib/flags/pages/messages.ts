/**
 * The fixed sentences of the flag pages (/flags): confirmations chosen by key (so no user input
 * is reflected), the field labels a refused form's messages start with, and what a refused key
 * or a conflicting change says.
 */

/** Fixed confirmations chosen by key, so no input is reflected. */
export const NOTICES: Record<string, string> = {
  saved: "The flag was saved. Every instance applies it within a second.",
  unchanged: "Nothing was changed: the flag already had these settings.",
  created: "The flag was created.",
  archived: "The flag was archived. It now evaluates as unknown (off) everywhere.",
  restored:
    "The flag was restored with its last settings, turned off: it stays off for everyone until you enable it below.",
};

/** The label a form message names a field by, by the input's name in the schema. */
export const FIELD_LABELS: Record<string, string> = {
  key: "Key",
  enabled: "Enabled",
  description: "Description",
  scope: "Scope",
  rolloutPercent: "Rollout",
  requiredModes: "Required modes",
  targetUsers: "Target users",
  targetEnvironments: "Target environments",
  version: "Version",
};

/** A key that does not match KEY_PATTERN. */
export const BAD_KEY_MESSAGE =
  "Key: lower case letters, digits and _ . - only, starting with a letter.";
/** Creating a flag under the key of a live flag. */
export const KEY_EXISTS_MESSAGE = "Key: a flag with this key exists already; open it to change it.";
/** Restoring an archived flag whose key a live flag uses again. */
export const KEY_LIVE_AGAIN_MESSAGE =
  "Key: a live flag uses this key again, so the archived one cannot be restored.";

/** A save refused because the flag (or the key) changed since the page was loaded. */
export const SAVE_CONFLICT_MESSAGE =
  "Someone changed this flag (or another flag or experiment uses this key) since you loaded the page. Reload and apply your change again.";
/** An archive refused because the flag changed since the page was loaded. */
export const ARCHIVE_CONFLICT_MESSAGE =
  "Someone changed this flag since you loaded the page. Review it and archive again.";
