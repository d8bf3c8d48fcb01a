import assert from "node:assert/strict";
import {
  experimentInputFromForm,
  onCreateForm,
  onEditForm,
  percent,
  pValueText,
  variantsFrom,
  weightsId,
} from "./form.ts";

Deno.test("variantsFrom() reads name=weight lines and weight:<name> fields; a blank weight is NaN", () => {
  assert.deepEqual(variantsFrom({ variants: "A = 1\r\n\n B=3 \n" }), {
    A: { weight: 1 },
    B: { weight: 3 },
  });
  const fields = variantsFrom({ "weight:A": "75", "weight:B": " " });
  assert.equal(fields.A!.weight, 75);
  assert.ok(Number.isNaN(fields.B!.weight));
});

Deno.test("percent() prints one decimal, a dash when nothing is allocated", () => {
  assert.equal(percent(1, 3), "33.3%");
  assert.equal(percent(0, 0), "—");
});

Deno.test("onCreateForm() and onEditForm() tie messages to the field at fault", () => {
  const errors = [{ message: "m1", part: "variants" as const }, { message: "m2" }];
  assert.deepEqual(onCreateForm(errors), [
    { message: "m1", field: "new-experiment-variants" },
    { message: "m2" },
  ]);
  assert.deepEqual(onEditForm("x.y", errors), [
    { message: "m1", field: weightsId("x.y") },
    { message: "m2" },
  ]);
  assert.equal(weightsId("x.y"), "exp-x.y-weights");
});

Deno.test("experimentInputFromForm() validates with the API's schema and names the part at fault", () => {
  const ok = experimentInputFromForm({ variants: "A=1\nB=3", enabled: "on" }, "new.exp");
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.input!.variants, { A: { weight: 1 }, B: { weight: 3 } });
  assert.equal(ok.input!.enabled, true);
  const bad = experimentInputFromForm({ variants: "x=-1" }, "Bad Key");
  assert.deepEqual(bad.errors.map((e) => e.part).sort(), ["key", "variants"]);
});

Deno.test("pValueText() prints two significant digits, and a floor instead of tiny values", () => {
  assert.equal(pValueText(0.0014), "p = 0.0014");
  // 116 and 71 assignments at 50/50: p = 0.00099929, a warning; not "p = 0.0010".
  assert.equal(pValueText(0.0009992922807802239), "p < 0.001");
  assert.equal(pValueText(0.00094), "p = 0.00094");
  assert.equal(pValueText(0.001015), "p = 0.0010");
  assert.equal(pValueText(0.046), "p = 0.046");
  assert.equal(pValueText(0.0001), "p = 0.00010");
  assert.equal(pValueText(0.0000999), "p < 0.0001");
  assert.equal(pValueText(1e-300), "p < 0.0001");
});

Deno.test("pValueText() does not round a p-value below 1 up to 1.0", () => {
  assert.equal(pValueText(0.999997), "p > 0.99");
  assert.equal(pValueText(0.996), "p > 0.99");
  assert.equal(pValueText(0.99), "p = 0.99");
  assert.equal(pValueText(1), "p = 1.0");
});

Deno.test("percent() tells a tiny non-zero share from none, and a share just short of all from all", () => {
  // Before: 1 of 10000 printed "0.0%", like a switched-off variant, and 9999 of 10000 "100.0%".
  assert.equal(percent(1, 10_000), "<0.1%");
  assert.equal(percent(3, 10_003), "<0.1%");
  assert.equal(percent(0, 10_000), "0.0%");
  assert.equal(percent(5, 10_000), "0.1%");
  assert.equal(percent(9_999, 10_000), ">99.9%");
  assert.equal(percent(9_994, 10_000), "99.9%");
  assert.equal(percent(9_995, 10_000), ">99.9%");
  assert.equal(percent(10_000, 10_000), "100.0%");
});
