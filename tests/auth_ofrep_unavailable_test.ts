/**
 * OFREP's answer when the caller's credential cannot be checked (the database is unreachable and
 * the credential was not verified recently): 503 with Retry-After and a body in OFREP's error
 * format (`errorCode` GENERAL, as its other server-side errors), like the rest of routes/api/ofrep.ts.
 * Found by a review: the 503 had an empty body and no content type, which docs/flags.md documents
 * for 401/403/429 only.
 */
import assert from "node:assert/strict";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";

Deno.test("with the database unreachable, OFREP answers an unseen token 503 with Retry-After and an OFREP GENERAL error", async () => {
  const app = await buildTestApp();
  const unseen = await createToken(app, { scopes: ["flags:evaluate"] });
  await app.db.close(); // the database is gone from here on
  try {
    const evaluate = (path: string) =>
      app.request(path, {
        method: "POST",
        headers: { "x-api-key": unseen, "content-type": "application/json" },
        body: JSON.stringify({ context: { targetingKey: "user-1" } }),
      });

    const bulk = await evaluate("/ofrep/v1/evaluate/flags");
    assert.equal(bulk.status, 503);
    assert.equal(bulk.headers.get("retry-after"), "5");
    assert.match(bulk.headers.get("content-type") ?? "", /^application\/json/);
    const bulkBody = await json(bulk);
    assert.equal(bulkBody.errorCode, "GENERAL");
    assert.equal(typeof bulkBody.errorDetails, "string");
    assert.equal("key" in bulkBody, false, "bulk failures carry no key");

    const single = await evaluate("/ofrep/v1/evaluate/flags/some-flag");
    assert.equal(single.status, 503);
    assert.equal(single.headers.get("retry-after"), "5");
    assert.match(single.headers.get("content-type") ?? "", /^application\/json/);
    const singleBody = await json(single);
    assert.deepEqual(
      { key: singleBody.key, errorCode: singleBody.errorCode },
      { key: "some-flag", errorCode: "GENERAL" },
    );

    // A path key no flag can have is not echoed back, as for FLAG_NOT_FOUND.
    const odd = await evaluate("/ofrep/v1/evaluate/flags/someone@example.org");
    assert.equal(odd.status, 503);
    assert.equal((await json(odd)).key, "");
    const slashed = await evaluate("/ofrep/v1/evaluate/flags/a/b");
    assert.equal(slashed.status, 503);
    assert.equal((await json(slashed)).key, "");
  } finally {
    await app.dispose().catch(() => {});
  }
});
