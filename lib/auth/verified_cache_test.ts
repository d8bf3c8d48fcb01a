import assert from "node:assert/strict";
import { manualClock } from "../clock.ts";
import { VerifiedCache } from "./verified_cache.ts";

Deno.test("VerifiedCache recalls within the stale window, forgets after it, and never past the credential's expiry", () => {
  const clock = manualClock(0);
  const cache = new VerifiedCache<string>(clock, 60_000);
  cache.remember("a", "principal-a");
  cache.remember("b", "principal-b", 30_000);
  clock.advance(20_000);
  assert.equal(cache.recall("a"), "principal-a");
  assert.equal(cache.recall("b"), "principal-b");
  clock.advance(15_000);
  assert.equal(
    cache.recall("b"),
    undefined,
    "an expired token is not served even while stale-valid",
  );
  clock.advance(30_000);
  assert.equal(cache.recall("a"), undefined, "beyond the stale window");
  cache.remember("c", "principal-c");
  cache.forget("c");
  assert.equal(cache.recall("c"), undefined, "a credential the database refused is forgotten");
});

Deno.test("VerifiedCache stays bounded", () => {
  const cache = new VerifiedCache<number>(manualClock(0), 60_000, 3);
  for (let i = 0; i < 5; i++) cache.remember(`k${i}`, i);
  assert.equal(cache.recall("k0"), undefined);
  assert.equal(cache.recall("k4"), 4);
});
