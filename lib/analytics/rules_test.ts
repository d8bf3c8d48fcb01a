import assert from "node:assert/strict";
import { KEY_PATTERN } from "../flags/flag.ts";
import { payloadRefusal } from "../realtime/payload_guard.ts";
import type { PhiFinding } from "../phi/mod.ts";
import { EVENT_NAMES, PROPERTY_KEYS, SERVER_ONLY_EVENT_NAMES } from "./allowlist.ts";
import {
  checkShape,
  judgeEvent,
  PHI_SCANNER,
  type Scanner,
  serializedBytes,
  storablePath,
} from "./rules.ts";

Deno.test("judgeEvent() accepts an allowlisted event with flat enum-like properties", () => {
  assert.deepEqual(
    judgeEvent({
      eventName: "ui.button_click",
      properties: { button: "save_flag", duration_ms: 12.5, enabled: false },
      researchId: "study-7",
    }),
    {
      outcome: "accepted",
      properties: { button: "save_flag", duration_ms: 12.5, enabled: false },
      researchId: "study-7",
    },
  );
});

Deno.test("judgeEvent() checks the name before anything else", () => {
  const verdict = judgeEvent({ eventName: "ui.typed_text", properties: { note: "a@b.example" } });
  assert.deepEqual(verdict, { outcome: "rejected", reason: "EVENT_NOT_ALLOWED" });
});

Deno.test("judgeEvent() rejects properties over 8 KB before scanning them", () => {
  let scanned = false;
  const scanner: Scanner = {
    scan: () => {
      scanned = true;
      return { found: false, findings: [] };
    },
  };
  const verdict = judgeEvent(
    { eventName: "ui.page_view", properties: { page: "x".repeat(8200) } },
    scanner,
  );
  assert.deepEqual(verdict, { outcome: "rejected", reason: "PROPERTIES_TOO_LARGE" });
  assert.equal(scanned, false);
});

Deno.test("judgeEvent() redacts before applying the shape rules (PHI in a nested value is redacted, not rejected)", () => {
  const verdict = judgeEvent({
    eventName: "ui.page_view",
    properties: { page: { note: "write to jane.roe@example.org" } },
  });
  assert.equal(verdict.outcome, "redacted");
  if (verdict.outcome === "redacted") {
    assert.deepEqual(verdict.findings, [{ type: "EMAIL", path: "$.page" }]);
  }
});

Deno.test("judgeEvent() scans identifiers under any key and stores no key the client made up", () => {
  const phone = judgeEvent({
    eventName: "ui.button_click",
    properties: { variant: "415-555-0132" },
  });
  assert.deepEqual(phone, {
    outcome: "redacted",
    findings: [{ type: "PHONE", path: "$.variant" }],
  });
  const inKey = judgeEvent({ eventName: "ui.button_click", properties: { mrn_00482913: 1 } });
  assert.equal(inKey.outcome, "redacted");
  assert.ok(!JSON.stringify(inKey).includes("00482913"), "the key is not repeated");
  assert.equal(storablePath("$.mrn_00482913"), "$.[key]");
  assert.equal(storablePath('$["jane.doe@example.org"]'), "$.[key]");
  assert.equal(storablePath("$.variant"), "$.variant");
  assert.equal(storablePath("$.page.note"), "$.page");
  assert.equal(storablePath("researchId"), "researchId");
});

Deno.test("judgeEvent() fails closed: a scanner that throws counts as PHI found", () => {
  const scanner: Scanner = {
    scan: () => {
      throw new Error("boom");
    },
  };
  assert.deepEqual(
    judgeEvent({ eventName: "ui.page_view", properties: { page: "home" } }, scanner),
    { outcome: "redacted", findings: [{ type: "SCANNER_ERROR", path: "$" }] },
  );
});

Deno.test("judgeEvent() scans the researchId and reports it by field name only", () => {
  const verdict = judgeEvent({ eventName: "ui.page_view", researchId: "MRN:48213377" });
  assert.equal(verdict.outcome, "redacted");
  if (verdict.outcome === "redacted") {
    assert.deepEqual(verdict.findings.map((f) => f.path), ["researchId"]);
  }
});

Deno.test("judgeEvent() scans the researchId as a whole value, as the bus guard does", () => {
  // Built at test time: no PHI-shaped literal on disk.
  const bareSsn = ["536", "22", "1234"].join("");
  const verdict = judgeEvent({ eventName: "ui.page_view", researchId: bareSsn });
  assert.deepEqual(verdict, {
    outcome: "redacted",
    findings: [{ type: "SSN", path: "researchId" }],
  });
  assert.equal(payloadRefusal({ jobId: "job-1", researchId: bareSsn }), "phi");
  // Research ids of the usual shapes are stored as they are, here and on the bus.
  for (const id of ["study-7", "exp_2024_q3", "subj-0042", crypto.randomUUID()]) {
    assert.deepEqual(
      judgeEvent({ eventName: "ui.page_view", researchId: id }),
      { outcome: "accepted", properties: {}, researchId: id },
      id,
    );
    assert.equal(payloadRefusal({ jobId: "job-1", researchId: id }), undefined, id);
  }
});

Deno.test("checkShape() names the first broken rule", () => {
  assert.equal(checkShape({ a: { b: 1 } }), "NOT_FLAT");
  assert.equal(checkShape({ a: [1] }), "NOT_FLAT");
  assert.equal(checkShape({ a: null }), "NOT_FLAT");
  assert.equal(checkShape({ "a-b": 1 }), "INVALID_KEY");
  assert.equal(checkShape({ ["a".repeat(65)]: 1 }), "INVALID_KEY");
  assert.equal(checkShape({ a: "two words" }), "INVALID_VALUE");
  assert.equal(checkShape({ a: "" }), "INVALID_VALUE");
  assert.equal(checkShape({ a: "x".repeat(101) }), "INVALID_VALUE");
  const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
  assert.equal(checkShape(many), "TOO_MANY_KEYS");
  assert.deepEqual(checkShape(undefined), {});
  assert.equal(checkShape({ note_text: "x" }), "PROPERTY_NOT_ALLOWED");
  assert.deepEqual(checkShape({ variant: "v1.2:x-y_z", count: -3, enabled: true }), {
    variant: "v1.2:x-y_z",
    count: -3,
    enabled: true,
  });
});

Deno.test("serializedBytes() counts UTF-8 bytes", () => {
  assert.equal(serializedBytes({ a: "é" }), 10);
  assert.equal(serializedBytes(undefined), 2);
});

Deno.test("judgeEvent() stores the longest flag and experiment keys (100 characters)", () => {
  // Before, string values stopped at 64: an exposure of a 65-100 character experiment key was
  // rejected as INVALID_VALUE and only a warning was logged.
  const key = `k${"e".repeat(98)}y`;
  assert.ok(KEY_PATTERN.test(key) && key.length === 100);
  // Exposures are recorded by the server only (a client's is EVENT_SERVER_ONLY, below).
  const verdict = judgeEvent(
    {
      eventName: "experiment.assigned",
      properties: { experiment_key: key, variant: "control" },
    },
    PHI_SCANNER,
    "server",
  );
  assert.equal(verdict.outcome, "accepted", JSON.stringify(verdict));
  const longer = judgeEvent(
    {
      eventName: "experiment.assigned",
      properties: { experiment_key: `${key}x`, variant: "control" },
    },
    PHI_SCANNER,
    "server",
  );
  assert.deepEqual(longer, { outcome: "rejected", reason: "INVALID_VALUE" });
});

Deno.test("judgeEvent() refuses from a client every event only the server records", () => {
  assert.deepEqual([...SERVER_ONLY_EVENT_NAMES], ["experiment.assigned"]);
  for (const eventName of SERVER_ONLY_EVENT_NAMES) {
    const event = { eventName, properties: { experiment_key: "pricing.page", variant: "A" } };
    assert.deepEqual(judgeEvent(event), { outcome: "rejected", reason: "EVENT_SERVER_ONLY" });
    assert.deepEqual(judgeEvent(event, PHI_SCANNER, "client"), {
      outcome: "rejected",
      reason: "EVENT_SERVER_ONLY",
    });
    assert.equal(judgeEvent(event, PHI_SCANNER, "server").outcome, "accepted");
  }
  // Every other allowlisted event is open to clients.
  for (const eventName of EVENT_NAMES.filter((n) => !SERVER_ONLY_EVENT_NAMES.includes(n))) {
    assert.equal(judgeEvent({ eventName }).outcome, "accepted", eventName);
  }
});

// Built at test time: no PHI-shaped literal on disk.
const email = (user: string) => [user, "example.org"].join("@");
const phone = ["415", "555", "0132"].join("-");

Deno.test("judgeEvent() records a PHI type once per stored path, however often it was found there", () => {
  const verdict = judgeEvent({
    eventName: "ui.page_view",
    properties: {
      // Both are stored as `$.page`; the two made-up keys are both stored as `$.[key]`.
      page: { a: email("jane.roe"), b: email("john.doe") },
      variant: email("jane.roe"),
      made_up: email("jane.roe"),
      other_key: email("john.doe"),
    },
  });
  assert.deepEqual(verdict, {
    outcome: "redacted",
    findings: [
      { type: "EMAIL", path: "$.page" },
      { type: "EMAIL", path: "$.variant" },
      { type: "EMAIL", path: "$.[key]" },
    ],
  });
});

Deno.test("judgeEvent() records two PHI types found at one path as two findings", () => {
  const verdict = judgeEvent({
    eventName: "ui.page_view",
    properties: { page: { a: email("jane.roe"), b: phone } },
  });
  assert.deepEqual(verdict, {
    outcome: "redacted",
    findings: [{ type: "EMAIL", path: "$.page" }, { type: "PHONE", path: "$.page" }],
  });
});

Deno.test("judgeEvent() records at most 32 distinct findings, the first ones, repeats not counted", () => {
  // 3 types at 16 stored paths: 48 distinct findings.
  const distinct: PhiFinding[] = ["$", ...PROPERTY_KEYS.map((key) => `$.${key}`)].flatMap((path) =>
    (["EMAIL", "PHONE", "SSN"] as const).map((type) => ({ type, path }))
  );
  const scanner: Scanner = {
    // Each finding twice in a row: a repeat must neither be recorded nor count towards the cap.
    scan: () => ({ found: true, findings: distinct.flatMap((finding) => [finding, finding]) }),
  };
  const verdict = judgeEvent({ eventName: "ui.page_view", properties: { page: "home" } }, scanner);
  assert.deepEqual(verdict, { outcome: "redacted", findings: distinct.slice(0, 32) });
});

Deno.test("checkShape() takes a timing only as a number of milliseconds from 0 to 24 hours", () => {
  // A negative or huge timing would drag the summary's p50/p95 (one 1e9 among normal values made
  // p95 about 1,000,000,000 ms); a string there is no timing at all.
  for (const key of ["duration_ms", "latency_ms"]) {
    for (const value of [0, 0.5, 120, 86_400_000]) {
      assert.deepEqual(checkShape({ [key]: value }), { [key]: value }, `${key}: ${value}`);
    }
    for (const value of [-1, -0.001, 86_400_001, 1e9, "fast", true]) {
      assert.equal(checkShape({ [key]: value }), "INVALID_VALUE", `${key}: ${value}`);
    }
  }
  // Other numbers keep their old rule.
  assert.deepEqual(checkShape({ count: -3 }), { count: -3 });
});
