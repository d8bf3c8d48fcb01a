import assert from "node:assert/strict";
import { ValidationError } from "../errors/mod.ts";
import { applyFlagInput, type Flag } from "./flag.ts";

const stored: Flag = {
  key: "sunset-2025-06-30",
  enabled: true,
  description: null,
  scope: "product",
  rolloutPercent: 100,
  requiredModes: [],
  targetUsers: [],
  targetEnvironments: [],
  version: 2,
  updatedAt: "2025-01-01T00:00:00.000Z",
  updatedBy: null,
};

Deno.test("applyFlagInput() refuses a new key the bus would refuse, not a stored one", () => {
  assert.throws(() => applyFlagInput("sunset-2025-06-30", undefined, { enabled: true }), {
    name: "ValidationError",
  });
  assert.throws(
    () => applyFlagInput("legacy-api-1.0.0.1", undefined, { enabled: true }),
    ValidationError,
  );
  assert.equal(applyFlagInput("sunset-2025-06-30", stored, { enabled: false }).enabled, false);
  assert.equal(
    applyFlagInput("sunset_2025_h1", undefined, { enabled: true }).key,
    "sunset_2025_h1",
  );
});
