import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

function rejects(env: Record<string, string>, variable: string, secret?: string): ConfigError {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `${variable} is refused`);
  assert.equal(caught.variable, variable);
  if (secret !== undefined) assert.ok(!caught.message.includes(secret), "the value is not echoed");
  return caught;
}

Deno.test("loadConfig() reads TRUST_PROXY as the number of trusted proxies (true: 1, false: 0)", () => {
  assert.equal(loadConfig({}).trustProxy, 0);
  for (const [raw, hops] of [["true", 1], ["yes", 1], ["1", 1], ["false", 0], ["0", 0], ["", 0]]) {
    assert.equal(loadConfig({ TRUST_PROXY: raw as string }).trustProxy, hops, String(raw));
  }
  assert.equal(loadConfig({ TRUST_PROXY: "2" }).trustProxy, 2);
  assert.equal(loadConfig({ TRUST_PROXY: " 10 " }).trustProxy, 10);
});

Deno.test("loadConfig() refuses a TRUST_PROXY that is neither a boolean nor 1 to 10", () => {
  for (const raw of ["11", "-1", "1.5", "two", "2x", "100", "maybe"]) {
    const error = rejects({ TRUST_PROXY: raw }, "TRUST_PROXY");
    assert.equal(
      error.message,
      "Invalid configuration: TRUST_PROXY must be true, false, or the number of trusted proxies from 1 to 10",
    );
  }
});
