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

Deno.test("loadConfig() refuses a METRICS_TOKEN shorter than 32 characters without echoing it", () => {
  for (const token of ["zzc", "x".repeat(31)]) {
    const error = rejects({ METRICS_TOKEN: token }, "METRICS_TOKEN", token);
    assert.equal(
      error.message,
      "Invalid configuration: METRICS_TOKEN must be at least 32 characters",
    );
  }
  assert.equal(loadConfig({ METRICS_TOKEN: "x".repeat(32) }).metrics.token, "x".repeat(32));
  assert.equal(loadConfig({ METRICS_TOKEN: "" }).metrics.token, undefined);
});

Deno.test("loadConfig() refuses a METRICS_TOKEN with spaces or a line break (it could never match)", () => {
  const token = "a-long-enough-scrape-token-0123456789";
  rejects({ METRICS_TOKEN: `${token}\n` }, "METRICS_TOKEN", token);
  rejects({ METRICS_TOKEN: `${token} more` }, "METRICS_TOKEN", token);
});

Deno.test("loadConfig() refuses ALLOW_IPS, DENY_IPS and METRICS_ALLOW_IPS entries that are no address or CIDR, without echoing them", () => {
  for (
    const [variable, value] of [
      ["ALLOW_IPS", "notanip"],
      ["DENY_IPS", "10.0.0.0/33"],
      ["METRICS_ALLOW_IPS", "scraper.internal"],
      ["ALLOW_IPS", "10.0.0.1, 10.0.0.0/8/1"],
    ]
  ) rejects({ [variable!]: value! }, variable!, value!);
  const ok = loadConfig({ ALLOW_IPS: "10.0.0.0/8, ::1, 2001:db8::/32,203.0.113.7" });
  assert.deepEqual(ok.security.allowIps, ["10.0.0.0/8", "::1", "2001:db8::/32", "203.0.113.7"]);
});
