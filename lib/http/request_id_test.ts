import assert from "node:assert/strict";
import { acceptedRequestId } from "./request_id.ts";

Deno.test("acceptedRequestId() adopts well-formed ids that hold no PHI", () => {
  for (
    const id of [
      crypto.randomUUID(),
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "req-01HF3ZK9Q4XYZ7ABCDEF",
      "trace:00f067aa0ba902b7",
      "1732291200000",
    ]
  ) assert.equal(acceptedRequestId(id), id, id);
});

Deno.test("acceptedRequestId() refuses malformed ids and ids that carry PHI", () => {
  for (
    const id of [
      undefined,
      "short",
      "has space in it",
      "x".repeat(129),
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
