/**
 * The short form `pt` in JSON keys. `pt_name` (`ptName`, `PT_NAME`) names a patient's name
 * as `patient_name` does; `pt` alone stays no sensitive key and no cue for its value: it is
 * the Portuguese locale of translation maps and a typographic point size, and read as after
 * the word "pt" every capitalised translation would be a name (`pt Entrar`). A name under
 * `pt` is still found by the value rules. Names are synthetic and put together here.
 */
import assert from "node:assert/strict";
import { isSensitiveKey, redact, scan, sensitiveKeyType } from "./mod.ts";

const FULL = "Qu" + "enby" + " " + "Zar" + "kowski";
const DICTIONARY = "Ja" + "ne" + " " + "Do" + "e";

Deno.test("pt_name and its spellings are a PERSON_NAME key", () => {
  for (const key of ["pt_name", "ptName", "PT_NAME", "pt-name", "PtName", "pt_full_name"]) {
    assert.equal(isSensitiveKey(key), true, key);
    assert.equal(sensitiveKeyType(key), "PERSON_NAME", key);
    const value = { [key]: FULL };
    const path = /^\w+$/.test(key) ? `$.${key}` : `$[${JSON.stringify(key)}]`;
    assert.deepEqual(scan(value).findings, [{ type: "PERSON_NAME", path }], key);
    assert.deepEqual(redact(value), { [key]: "[REDACTED]" }, key);
  }
  // Counts and flags about the name are not the name.
  for (const key of ["pt_name_count", "has_pt_name", "pt_name_type"]) {
    assert.equal(isSensitiveKey(key), false, key);
  }
});

Deno.test("pt alone is no sensitive key: locales and point sizes stay, a name is still found", () => {
  for (const key of ["pt", "PT", "pt_br", "pt_size", "pt_min", "font_pt", "size_pt"]) {
    assert.equal(isSensitiveKey(key), false, key);
  }
  const technical = [
    { label: { en: "Sign in", pt: "Entrar", es: "Entrar" } },
    { messages: { pt: "Cancelar", en: "Cancel" } },
    { font: { family: "serif", size: { pt: 12 } } },
    { stroke: { pt: 0.5 }, pt: 10 },
    { locale: "pt", pt_br: "Sair" },
  ];
  for (const value of technical) {
    assert.deepEqual(scan(value, { safeKeys: [] }).findings, [], JSON.stringify(value));
  }
  // The value rules still read a dictionary name under it.
  assert.deepEqual(scan({ pt: DICTIONARY }).findings, [{ type: "PERSON_NAME", path: "$.pt" }]);
});
