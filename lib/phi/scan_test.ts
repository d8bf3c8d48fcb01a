import assert from "node:assert/strict";
import { faker } from "@faker-js/faker";
import {
  DEFAULT_SAFE_KEYS,
  PHI_TYPES,
  redact,
  REDACTED_PAYLOAD,
  REDACTED_TEXT,
  redactText,
  scan,
  type ScanOptions,
  scanText,
} from "./mod.ts";
import { fakeMbi, fakeNpi, fakeSsnParts, fakeVin } from "../../tests/phi/corpus.ts";

Deno.test("scan() reports EMAIL at $.a without the value", () => {
  const result = scan({ a: "write to jane.roe@example.org today" });
  assert.deepEqual(result, { found: true, findings: [{ type: "EMAIL", path: "$.a" }] });
});

Deno.test("scan() names nested paths with dots, indexes and quoted odd keys", () => {
  const result = scan({
    user: { contact: [{ note: "call 415-555-0132" }] },
    "odd key": ["ok", "ssn 501-23-4567"],
  });
  assert.deepEqual(result.findings, [
    { type: "PHONE", path: "$.user.contact[0].note" },
    { type: "SSN", path: '$["odd key"][1]' },
  ]);
});

Deno.test("scan() finds nothing in plain technical analytics", () => {
  const result = scan({
    event: "flag_evaluated",
    event_id: "0b6f3c3e-4a61-4f0e-9a43-2b1f1f2d9c11",
    ts: "2024-05-01T12:30:00.123Z",
    created_at: "2024-05-01 12:30:00",
    epoch_ms: 1714566600123,
    version: "1.2.3.4",
    build: "9f2c1ab",
    duration_ms: 1234,
    props: { flag_key: "new-dashboard", variant: "on", count: 12, enabled: true },
  });
  assert.deepEqual(result, { found: false, findings: [] });
});

Deno.test("scan() flags the whole value under a sensitive key, subtrees included", () => {
  const result = scan({
    patient: { firstName: "X", dob: "n/a", contact: { phone: { a: "415", b: "5550132" } } },
  });
  assert.deepEqual(result.findings, [
    { type: "PERSON_NAME", path: "$.patient.firstName" },
    { type: "DATE", path: "$.patient.dob" },
    { type: "PHONE", path: "$.patient.contact.phone" },
  ]);
});

Deno.test("scan() ignores booleans, null and empty values under sensitive keys", () => {
  assert.equal(scan({ email: "", phone: null, ssn: false, address: [] }).found, false);
});

Deno.test("scan() reports a key that itself holds PHI without echoing it", () => {
  const result = scan({ opens: { "jane.roe@example.org": { opened: true } } });
  assert.deepEqual(result.findings, [{ type: "EMAIL", path: '$.opens["[REDACTED]"]' }]);
});

Deno.test("scan() treats a version string as PHI-free only under a technical key", () => {
  assert.equal(scan({ version: "10.2.3.4" }).found, false);
  assert.deepEqual(scan({ note: "from 10.2.3.4" }).findings, [{
    type: "IP_ADDRESS",
    path: "$.note",
  }]);
});

Deno.test("scan() honours a configured list of safe technical keys", () => {
  const value = { sample_ref: "1987-03-04" };
  assert.equal(scan(value).found, true);
  const opts: ScanOptions = { safeKeys: [...DEFAULT_SAFE_KEYS, "sampleRef"] };
  assert.equal(scan(value, opts).found, false);
});

Deno.test("scan() with safeKeys: [] treats no key as technical, not even an *Id key", () => {
  const value = { jobId: "415-555-0132", researchId: "MRN-00482913", variant: "1962-03-14" };
  assert.equal(scan(value).found, false, "under technical keys these shapes are left alone");
  assert.deepEqual(scan(value, { safeKeys: [] }).findings.map((f) => [f.type, f.path]), [
    ["PHONE", "$.jobId"],
    ["MRN", "$.researchId"],
    ["DATE", "$.variant"],
  ]);
  const ordinary = { jobId: "job-7", researchId: "study-3", variant: "control", count: 12 };
  assert.equal(scan(ordinary, { safeKeys: [] }).found, false);
});

Deno.test("a UUID is never PHI, under any key or inside text; PHI beside it still is", () => {
  // Each of these was reported (card, MBI, phone, IBAN) before UUIDs were read as one token.
  const uuids = [
    "c0cdafae-42a9-49e2-b3df-619099645241",
    "c35722a8-9fea-4990-bcae-e9ca3d84da71",
    "4208329b-84f0-411f-bdfc-be5863207554",
    "f7f7e5bc-7ff4-413e-a404-652917727172",
    "c2dd0d8a-5c1d-4732-96ea-ee553734df67",
    "C797AC91-397A-4A91-A04F-CF613ABC11A0",
  ];
  for (const id of uuids) {
    assert.equal(scan({ id }, { safeKeys: [] }).found, false, "a whole value");
    assert.equal(scanText(`job ${id} finished`).found, false, "in a sentence");
    assert.equal(scanText(`request_id=${id}; status=ok`).found, false, "in a log line");
  }
  assert.deepEqual(
    scanText(`job ${uuids[0]} for 415-555-0132`).findings.map((f) => f.type),
    ["PHONE"],
  );
  assert.equal(
    redactText(`${uuids[2]} SSN 536-22-1234`),
    `${uuids[2]} SSN [REDACTED:SSN]`,
  );
  // Not a lone UUID (more glued to it): read as text as before.
  assert.equal(scanText(`id ${uuids[0]}-4155550132`).found, true);
  // After a word that announces PHI, a UUID-shaped token is read as text: digits dressed up as
  // a UUID are not waved through.
  assert.equal(
    redactText("call 00000000-0000-4000-8000-005551234567"),
    "call 00000000-0000-4000-8000-[REDACTED:PHONE]",
  );
});

Deno.test("a phone number is found when a token follows it: a time, a UUID, a word with digits", () => {
  const cases: Array<[string, string]> = [
    ["phone 415-555-0123 3pm", "phone [REDACTED:PHONE] 3pm"],
    ["call (415) 555-0123 3pm tomorrow", "call [REDACTED:PHONE] 3pm tomorrow"],
    [
      "phone 415-555-0123 3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b",
      "phone [REDACTED:PHONE] 3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b",
    ],
    [
      "call 5551234567 00000000-0000-4000-8000-000000000000",
      "call [REDACTED:PHONE] 00000000-0000-4000-8000-000000000000",
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  // Each of these was missed: the number read on into the token after it and was dropped whole.
  for (let k = 0; k < 200; k++) {
    assert.equal(scanText(`call 5551234567 ${crypto.randomUUID()}`).found, true);
  }
  // Cutting back never turns a long digit run into a phone without a cue.
  assert.equal(
    scanText("order 1234 5678 9012 3456 7890 shipped").findings.some((f) => f.type === "PHONE"),
    false,
  );
});

Deno.test("scan() keeps checksum-backed identifiers under technical keys", () => {
  assert.deepEqual(scan({ id: "501-23-4567" }).findings, [{ type: "SSN", path: "$.id" }]);
});

Deno.test("scan() reads numbers long enough to be identifiers", () => {
  assert.deepEqual(scan({ value: 4111111111111111 }).findings, [
    { type: "CREDIT_CARD", path: "$.value" },
  ]);
  assert.equal(scan({ value: 42, ratio: 0.5 }).found, false);
});

Deno.test("scanText() reports types at $ for one string", () => {
  assert.deepEqual(scanText("Mr. Jonas Whitfield, MRN 00123456"), {
    found: true,
    findings: [{ type: "PERSON_NAME", path: "$" }, { type: "MRN", path: "$" }],
  });
});

Deno.test("redact() replaces matches and sensitive values, leaving the rest intact", () => {
  const out = redact({
    level: "error",
    message: "failed for jane.roe@example.org (ssn 501-23-4567)",
    user: { email: "jane.roe@example.org", plan: "pro" },
    count: 3,
  });
  assert.deepEqual(out, {
    level: "error",
    message: "failed for [REDACTED:EMAIL] (ssn [REDACTED:SSN])",
    user: { email: "[REDACTED]", plan: "pro" },
    count: 3,
  });
});

Deno.test("redact() renames keys that hold PHI", () => {
  assert.deepEqual(redact({ "jane.roe@example.org": 1, "john.roe@example.org": 2 }), {
    "[REDACTED:EMAIL]": 1,
    "[REDACTED:EMAIL]#2": 2,
  });
});

Deno.test("redactText() keeps offsets right after normalisation", () => {
  const text = "ｓｓｎ ５０１－２３－４５６７ and j\u200bane@example.org end";
  assert.equal(redactText(text), "ｓｓｎ [REDACTED:SSN] and [REDACTED:EMAIL] end");
  assert.equal(redactText("mail jane%40example.org now"), "mail [REDACTED:EMAIL] now");
});

Deno.test("findings and redacted output never contain a planted canary value", () => {
  faker.seed(7);
  const [a, g, s] = fakeSsnParts();
  const canaries = [
    faker.internet.email(),
    `${a}-${g}-${s}`,
    faker.phone.number({ style: "national" }),
    faker.finance.creditCardNumber("visa"),
    faker.finance.iban(),
    fakeNpi(),
    fakeMbi(),
    fakeVin(),
    faker.internet.ipv4(),
    faker.internet.url(),
  ];
  const payload = {
    message: `user ${canaries[0]} ssn ${canaries[1]} phone ${canaries[2]}`,
    nested: [{ card: `card ${canaries[3]}`, bank: `iban ${canaries[4]}` }],
    [canaries[0]!]: { npi: `NPI ${canaries[5]}`, mbi: canaries[6] },
    vehicle: `car ${canaries[7]} from ${canaries[8]} via ${canaries[9]}`,
    email: canaries[0],
  };
  const outputs = [
    JSON.stringify(scan(payload)),
    JSON.stringify(redact(payload)),
    redactText(JSON.stringify(payload)),
    JSON.stringify(scanText(JSON.stringify(payload))),
  ];
  for (const output of outputs) {
    for (const canary of canaries) {
      assert.ok(!output.includes(canary!), `canary leaked into ${output.slice(0, 80)}...`);
    }
    assert.ok(!output.includes(`${a}${g}${s}`));
  }
});

Deno.test("scan() fails closed beyond the depth bound", () => {
  let deep: unknown = "x";
  for (let i = 0; i < 40; i++) deep = { child: deep };
  const result = scan(deep, { maxDepth: 10 });
  assert.equal(result.found, true);
  assert.equal(result.findings.at(-1)?.type, "SCANNER_ERROR");
});

Deno.test("scan() fails closed beyond the node and character bounds", () => {
  const many = Array.from({ length: 50 }, (_, i) => ({ i }));
  assert.equal(scan(many, { maxNodes: 20 }).findings.at(-1)?.type, "SCANNER_ERROR");
  assert.equal(scan({ text: "a".repeat(200) }, { maxChars: 100 }).found, true);
  assert.equal(scanText("a".repeat(200), { maxChars: 100 }).findings[0]?.type, "SCANNER_ERROR");
});

Deno.test("scan() fails closed when the time budget is spent (injected clock)", () => {
  let clock = 0;
  const now = () => (clock += 60);
  // 3,000 characters may take more than a tenth of 50 ms at the worst measured cost: timed.
  const large = { a: "hello ".repeat(500), b: "world" };
  const result = scan(large, { now, timeBudgetMs: 50 });
  assert.equal(result.found, true);
  assert.equal(result.findings.at(-1)?.type, "SCANNER_ERROR");
  assert.deepEqual(redact(large, { now, timeBudgetMs: 50 }), { ...REDACTED_PAYLOAD });
  const frozen = () => 0;
  assert.equal(scan(large, { now: frozen, timeBudgetMs: 50 }).found, false);
});

Deno.test("a payload too small to spend the budget is not failed closed by a slow clock (a loaded machine, a GC pause)", () => {
  // Every read of this clock is a second later: as if the process were descheduled between reads.
  let clock = 0;
  const stalled = () => (clock += 1000);
  assert.deepEqual(scan({ key: "responsive-flag", on: true }, { now: stalled }), {
    found: false,
    findings: [],
  });
  const many = Array.from({ length: 200 }, (_, i) => ({ id: i, name: "checkout" }));
  assert.equal(scan(many, { now: stalled }).found, false);
  assert.deepEqual(redact({ key: "responsive-flag" }, { now: stalled }), {
    key: "responsive-flag",
  });
  assert.equal(scanText("responsive-flag", { now: stalled }).found, false);
});

Deno.test("scan() fails closed when reading the input throws", () => {
  const hostile = {};
  Object.defineProperty(hostile, "boom", {
    enumerable: true,
    get() {
      throw new Error("getter");
    },
  });
  assert.deepEqual(scan(hostile), {
    found: true,
    findings: [{ type: "SCANNER_ERROR", path: "$" }],
  });
});

Deno.test("redact() and redactText() fail closed to fully redacted results", () => {
  let clock = 0;
  const now = () => (clock += 1000);
  assert.deepEqual(redact({ a: "hello ".repeat(2000) }, { now }), { phi_redacted: true });
  assert.equal(redactText("hello ".repeat(2000), { now }), REDACTED_TEXT);
  assert.equal(redactText("hello", { now, timeBudgetMs: 0.01 }), REDACTED_TEXT);
});

Deno.test("PHI_TYPES lists every type the scanner reports", () => {
  assert.ok(PHI_TYPES.includes("SCANNER_ERROR"));
  assert.ok(PHI_TYPES.includes("EMAIL"));
  assert.equal(new Set(PHI_TYPES).size, PHI_TYPES.length);
});

/** 100 KB adversarial strings for backtracking: the scan must finish (no timing assertion). */
const ADVERSARIAL: Array<[string, string, boolean]> = [
  ["a@a@a@...", "a@".repeat(50_000), false],
  ["1-1-1-...", "1-".repeat(50_000), false],
  ["digit run", "7".repeat(100_000), false],
  ["colons", ":".repeat(100_000), false],
  ["hex and colons", "a1:".repeat(33_000), false],
  ["dots and digits", "1.".repeat(50_000), false],
  ["capitalised words", "Aa ".repeat(33_000), false],
  ["base64 alphabet", "Ab1+".repeat(25_000), false],
  ["url-ish", "http://".repeat(14_000), true],
  ["percent escapes", "%4".repeat(50_000), false],
  ["entity starts", "&#".repeat(50_000), false],
  // Query pairs with no ';': each '&' looked for one through the rest of the text (quadratic).
  ["query pairs", "&name=x".repeat(14_300), false],
  ["spaced digits", "1 ".repeat(50_000), false],
  ["long local part", "a".repeat(100_000) + "@example.org", true],
  // Obfuscated e-mails and lower-case names after a cue (detectors/obfuscated.ts).
  ["bracketed at", "a[at]".repeat(20_000), false],
  ["bracketed dots", "a(dot)".repeat(16_600), false],
  ["bare at and dot", "a at a dot ".repeat(9_000), false],
  ["patient cues", "patient ".repeat(12_500), false],
  // Spaced brackets, a domain read back from each `.com`, titles joined to names.
  ["spaced brackets", "a[ at ]".repeat(14_300), false],
  ["dotted domains", "a.com.".repeat(16_600), false],
  ["bare at, dotted", "a at a.com ".repeat(9_000), false],
  ["joined titles", "dr-john-".repeat(12_500), false],
];

for (const [name, text, expected] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name} and reports ${expected ? "PHI" : "none"}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
    assert.equal(result.found, expected);
  });
}

Deno.test("redactText() takes a middle initial and the surname after it with the first name", () => {
  for (const name of ["Jane Q Doe", "Jane Q. Doe", "John F. Kennedy"]) {
    assert.equal(redactText(`Pilot for ${name} today`), "Pilot for [REDACTED:PERSON_NAME] today");
  }
});
