import assert from "node:assert/strict";
import { etagMatches } from "./etag.ts";

Deno.test("etagMatches() compares weakly and reads lists", () => {
  assert.equal(etagMatches('"abc"', '"abc"'), true);
  assert.equal(etagMatches('W/"abc"', '"abc"'), true);
  assert.equal(etagMatches('"abc"', 'W/"abc"'), true);
  assert.equal(etagMatches('"zzz", "abc"', '"abc"'), true);
  assert.equal(etagMatches('"zzz",W/"abc" ', '"abc"'), true);
  assert.equal(etagMatches('"zzz"', '"abc"'), false);
  assert.equal(etagMatches('"abcd"', '"abc"'), false);
});

Deno.test("etagMatches() matches nothing for a missing header or `*`", () => {
  assert.equal(etagMatches(undefined, '"abc"'), false);
  assert.equal(etagMatches("", '"abc"'), false);
  assert.equal(etagMatches("*", '"abc"'), false);
  assert.equal(etagMatches('*, "zzz"', '"abc"'), false);
});
