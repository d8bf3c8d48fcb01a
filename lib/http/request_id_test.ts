import assert from "node:assert/strict";
import { acceptedRequestId } from "./request_id.ts";

Deno.test("acceptedRequestId() adopts the opaque ids proxies and tracers generate", () => {
  for (
    const id of [
      crypto.randomUUID(),
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "4BF92F3577B34DA6A3CE929D0E0E4736",
      `req-${crypto.randomUUID()}`,
      "trace:00f067aa0ba902b7",
      "1732291200000",
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
