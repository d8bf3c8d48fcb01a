/**
 * Obfuscated e-mail forms e04482f left open: spaces inside the brackets (`jane [ at ] example
 * [ dot ] org`) and a bare `at` before a dotted domain (`jane at example.org`). The bare form
 * is prose as often ("meet at home.com", "works at acme.com"), so it is an address only when the
 * word before `at` looks like a mailbox (a dictionary name that is no everyday word, or parts
 * joined by `.`, `_`, `-` or `+` one of which is a dictionary name) and the domain ends in a
 * common top-level domain. Addresses are synthetic and put together here.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan, scanText } from "./mod.ts";

const jane = "ja" + "ne";
const john = "jo" + "hn";
const smith = "smi" + "th";

function assertEmail(text: string, canaries: string[]): void {
  const out = redactText(text);
  for (const c of canaries) assert.ok(!out.includes(c), `${JSON.stringify(text)} -> ${out}`);
  assert.ok(out.includes("[REDACTED:EMAIL]"), `${JSON.stringify(text)} -> ${out}`);
  assert.ok(scanText(text).findings.some((f) => f.type === "EMAIL"), text);
  assert.ok(scan({ v: text }, { safeKeys: [] }).findings.some((f) => f.type === "EMAIL"), text);
}

Deno.test("bracketed at and dot with spaces inside the brackets are an e-mail address", () => {
  const cases: Array<[string, string[]]> = [
    [`${jane} [ at ] example [ dot ] org`, [jane, "example"]],
    [`${jane} ( at ) example ( dot ) org`, [jane, "example"]],
    [`${jane} { at } example { dot } org`, [jane, "example"]],
    [`write to ${jane}.doe [ at ] example.org today`, [`${jane}.doe`, "example"]],
    [`${jane.toUpperCase()} [ AT ] EXAMPLE [ DOT ] ORG`, [jane.toUpperCase(), "EXAMPLE"]],
    [`${jane} [at ] example [ dot] org`, [jane, "example"]],
    [`${jane}_doe ( at ) mail ( dot ) example ( dot ) co ( dot ) uk`, [`${jane}_doe`, "example"]],
  ];
  for (const [text, canaries] of cases) assertEmail(text, canaries);
  const out = redact({ note: `${jane} ( at ) example ( dot ) org` }) as { note: string };
  assert.equal(out.note, "[REDACTED:EMAIL]");
});

Deno.test("a mailbox-like word, a bare at and a dotted domain with a common TLD are an address", () => {
  const cases: Array<[string, string[]]> = [
    [`${jane} at example.org`, [jane, "example"]],
    [`write to ${jane} at example.org today.`, [jane, "example"]],
    [`${john}.${smith} at example.co.uk`, [`${john}.${smith}`, "example"]],
    [`reach j.${smith} at example.com`, [`j.${smith}`, "example"]],
    [`${jane}_doe at mail.example.org`, [`${jane}_doe`, "mail.example"]],
    [`${john}.${smith}+clinic AT example.net`, [`${john}.${smith}`, "example"]],
    [`Contact ${jane[0]!.toUpperCase()}${jane.slice(1)} at example.org.`, ["example"]],
  ];
  for (const [text, canaries] of cases) assertEmail(text, canaries);
});

Deno.test("prose with at before a dotted word stays", () => {
  for (
    const clean of [
      "meet at home.com",
      "arrive at 9.30",
      "look at figure.png",
      "at example.org we",
      "works at acme.com",
      "available at example.org",
      "see the docs at docs.example.org",
      "deployed v2.3 at example.com",
      "we use node.js at example.com",
      "login at example.com failed",
      "hosted at github.io",
      // A mailbox-like word before a domain with an uncommon or no TLD.
      `${jane} at example.xyz`,
      `${jane} at example`,
      `${jane} at index.html`,
      "[ at ] risk",
      "a dot ( at ) most",
      "meet ( at ) noon, then lunch",
      "( at ) risk [ dot ] plot",
    ]
  ) {
    assert.equal(redactText(clean), clean, clean);
    assert.deepEqual(scan({ v: clean }, { safeKeys: [] }).findings, [], clean);
  }
  // Under a technical key the bare form is not read.
  assert.equal(scan({ job_id: `${jane} at example.org` }).found, false);
});
