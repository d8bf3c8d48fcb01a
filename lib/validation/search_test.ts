import assert from "node:assert/strict";
import { foldCase, searchText } from "./search.ts";

Deno.test("foldCase lower-cases each character on its own: Σ and ς are σ, İ is i", () => {
  assert.equal(foldCase("ΟΔΟΣ οδος İSTANBUL Ǆ ẞ Straße ÀÉÎ"), "οδοσ οδοσ istanbul ǆ ß straße àéî");
  assert.equal("ΟΔΟΣ".toLowerCase(), "οδος");
  assert.equal("İ".toLowerCase(), "i\u0307");
});

Deno.test("foldCase of every character but ς is the first character of its toLowerCase() alone", () => {
  for (let code = 0; code <= 0x1ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const ch = String.fromCodePoint(code);
    const alone = ch === "\u03c2"
      ? "\u03c3"
      : String.fromCodePoint(ch.toLowerCase().codePointAt(0)!);
    if (foldCase(ch) !== alone) assert.fail(`U+${code.toString(16)}`);
  }
  // And of a text, the same character by character.
  const text = "ΣΑΣ İİ Σ. AΣb";
  assert.equal(foldCase(text), [...text].map(foldCase).join(""));
});

Deno.test("searchText: control characters as spaces, trimmed", () => {
  assert.equal(searchText("\u0000 a\tb \u007f"), "a b");
});
