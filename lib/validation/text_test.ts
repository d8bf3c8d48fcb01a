import assert from "node:assert/strict";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "./text.ts";

Deno.test("isStorableText: a NUL or an unpaired surrogate is not storable; paired surrogates are", () => {
  for (const bad of ["a\u0000b", "\u0000", "a\ud800b", "\udc00", "x\ud83d"]) {
    assert.equal(isStorableText(bad), false, JSON.stringify(bad));
  }
  for (const good of ["", "user-123", "Zoë", "\ud83d\ude00", "a\u0001b"]) {
    assert.equal(isStorableText(good), true, JSON.stringify(good));
  }
  assert.equal(
    UNSTORABLE_TEXT_MESSAGE,
    "Text may not contain NUL characters or unpaired surrogates",
  );
});
