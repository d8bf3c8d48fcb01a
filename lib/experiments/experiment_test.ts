import assert from "node:assert/strict";
import { ValidationError } from "../errors/mod.ts";
import { applyExperimentInput, type Experiment, ExperimentInputSchema } from "./experiment.ts";

// Built at test time: no PHI-shaped literal on disk.
const phone = ["415", "555", "0132"].join("-");
const name = ["John", "Smith"].join(" ");
const date = ["1955", "03", "02"].join("-");

Deno.test("a variant config is refused for PHI under any key, technical-sounding ones included", () => {
  for (
    const [config, type] of [
      [{ contact_time: `call ${phone}` }, "PHONE"],
      [{ owner_key: name }, "PERSON_NAME"],
      [{ created_at: date }, "DATE"],
    ] as const
  ) {
    const parsed = ExperimentInputSchema.safeParse({
      key: "checkout_v2",
      enabled: true,
      variants: { a: { weight: 1, config } },
    });
    assert.equal(parsed.success, false, JSON.stringify(Object.keys(config)));
    const issue = parsed.error!.issues[0]!;
    assert.equal(issue.message, `Must not contain PHI (found: ${type})`);
    assert.ok(!JSON.stringify(parsed.error!.issues).includes(type === "DATE" ? date : "555"));
  }
  const fine = ExperimentInputSchema.safeParse({
    key: "checkout_v2",
    enabled: true,
    variants: { a: { weight: 1, config: { color: "blue", updated_at_label: "spring" } } },
  });
  assert.equal(fine.success, true);
});

const stored: Experiment = {
  key: "checkout-2025-03-01",
  enabled: true,
  description: null,
  variants: [{ key: "a", weight: 1, config: {} }],
  requiredModes: [],
  version: 3,
  updatedAt: "2025-03-01T00:00:00.000Z",
  updatedBy: null,
};

Deno.test("applyExperimentInput() refuses a new key the bus would refuse, not a stored one", () => {
  const input = ExperimentInputSchema.parse({
    key: "checkout-2025-03-01",
    enabled: false,
    variants: { a: { weight: 1 } },
  });
  assert.throws(() => applyExperimentInput(undefined, input), ValidationError);
  assert.equal(applyExperimentInput(stored, input).enabled, false);
  const fresh = ExperimentInputSchema.parse({ ...input, key: "checkout_2025_q1" });
  assert.equal(applyExperimentInput(undefined, fresh).key, "checkout_2025_q1");
});
