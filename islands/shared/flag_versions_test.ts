import assert from "node:assert/strict";
import {
  applyFlagChange,
  type FlagChange,
  flagChangeOf,
  isStale,
  mergeFlagsState,
} from "./flag_versions.ts";

interface Row {
  key: string;
  enabled: boolean;
  version?: number;
}

const state = (...rows: Array<[string, boolean, number]>) => ({
  flags: Object.fromEntries(rows.map(([key, on]) => [key, on])),
  flagsMeta: rows.map(([key, enabled, version]): Row => ({ key, enabled, version })),
});

const change = (flagKey: string, enabled: boolean, version: number, archived = false) =>
  flagChangeOf({ flagKey, enabled, version, rolloutPercent: 100, archived }) as FlagChange;

Deno.test("isStale() is true for a version at or below the one held, never for unknown ones", () => {
  assert.equal(isStale(3, 2), true);
  assert.equal(isStale(3, 3), true);
  assert.equal(isStale(3, 4), false);
  assert.equal(isStale(undefined, 1), false);
  assert.equal(isStale(3, undefined), false);
});

Deno.test("applyFlagChange() drops an event older than the flag held (delivered out of order)", () => {
  const archived = new Map<string, number>();
  const v3 = applyFlagChange(state(["pilot", false, 2]), change("pilot", true, 3), archived);
  assert.ok(v3);
  assert.deepEqual(v3.flagsMeta[0], {
    key: "pilot",
    enabled: true,
    version: 3,
    rolloutPercent: 100,
  });
  assert.equal(applyFlagChange(v3, change("pilot", false, 2), archived), null, "v2 after v3");
  assert.equal(applyFlagChange(v3, change("pilot", true, 3), archived), null, "v3 again");
});

Deno.test("applyFlagChange() removes an archived flag and then drops its older events", () => {
  const archived = new Map<string, number>();
  const gone = applyFlagChange(
    state(["pilot", true, 4]),
    change("pilot", false, 5, true),
    archived,
  );
  assert.deepEqual(gone, { flags: {}, flagsMeta: [] });
  assert.equal(archived.get("pilot"), 5);
  assert.equal(applyFlagChange(gone!, change("pilot", true, 4), archived), null);
});

Deno.test("mergeFlagsState() keeps a flag held at a newer version than the answer, and says it lagged", () => {
  const archived = new Map<string, number>();
  const held = state(["pilot", true, 3], ["other", false, 1]);
  const answer = state(["pilot", false, 2], ["other", true, 2]);
  const merged = mergeFlagsState(held, answer, archived);
  assert.equal(merged.behind, true);
  assert.deepEqual(merged.flagsMeta, [held.flagsMeta[0], answer.flagsMeta[1]]);
  assert.deepEqual(merged.flags, { pilot: true, other: true });
});

Deno.test("mergeFlagsState() takes an answer at the same or a newer version, and the server's list of flags", () => {
  const archived = new Map<string, number>();
  const merged = mergeFlagsState(
    state(["pilot", true, 3], ["gone", true, 1]),
    state(["pilot", false, 3], ["fresh", true, 1]),
    archived,
  );
  assert.equal(merged.behind, false);
  assert.deepEqual(merged.flagsMeta.map((f) => f.key), ["pilot", "fresh"]);
  assert.deepEqual(merged.flags, { pilot: false, fresh: true });
});

Deno.test("mergeFlagsState() keeps out a flag the answer lists at or below the version it was archived at", () => {
  const archived = new Map([["pilot", 5]]);
  const stale = mergeFlagsState(state(), state(["pilot", true, 4]), archived);
  assert.deepEqual(stale.flagsMeta, []);
  assert.equal(stale.behind, true);
  const restored = mergeFlagsState(state(), state(["pilot", true, 6]), archived);
  assert.deepEqual(restored.flagsMeta.map((f) => f.version), [6]);
  assert.equal(archived.has("pilot"), false);
});
