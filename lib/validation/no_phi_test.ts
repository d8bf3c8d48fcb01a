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
