/**
 * Decimal digits of other scripts (Arabic-Indic `٥٣٦`, Extended Arabic-Indic `۵۳۶`,
 * Devanagari `५३६`, Bengali, Thai, …): NFKC leaves them as they are, so every digit rule
 * missed `SSN ٥٣٦-٢٢-١٢٣٤` and `DOB ١٩٥٥-٠٣-٠٢` in a description or a log line. Normalisation
 * reads each \p{Nd} code point as its ASCII digit, keeping the offsets for redaction. Named
 * dash entities (`&ndash;`, `&mdash;`) are read as a space, which the SSN rules take between
 * groups and which keeps apart what an editor's dash stood between.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

/** The ASCII digits of s written in the script whose zero is U+`zero`. */
const inScript = (s: string, zero: number) =>
  s.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));

const SCRIPTS: Array<[string, number]> = [
  ["Arabic-Indic", 0x0660],
  ["Extended Arabic-Indic", 0x06f0],
  ["Devanagari", 0x0966],
  ["Bengali", 0x09e6],
  ["Thai", 0x0e50],
  ["Myanmar", 0x1040],
  ["Osmanya (beyond the BMP)", 0x104a0],
];

Deno.test("an SSN, a birth date and a phone number in other scripts' digits are found and redacted", () => {
  for (const [script, zero] of SCRIPTS) {
    const cases: Array<[string, string, string]> = [
      [`SSN ${inScript("536-22-1234", zero)}`, "SSN [REDACTED:SSN]", "SSN"],
      [`DOB ${inScript("1955-03-02", zero)}`, "DOB [REDACTED:DATE]", "DATE"],
      [`call ${inScript("415-555-0132", zero)} today`, "call [REDACTED:PHONE] today", "PHONE"],
    ];
    for (const [text, redacted, type] of cases) {
      assert.equal(redactText(text), redacted, `${script}: ${text}`);
      assert.deepEqual(scanText(text).findings, [{ type, path: "$" }], `${script}: ${text}`);
      assert.ok(scan({ description: text }, { safeKeys: [] }).found, `${script}: ${text}`);
    }
  }
});

Deno.test("digits of other scripts in a sentence with no identifier stay", () => {
  for (const [script, zero] of SCRIPTS) {
    const text = `batch ${inScript("3", zero)} of ${inScript("12", zero)} done`;
    assert.equal(redactText(text), text, script);
  }
});

Deno.test("named dash entities between digit groups still read as an SSN", () => {
  for (const dash of ["&ndash;", "&mdash;", "&NDash;"]) {
    const text = `SSN 536${dash}22${dash}1234`;
    assert.equal(redactText(text), "SSN [REDACTED:SSN]", text);
  }
});
