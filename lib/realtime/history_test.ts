import assert from "node:assert/strict";
import { EventHistory } from "./history.ts";
import type { AppEvent } from "./types.ts";

const e = (id: string): AppEvent => ({
  id,
  type: "job.started",
  ts: "",
  topic: "jobs",
  payload: {},
});

Deno.test("EventHistory.holds(): ids kept and the floor; not ids never kept, nor local ones", () => {
  const history = new EventHistory(3, "1-0");
  history.push(e("5-0"));
  history.push(e("7-0"), true);
  history.push(e("9-0"));
  assert.equal(history.holds("1-0"), true, "the floor");
  assert.equal(history.holds("5-0"), true);
  assert.equal(history.holds("9-0"), true);
  assert.equal(history.holds("6-0"), false, "between kept ids: another instance's");
  assert.equal(history.holds("7-0"), false, "given out here: another may have given it too");
  assert.equal(history.after("6-0", "all").complete, true, "after() alone does not tell");
  history.push(e("10-0"));
  history.push(e("11-0"));
  // 7-0 is now the floor (dropped), still local; 5-0 is gone below the floor.
  assert.equal(history.holds("7-0"), false);
  assert.equal(history.holds("5-0"), false);
  assert.equal(history.holds("10-0"), true);
  history.push(e("12-0"));
  assert.equal(history.holds("9-0"), true, "the floor now");
});
