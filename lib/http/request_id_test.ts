import assert from "node:assert/strict";
import { acceptedRequestId } from "./request_id.ts";

Deno.test("acceptedRequestId() adopts the opaque ids proxies and tracers generate", () => {
  for (
    const id of [
      crypto.randomUUID(),
      crypto.randomUUID().toUpperCase(),
      `req-${crypto.randomUUID()}`,
      `request_${crypto.randomUUID()}`,
      // A W3C trace-context trace id and nginx's $request_id: 32 hex digits.
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "4BF92F3577B34DA6A3CE929D0E0E4736",
      "0af7651916cd43dd8448eb211c80319c",
      // A W3C parent (span) id after a prefix.
      "trace:00f067aa0ba902b7",
      "span-00f067aa0ba902b7",
    ]
  ) assert.equal(acceptedRequestId(id), id, id);
});

Deno.test("acceptedRequestId() refuses free text, malformed ids and ids that carry PHI", () => {
  for (
    const id of [
      undefined,
      "short",
      "has space in it",
      "x".repeat(129),
      "a".repeat(65),
      // Free text passes the scanner, and the audit log keeps it for good.
      "marisol.quintanilla.19580719",
      "MARISOL-QUINTANILLA-F-66",
      "job-MRN-77342291",
      "job-2026-11-23-001",
      "req-01HF3ZK9Q4XYZ7ABCDEF",
      "77342291",
      // The scanner still has the last word on the shapes that are kept.
      "4111111111111111",
      "536-22-1234",
      "415-555-0132",
      "4155550132",
      "MRN:00482913",
      "DOB.1962-03-14",
      "203.0.113.77",
      "536221234",
    ]
  ) assert.equal(acceptedRequestId(id), undefined, String(id));
});

Deno.test("acceptedRequestId() refuses a record number, SSN, birth date or phone in the prefix", () => {
  for (
    const id of [
      "mrn7741293-0123456789abcdef",
      "ssn536228841-0123456789abcdef",
      "dob19550302-0123456789abcdef",
      "p4155550132-0123456789abcdef",
      `mrn7741293-${crypto.randomUUID()}`,
      "x1-0123456789abcdef",
    ]
  ) assert.equal(acceptedRequestId(id), undefined, id);
});

Deno.test("acceptedRequestId() refuses a name as the prefix (only tracer prefixes are kept)", () => {
  for (
    const id of [
      "quintanilla-4bf92f3577b34da6a3ce929d0e0e4736",
      `zarkowski:${crypto.randomUUID()}`,
      "marisol_00f067aa0ba902b7",
    ]
  ) assert.equal(acceptedRequestId(id), undefined, id);
});

Deno.test("acceptedRequestId() refuses ids made of decimal digits only", () => {
  for (
    const id of [
      // A phone, an SSN, a birth date padded to the old 13-20 digit form.
      "4155550132000",
      "5362288410000",
      "19550302000000",
      // Epoch milliseconds and snowflake ids are no longer adopted either (no clock here).
      "1732291200000",
      "1234567890123456789",
      // Padded to the hex lengths: 16 and 32 decimal digits are no random hex id.
      "4155550132000000",
      "19550302000000004155550132000000",
      "req-4155550132000000",
      // A UUID shape of decimal digits only.
      "19550302-4155-5501-3200-000000000000",
    ]
  ) assert.equal(acceptedRequestId(id), undefined, id);
});
