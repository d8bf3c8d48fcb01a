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

Deno.test("VerifiedCache.invalidate drops matching entries and keeps verifications in flight from bringing them back", () => {
  const cache = new VerifiedCache<{ user: string }>(manualClock(0), 60_000);
  cache.remember("s1", { user: "alice" });
  cache.remember("s2", { user: "alice" });
  cache.remember("s3", { user: "bob" });
  const inFlight = cache.mark(); // a check that read alice's session before it was ended
  cache.invalidate((value) => value.user === "alice");
  assert.equal(cache.recall("s1"), undefined);
  assert.equal(cache.recall("s2"), undefined);
  assert.deepEqual(cache.recall("s3"), { user: "bob" }, "others stay");
  cache.remember("s1", { user: "alice" }, null, inFlight);
  assert.equal(cache.recall("s1"), undefined, "a stale read is not remembered");
  cache.remember("s1", { user: "alice" }, null, cache.mark());
  assert.deepEqual(cache.recall("s1"), { user: "alice" }, "a check begun afterwards is");
});

Deno.test("VerifiedCache.invalidate and clear count what they drop; clear keeps verifications in flight from coming back", () => {
  const cache = new VerifiedCache<{ user: string }>(manualClock(0), 60_000);
  cache.remember("s1", { user: "alice" });
  cache.remember("s2", { user: "alice" });
  cache.remember("s3", { user: "bob" });
  assert.equal(cache.invalidate((value) => value.user === "alice"), 2);
  assert.equal(cache.invalidate((value) => value.user === "carol"), 0);
  const inFlight = cache.mark();
  assert.equal(cache.clear(), 1);
  assert.equal(cache.recall("s3"), undefined);
  cache.remember("s3", { user: "bob" }, null, inFlight);
  assert.equal(cache.recall("s3"), undefined, "a check begun before the clear is not remembered");
  assert.equal(cache.clear(), 0);
});

Deno.test("VerifiedCache.recallState: over past the absolute end (also after the stale window), lapsed past lapsesAt, which only moves later", () => {
  const clock = manualClock(0);
  const cache = new VerifiedCache<string>(clock, 60_000);
  cache.remember("s", "session", 300_000, cache.mark(), 100_000);
  assert.deepEqual(cache.recallState("s"), { value: "session" });
  // A verification that read an older "last seen" keeps the later idle end already known.
  cache.remember("s", "session", 300_000, cache.mark(), 50_000);
  clock.advance(70_000);
  assert.equal(cache.recallState("s"), "unknown", "beyond the stale window");
  cache.remember("s", "session", 300_000, cache.mark(), 120_000);
  clock.advance(40_000);
  assert.deepEqual(cache.recallState("s"), { value: "session" }, "idle end 120 s, not 50 s");
  clock.advance(20_000);
  assert.equal(cache.recallState("s"), "lapsed");
  assert.equal(cache.recall("s"), undefined);
  clock.advance(200_000);
  assert.equal(cache.recallState("s"), "ended", "still known long after its verification");
  cache.forget("s");
  assert.equal(cache.recallState("s"), "unknown");
});
