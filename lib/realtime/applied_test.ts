import assert from "node:assert/strict";
import { olderEvent, UnappliedEvents } from "./applied.ts";
import type { AppEvent } from "./types.ts";

const e = (id: string): AppEvent => ({
  id,
  type: "governance.flag_changed",
  ts: "",
  topic: "governance",
  payload: {},
});

Deno.test("UnappliedEvents: an event stays until a re-read started after it succeeds", () => {
  const unapplied = new UnappliedEvents();
  assert.equal(unapplied.oldest(), undefined);
  const before = unapplied.mark();
  unapplied.add(e("5-0"));
  unapplied.applied(before);
  assert.equal(unapplied.oldest()?.id, "5-0", "a re-read that started earlier does not count");
  const first = unapplied.mark();
  unapplied.add(e("6-0"));
  unapplied.applied(first);
  assert.equal(unapplied.oldest()?.id, "6-0");
  unapplied.applied(unapplied.mark());
  assert.equal(unapplied.oldest(), undefined);
});

Deno.test("UnappliedEvents: beyond its bound the oldest is kept until everything is read back", () => {
  const unapplied = new UnappliedEvents();
  unapplied.add(e("1-0"));
  const early = unapplied.mark();
  for (let i = 2; i <= 1100; i++) unapplied.add(e(`${i}-0`));
  unapplied.applied(early);
  assert.equal(unapplied.oldest()?.id, "1-0");
  unapplied.applied(unapplied.mark());
  assert.equal(unapplied.oldest(), undefined);
});

Deno.test("olderEvent() picks the smaller id, either may be missing", () => {
  assert.equal(olderEvent(e("10-0"), e("9-5"))?.id, "9-5");
  assert.equal(olderEvent(undefined, e("9-5"))?.id, "9-5");
  assert.equal(olderEvent(e("9-5"), null)?.id, "9-5");
  assert.equal(olderEvent(null, undefined), undefined);
});
