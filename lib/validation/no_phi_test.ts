import assert from "node:assert/strict";
import { z } from "zod";
import { scanText } from "../phi/mod.ts";
import { isPhiIssue, noPhi, phiTypesIn } from "./no_phi.ts";

// Built at test time: no PHI-shaped literal on disk.
const bareSsn = ["536", "22", "1234"].join("");
const email = ["jane.doe", "example.org"].join("@");

Deno.test("phiTypesIn() scans a string as a whole value: a bare SSN counts, which scanText misses", () => {
  assert.equal(scanText(bareSsn).found, false);
  assert.deepEqual(phiTypesIn(bareSsn), ["SSN"]);
  assert.deepEqual(phiTypesIn(`Pilot for ${email}`), ["EMAIL"]);
  assert.deepEqual(phiTypesIn({ config: { contact: email } }), ["EMAIL"]);
  for (const ordinary of [null, undefined, "u1", "user-42", "researcher_7", crypto.randomUUID()]) {
    assert.deepEqual(phiTypesIn(ordinary), [], String(ordinary));
  }
});

Deno.test("noPhi() refuses with the rule and the types found, never the value", () => {
  const schema = z.object({ description: noPhi(z.string().max(500)).nullable() });
  const refused = schema.safeParse({ description: `Call ${email}` });
  assert.equal(refused.success, false);
  const issues = refused.error!.issues;
  assert.equal(issues.length, 1);
  assert.ok(isPhiIssue(issues[0]!));
  assert.deepEqual(issues[0]!.path, ["description"]);
  assert.equal(issues[0]!.message, "Must not contain PHI (found: EMAIL)");
  assert.ok(!JSON.stringify(issues).includes(email));
  assert.equal(schema.safeParse({ description: null }).success, true);
  assert.equal(schema.safeParse({ description: "New checkout page" }).success, true);
});

Deno.test("phiTypesIn() counts no object key as technical: the keys are the client's", () => {
  // Built at test time: no PHI-shaped literal on disk.
  const phone = ["415", "555", "0132"].join("-");
  const name = ["John", "Smith"].join(" ");
  const date = ["1955", "03", "02"].join("-");
  for (
    const [value, type] of [
      [{ contact_time: `call ${phone}` }, "PHONE"],
      [{ owner_key: name }, "PERSON_NAME"],
      [{ created_at: date }, "DATE"],
      [{ banner: { review_code: bareSsn } }, "SSN"],
    ] as const
  ) {
    assert.deepEqual(phiTypesIn(value), [type], JSON.stringify(Object.keys(value)));
  }
  assert.deepEqual(phiTypesIn({ color: "blue", timeout_ms: 1500, variant_id: "v2" }), []);
});
