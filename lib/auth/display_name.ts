/**
 * The rule for an account's display name: a person's name and nothing else. The name is shown in
 * the navigation, on /admin/users and in the audit views, so the PHI scanner checks it; but a
 * name is what a display name is for, so a PERSON_NAME finding is expected and only the other
 * identifier types refuse it (an MRN, a date, a phone number, an email, an address…). This is
 * why it is not the whole-value `noPhi()` check that token names get: that one would refuse every
 * real name.
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
