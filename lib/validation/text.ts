/**
 * Text no database column can hold: a NUL character (U+0000) or an unpaired surrogate (half of
 * a UTF-16 pair). Refused as the client's bad input with one message, the one the app's error
 * mapping gives when such text reaches the database (lib/app.ts, lib/flags/service.ts), so a
 * check made earlier answers alike.
 */
/** The message for text with a NUL character or an unpaired surrogate. */
export const UNSTORABLE_TEXT_MESSAGE = "Text may not contain NUL characters or unpaired surrogates";

/** True when `value` has no NUL character and no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && value.isWellFormed();
}
