import assert from "node:assert/strict";
import { createIpHasher, utcDay } from "./ip_hash.ts";

const DAY = 86_400_000;
const SALT = "a-test-salt-of-enough-length";

Deno.test("the IP hash is SHA-256 hex, stable within a UTC day and different the next day", async () => {
  const hasher = createIpHasher(SALT);
  const t = Date.UTC(2026, 0, 5, 9);
  const a = await hasher.hash("198.51.100.7", t);
  assert.match(a ?? "", /^[0-9a-f]{64}$/);
  assert.equal(await hasher.hash("198.51.100.7", t + 3_600_000), a);
  assert.notEqual(await hasher.hash("198.51.100.7", t + DAY), a);
  assert.notEqual(await hasher.hash("198.51.100.8", t), a);
  assert.ok(!a!.includes("198.51.100.7"));
});

Deno.test("the IP hash depends on the salt, and an unknown address has none", async () => {
  const t = Date.UTC(2026, 0, 5);
  const one = await createIpHasher(SALT).hash("198.51.100.7", t);
  const other = await createIpHasher(SALT + "x").hash("198.51.100.7", t);
  assert.notEqual(one, other);
  assert.equal(await createIpHasher(SALT).hash("unknown", t), null);
  // Without a configured salt (development) a random one is drawn per process.
  assert.notEqual(
    await createIpHasher(undefined).hash("198.51.100.7", t),
    await createIpHasher(undefined).hash("198.51.100.7", t),
  );
});

Deno.test("utcDay() is the UTC date", () => {
  assert.equal(utcDay(Date.UTC(2026, 1, 28, 23, 59)), "2026-02-28");
});
