import assert from "node:assert/strict";
import { ValidationError } from "../errors/mod.ts";
import { attemptSave, formFailure } from "./form_failure.ts";

const failureOf = (error: unknown) => formFailure(error, { writes: "atomic" });

Deno.test("attemptSave(): a save that succeeds has no failure", async () => {
  let saved = false;
  assert.equal(await attemptSave(() => Promise.resolve(saved = true), failureOf), undefined);
  assert.equal(saved, true);
});

Deno.test("attemptSave(): a refused key is told apart from another field", async () => {
  const aboutKey = await attemptSave(
    () => Promise.reject(new ValidationError("bad", [{ path: "$.key", message: "no" }])),
    failureOf,
  );
  assert.equal(aboutKey?.aboutKey, true);
  assert.equal(aboutKey?.failure.status, 400);
  const other = await attemptSave(
    () => Promise.reject(new ValidationError("bad", [{ path: "$.description", message: "no" }])),
    failureOf,
  );
  assert.equal(other?.aboutKey, false);
});

Deno.test("attemptSave(): an error the form cannot show is thrown on", async () => {
  const boom = new Error("boom");
  await assert.rejects(() => attemptSave(() => Promise.reject(boom), failureOf), boom);
});
