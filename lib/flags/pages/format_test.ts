import assert from "node:assert/strict";
import { gates, toMinute, toSecond } from "./format.ts";

Deno.test("gates() names the required modes and target environments, or none", () => {
  assert.equal(gates({ requiredModes: [], targetEnvironments: [] }), "none");
  assert.equal(
    gates({ requiredModes: ["DEMO", "LIVE"], targetEnvironments: [] }),
    "modes: DEMO, LIVE",
  );
  assert.equal(
    gates({ requiredModes: ["LIVE"], targetEnvironments: ["staging", "production"] }),
    "modes: LIVE; environments: staging, production",
  );
});

Deno.test("toMinute() and toSecond() cut a stored ISO time for the pages", () => {
  assert.equal(toMinute("2026-03-04T05:06:07.890Z"), "2026-03-04 05:06");
  assert.equal(toSecond("2026-03-04T05:06:07.890Z"), "2026-03-04 05:06:07");
});
