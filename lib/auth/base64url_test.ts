import assert from "node:assert/strict";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

Deno.test("decodeBase64Url reads back what encodeBase64Url writes, for every length mod 3", () => {
  for (let length = 0; length < 8; length++) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + 251) % 256);
    assert.deepEqual(decodeBase64Url(encodeBase64Url(bytes)), bytes);
  }
});

Deno.test("decodeBase64Url throws on a text encodeBase64Url does not write", () => {
  // "AB" and "AC" decode to the byte 0x00 as "AA" does (the bits left over differ).
  assert.deepEqual(decodeBase64Url("AA"), new Uint8Array([0]));
  for (const other of ["AB", "AC", "AAB", "AA==", "AA=", "A", "a+b/", "AA A", "AA\n"]) {
    assert.throws(() => decodeBase64Url(other), JSON.stringify(other));
  }
});
