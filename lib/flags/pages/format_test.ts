import assert from "node:assert/strict";
import { KEY_PATTERN } from "../flag.ts";
import { gates, htmlPattern, toMinute, toSecond } from "./format.ts";

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

Deno.test("htmlPattern() drops the anchors and escapes a class's trailing hyphen (v flag)", () => {
  assert.equal(htmlPattern(KEY_PATTERN), "[a-z][a-z0-9_.\\-]{0,99}");
  const html = new RegExp(`^(?:${htmlPattern(KEY_PATTERN)})$`, "v");
  for (const key of ["rf.good-key_2", "a", "beta.search"]) {
    assert.equal(html.test(key), KEY_PATTERN.test(key), key);
  }
  for (const key of ["Bad Key", "1abc", "a".repeat(101), "a/b"]) {
    assert.equal(html.test(key), false, key);
  }
  assert.equal(htmlPattern(/^[a\-]$/), "[a\\-]");
});
