/**
 * A stored flag for the flag modules' unit tests: enabled for everyone, no gates, with `fields`
 * over these defaults. Test support only; no app code imports it.
 */
import type { Flag } from "./flag.ts";

export function flagFixture(key: string, fields: Partial<Flag> = {}): Flag {
  return {
    key,
    enabled: true,
    description: null,
    scope: "product",
    rolloutPercent: 100,
    requiredModes: [],
    targetUsers: [],
    targetEnvironments: [],
    version: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
    updatedBy: null,
    ...fields,
  };
}
