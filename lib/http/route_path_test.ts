import assert from "node:assert/strict";
import { routePath } from "./route_path.ts";

const at = (url: string) => routePath(new Request(url));

Deno.test("routePath: runs of slashes are one; the rest is Hono's reading of the path", () => {
  assert.equal(at("http://h//ofrep/v1/evaluate/flags/a"), "/ofrep/v1/evaluate/flags/a");
  assert.equal(at("http://h/api///stream?topics=all//x"), "/api/stream");
  assert.equal(at("http://h/flags/a%2Fb"), "/flags/a%2Fb");
  assert.equal(at("http://h/"), "/");
  assert.equal(at("http://h/health"), "/health");
});
