/**
 * The rule for an account's display name: a person's name and nothing else. The name is shown in
 * the navigation, on /admin/users and in the audit views, so the PHI scanner checks it; but a
 * name is what a display name is for, so a PERSON_NAME finding is expected and only the other
 * identifier types refuse it (an MRN, a date, a phone number, an email, an address…). This is
 * why it is not the whole-value `noPhi()` check that token names get: that one would refuse every
 * real name. Nor does a name need control, text-direction or invisible characters, which would
 * make it rewrite the log line it is shown on or look like someone else's: those are refused too.
 */
import { phiTypesIn } from "../validation/no_phi.ts";
import type { PhiType } from "../phi/mod.ts";

/** The identifier types in `name` other than a person's name; none when it is a name only. */
export function displayNameIdentifiers(name: string): PhiType[] {
  return phiTypesIn(name).filter((type) => type !== "PERSON_NAME");
}

/**
 * Four or more decimal digits in a row, in any script: `\d` is ASCII only, and a number typed on a
 * full-width or Arabic-Indic keyboard ("５３６２２１２３４", "٥٣٦٢٢١٢٣٤") is the same identifier.
 */
const LONG_NUMBER = /\p{Nd}{4}/u;

/**
 * `name` as the digit rule reads it: NFKC folds superscript and other compatibility digits
 * ("⁵³⁶²") into digits, and invisible format characters (zero-width space, soft hyphen) are
 * dropped so they cannot split a number into runs shorter than four.
 */
const digitsView = (name: string) => name.normalize("NFKC").replace(/\p{Cf}/gu, "");

/**
 * Characters a name never needs, that change how the line it is shown on reads: controls (C0,
 * DEL, C1: a bell, a terminal's escape sequence, a tab or line break), format characters
 * (text-direction embeddings, overrides, isolates and marks, U+061C among them; zero-width
 * spaces, the word joiner, the BOM, the soft hyphen), and line and paragraph separators.
 *
 * Not the NUL character (nor an unpaired surrogate): text no column holds is refused everywhere,
 * with one message, and a form does not show it back (lib/validation/text.ts, lib/app.ts).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * Joiners that are part of how a name is spelt, so not hidden characters there (anywhere else they
 * are): the zero-width non-joiner and joiner between two letters (Persian, Urdu and Indic names,
 * "نرگس‌زاده") or right after a combining mark such as a virama, also at a word's end (Malayalam's
 * old-style chillu "രാജന്‍", Kannada "ಕ್‌"); and the Mongolian vowel separator between two letters.
 */
const JOINER_IN_WORD =
  /(?<=\p{M})[\u200c\u200d]|(?<=[\p{L}\p{M}])[\u200c\u200d](?=[\p{L}\p{M}])|(?<=\p{L})\u180e(?=\p{L})/gu;

/**
 * The rule {@link hasHiddenCharacters} checks, as a clause ("a name, without …"). API token names
 * are held to it too (routes/api/admin.ts): they are printed in sentences on the admin pages.
 */
export const HIDDEN_CHARACTERS_RULE =
  "without control characters, text-direction marks or invisible characters";

/** True when `name` holds a control, text-direction or invisible character (see {@link HIDDEN}). */
export function hasHiddenCharacters(name: string): boolean {
  // NUL is a control (\p{Cc}) but left to the app-wide refusal above.
  return HIDDEN.test(name.replace(JOINER_IN_WORD, "").replaceAll("\u0000", ""));
}

/** A refused display name: the sentence for the caller and the shorter one for the field. */
export interface DisplayNameProblem {
  /** Names the field, the rule and the types found; never the value. */
  message: string;
  /** The same without the field's name, for the issue at `$.displayName`. */
  fieldMessage: string;
}

/**
 * Why `name` cannot be a display name (naming the identifier types found, never the value), or
 * undefined when it can.
 *
 * @example
 * displayNameProblem("Jane Doe"); // undefined
 * displayNameProblem("Jane Doe MRN 00482913")?.fieldMessage;
 * // "A person's name only, without record numbers, dates, … (found: MRN)"
 */
export function displayNameProblem(name: string): DisplayNameProblem | undefined {
  // First: such a character would also hide what the checks below look for.
  if (hasHiddenCharacters(name)) {
    const rule = `a person's name only, ${HIDDEN_CHARACTERS_RULE}`;
    return { message: `Display name: ${rule}`, fieldMessage: capitalised(rule) };
  }
  const types = displayNameIdentifiers(name);
  // No name holds a number of 4 or more digits, and a bare one is an identifier the scanner
  // cannot place without a cue ("Jane Doe, 536221234", "Jane Doe 02134"): refused as numbers,
  // in whatever script its digits are written.
  if (types.length === 0 && LONG_NUMBER.test(digitsView(name))) {
    const rule = "a person's name only, without numbers of 4 or more digits";
    return { message: `Display name: ${rule}`, fieldMessage: capitalised(rule) };
  }
  if (types.length === 0) return undefined;
  const rule = types.includes("SCANNER_ERROR")
    ? "could not be checked for PHI (too long or too complex); shorten it"
    : "a person's name only, without record numbers, dates, phone numbers, email addresses or " +
      `other identifiers (found: ${types.join(", ")})`;
  return {
    message: `Display name: ${rule}`,
    fieldMessage: capitalised(rule),
  };
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
