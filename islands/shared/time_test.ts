import assert from "node:assert/strict";
import { utcTime } from "./time.ts";

Deno.test("utcTime() prints YYYY-MM-DD HH:MM:SS UTC, whatever offset the time was given with", () => {
  assert.equal(utcTime("2026-11-23T06:35:56.322Z"), "2026-11-23 06:35:56 UTC");
  assert.equal(utcTime("2026-11-23T08:35:56+02:00"), "2026-11-23 06:35:56 UTC");
});

Deno.test("utcTime() prints a dash for a time it cannot read", () => {
  assert.equal(utcTime(""), "—");
  assert.equal(utcTime("not a time"), "—");
});
