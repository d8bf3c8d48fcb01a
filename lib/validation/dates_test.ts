import assert from "node:assert/strict";
import { CalendarDay, isStorableInstant, StorableInstant } from "./dates.ts";

Deno.test("StorableInstant takes ISO instants from 0001 to 9999 UTC only", () => {
  for (const ok of ["2026-11-22T10:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T09:59:59-14:00"]) {
    assert.equal(StorableInstant.safeParse(ok).success, true, ok);
  }
  for (
    const bad of [
      "0000-01-01T00:00:00Z",
      "0001-01-01T00:00:00+01:00",
      "9999-12-31T23:59:59-14:00",
      "2026-13-01T00:00:00Z",
      "yesterday",
    ]
  ) assert.equal(StorableInstant.safeParse(bad).success, false, bad);
  assert.equal(isStorableInstant(Date.parse("+275760-09-13T00:00:00Z")), false);
});

Deno.test("CalendarDay takes real days from 1900 on", () => {
  for (const ok of ["2026-02-28", "1900-01-01", "9999-12-31"]) {
    assert.equal(CalendarDay.safeParse(ok).success, true, ok);
  }
  for (const bad of ["2026-02-30", "0001-01-01", "1899-12-31", "2026-1-1", "20261122"]) {
    assert.equal(CalendarDay.safeParse(bad).success, false, bad);
  }
});
