import assert from "node:assert/strict";
import { isUtf8Form } from "./form.ts";

const URLENCODED = "application/x-www-form-urlencoded";
const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("isUtf8Form: urlencoded text is checked after percent-decoding", () => {
  for (
    const ok of ["a=1&b=Zo%C3%AB", "a=Zo%c3%ab+Roe", "a=%25zz&b=%", "a=50%&b=%2", "x=%EF%BF%BD", ""]
  ) {
    assert.equal(isUtf8Form(URLENCODED, bytes(ok)), true, ok);
  }
  // Raw UTF-8 in the body is what a browser may send too.
  assert.equal(isUtf8Form(URLENCODED, bytes("a=Zoë")), true);
  for (const bad of ["a=%ED%A0%80", "a=Zo%C3", "a=%C3&b=%AB", "a=%FF", "%C3=1", "a=%C3+"]) {
    assert.equal(isUtf8Form(URLENCODED, bytes(bad)), false, bad);
  }
  // Raw bytes that are not UTF-8, and a raw lead byte completed by an escape (valid).
  assert.equal(isUtf8Form(URLENCODED, new Uint8Array([0x61, 0x3d, 0xff])), false);
  assert.equal(isUtf8Form(URLENCODED, new Uint8Array([0x61, 0x3d, 0xc3, ...bytes("%AB")])), true);
});

Deno.test("isUtf8Form: multipart raw bytes; other media types are not form bodies", () => {
  assert.equal(isUtf8Form("multipart/form-data", bytes("--b\r\n\r\nZoë\r\n--b--")), true);
  assert.equal(isUtf8Form("multipart/form-data", new Uint8Array([0xed, 0xa0, 0x80])), false);
  assert.equal(isUtf8Form("application/json", new Uint8Array([0xff])), true);
});
