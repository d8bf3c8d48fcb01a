import assert from "node:assert/strict";
import { acceptedRequestId } from "./request_id.ts";

Deno.test("acceptedRequestId() adopts the opaque ids proxies and tracers generate", () => {
  for (
    const id of [
      // Fixed UUIDs: a random one can hold a decimal run that reads as an SSN or a date.
      "6f1c2a7e-3d4b-4c5a-9e8f-0a1b2c3d4e5f",
      "6F1C2A7E-3D4B-4C5A-9E8F-0A1B2C3D4E5F",
      "req-0b7e6a2c-58d1-4f3e-a9c4-7d2e1b0f6a93",
      "request_c3a1f8e2-9b4d-4e07-8f6a-2d5c1e9b7a40",
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

Deno.test("acceptedRequestId() refuses a hex id with a phone, SSN, birth date or card number inside", () => {
  for (
    const id of [
      "4155550132abcdef", // a phone (NANP) and hex letters
      "536221234abcdef0", // an SSN
      "req-536221234abcdef0",
      "19550302abcdef01", // a birth date, YYYYMMDD
      "03021955abcdef01", // MMDDYYYY
      "4111111111111111abcd", // a card number (Luhn)
      "trace:4111111111111111a",
      "1955030200000000000000000000000a",
      "19550302-4155-5501-3200-00000000000a",
    ]
  ) assert.equal(acceptedRequestId(id), undefined, id);
});

Deno.test("acceptedRequestId() keeps random ids whose decimal runs read as no PHI", () => {
  for (
    const id of [
      // W3C trace-context and nginx examples.
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "5b8aa5a2d2c872e8321cf37308d69df2",
      "0af7651916cd43dd8448eb211c80319c",
      "9f1c74c2e6a44f0b81d2c0f4c7e2a913",
      "req-00f067aa0ba902b7",
      "trace:ab84003324cd9e11",
      // An 8-digit run that is no date (year 0013, month 00, day 00 in every reading).
      "7e3a00132500fbc4d1e9a0b6c2f48d1a",
    ]
  ) assert.equal(acceptedRequestId(id), id, id);
});
