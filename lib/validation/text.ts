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

/** The message for a JSON body whose bytes are not UTF-8. */
export const NOT_UTF8_MESSAGE = "The body is not valid UTF-8";

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of `bytes` when they are UTF-8 (a leading BOM dropped), else undefined. The
 * platform's decoders (Request.text(), Request.json()) turn bytes that are not UTF-8 into U+FFFD
 * without a word, so a client's `\xff` would be stored, or compared, as something it did not send.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
