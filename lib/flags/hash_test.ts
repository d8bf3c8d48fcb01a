import assert from "node:assert/strict";
import { bucketOf, inRollout, murmur3, murmur3Bytes } from "./hash.ts";

// Canonical MurmurHash3 x86_32 vectors (SMHasher / reference implementation),
// including multi-byte UTF-8 input.
const VECTORS: [string, number, number][] = [
  ["", 0, 0],
  ["", 1, 0x514e28b7],
  ["", 0xffffffff, 0x81f16f39],
  ["a", 0x9747b28c, 0x7fa09ea6],
  ["aaaa", 0x9747b28c, 0x5a97808a],
  ["Hello, world!", 0x9747b28c, 0x24884cba],
  ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
  ["ππππππππ", 0x9747b28c, 0xd58063c1],
  ["abc", 0, 0xb3dd93fa],
];

Deno.test("murmur3() matches the reference MurmurHash3 x86_32 vectors", () => {
  for (const [text, seed, expected] of VECTORS) {
    assert.equal(murmur3(text, seed), expected, `${JSON.stringify(text)} seed ${seed}`);
  }
});

Deno.test("murmur3() hashes UTF-8 bytes, not UTF-16 code units", () => {
  // Cross-checked against the npm package murmurhash@2 (which encodes with TextEncoder).
  assert.equal(murmur3("naïve:ü", 0), 0x02534bcf);
  assert.equal(murmur3("😀", 0), 0xbeb42efa);
  assert.equal(murmur3Bytes(new Uint8Array([0, 0, 0, 0]), 0), 0x2362f9de);
});

Deno.test("murmur3() grows its scratch buffer for long input", () => {
  const long = "x".repeat(10_000) + "é";
  assert.equal(murmur3(long, 3), murmur3Bytes(new TextEncoder().encode(long), 3));
});

Deno.test("bucketOf() equals Unleash's normalizedValue (same values as its node, java and go clients)", () => {
  // unleash-client-node test/strategy/util-test: normalizedValue('123', 'gr1') === 73,
  // normalizedValue('999', 'groupX') === 25.
  assert.equal(bucketOf("gr1", "123"), 73);
  assert.equal(bucketOf("groupX", "999"), 25);
});

Deno.test("inRollout() is bucket <= percent: the same predicate as DESIGN's hash % 100 < percent", () => {
  for (let hash = 0; hash < 1000; hash++) {
    for (const percent of [0, 1, 37, 50, 99, 100]) {
      assert.equal(inRollout((hash % 100) + 1, percent), hash % 100 < percent);
    }
  }
});
