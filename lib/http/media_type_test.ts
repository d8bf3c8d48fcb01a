import assert from "node:assert/strict";
import { isJsonMediaType, mediaTypeOf } from "./media_type.ts";

Deno.test("media type: parameters dropped, lower case, empty when absent", () => {
  assert.equal(mediaTypeOf("Application/JSON; charset=UTF-8"), "application/json");
  assert.equal(mediaTypeOf(" text/plain "), "text/plain");
  assert.equal(mediaTypeOf(undefined), "");
  assert.equal(mediaTypeOf(""), "");
});

Deno.test("media type: JSON is application/json and application/*+json, nothing else", () => {
  for (
    const json of [
      "application/json",
      "Application/JSON",
      "application/json;charset=utf-8",
      "application/vnd.api+json",
      "application/merge-patch+json",
    ]
  ) assert.ok(isJsonMediaType(json), json);
  for (
    const other of [
      "text/plain",
      "application/jsonx",
      "application/json-seq",
      "text/json",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      "",
      undefined,
    ]
  ) assert.ok(!isJsonMediaType(other), String(other));
});
