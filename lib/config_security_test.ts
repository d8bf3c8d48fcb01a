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

/** The least a production start needs, and the shipped Kubernetes ConfigMap. */
const PRODUCTION = {
  APP_ENV: "production",
  PUBLIC_URL: "https://governance.hospital.org",
  ANALYTICS_IP_SALT: "Zq3v9XkT2mW8rB5nL1pY7cD4fG6hJ0sA",
  DATABASE_URL: "postgres://governance@db.internal:5432/researchflow",
};
const CONFIGMAP = new URL("../deploy/kubernetes/configmap.yaml", import.meta.url);

Deno.test("loadConfig() refuses TRUST_PROXY without TRUSTED_PROXY_IPS outside development, naming both", () => {
  for (const appEnv of ["production", "staging"]) {
    for (const trust of ["true", "1", "2"]) {
      const error = rejects(
        { ...PRODUCTION, APP_ENV: appEnv, TRUST_PROXY: trust },
        "TRUSTED_PROXY_IPS",
      );
      assert.equal(
        error.message,
        "Invalid configuration: TRUSTED_PROXY_IPS must list the proxies' addresses or CIDR ranges when TRUST_PROXY is on outside development",
      );
      rejects(
        { ...PRODUCTION, APP_ENV: appEnv, TRUST_PROXY: trust, TRUSTED_PROXY_IPS: " " },
        "TRUSTED_PROXY_IPS",
      );
    }
  }
  const scoped = loadConfig({
    ...PRODUCTION,
    TRUST_PROXY: "true",
    TRUSTED_PROXY_IPS: "10.244.0.0/16, fd00:10:244::/56",
  });
  assert.equal(scoped.trustProxy, 1);
  assert.deepEqual(scoped.trustedProxyIps, ["10.244.0.0/16", "fd00:10:244::/56"]);
  // No proxy, or a list without the switch (the header is then never read): nothing to refuse.
  assert.equal(loadConfig(PRODUCTION).trustProxy, 0);
  assert.equal(loadConfig({ ...PRODUCTION, TRUSTED_PROXY_IPS: "10.0.0.1" }).trustProxy, 0);
  // Development keeps believing any peer, as before the list existed.
  const development = loadConfig({ TRUST_PROXY: "true" });
  assert.equal(development.trustProxy, 1);
  assert.deepEqual(development.trustedProxyIps, []);
});

Deno.test("loadConfig() refuses TRUSTED_PROXY_IPS entries that are no address or CIDR, and names a placeholder", () => {
  for (const value of ["ingress.internal", "10.0.0.0/33", "10.0.0.1, 10.0.0.0/8/1"]) {
    const error = rejects(
      { TRUST_PROXY: "true", TRUSTED_PROXY_IPS: value },
      "TRUSTED_PROXY_IPS",
      value,
    );
    assert.equal(
      error.message,
      "Invalid configuration: TRUSTED_PROXY_IPS must list IP addresses or CIDR ranges",
    );
  }
  // A placeholder is named as one in every environment: it is no address, even in development.
  for (const env of [{}, PRODUCTION]) {
    const value = "replace-with-the-ingress-controller-pod-cidr";
    const error = rejects(
      { ...env, TRUST_PROXY: "true", TRUSTED_PROXY_IPS: `10.0.0.1, ${value}` },
      "TRUSTED_PROXY_IPS",
      value,
    );
    assert.equal(
      error.message,
      "Invalid configuration: TRUSTED_PROXY_IPS is still the example placeholder",
    );
  }
});

Deno.test("the shipped Kubernetes ConfigMap turns TRUST_PROXY on with a TRUSTED_PROXY_IPS the operator must replace", async () => {
  const text = await Deno.readTextFile(CONFIGMAP);
  const value = (name: string) =>
    text.match(new RegExp(`^ {2}${name}: *"?([^"\\n]*)"?$`, "m"))?.[1]?.trim();
  const env = {
    ...PRODUCTION,
    TRUST_PROXY: value("TRUST_PROXY")!,
    TRUSTED_PROXY_IPS: value("TRUSTED_PROXY_IPS")!,
  };
  assert.equal(env.TRUST_PROXY, "true");
  const error = rejects(env, "TRUSTED_PROXY_IPS");
  assert.match(error.message, /is still the example placeholder$/);
  assert.equal(loadConfig({ ...env, TRUSTED_PROXY_IPS: "10.244.3.0/24" }).trustProxy, 1);
  // Its PUBLIC_URL is a placeholder the start refuses too.
  const publicUrl = value("PUBLIC_URL")!;
  assert.ok(publicUrl.startsWith("https://"));
  assert.match(
    rejects({ ...env, TRUSTED_PROXY_IPS: "10.244.3.0/24", PUBLIC_URL: publicUrl }, "PUBLIC_URL")
      .message,
    /is still the example placeholder$/,
  );
});

Deno.test("production needs PUBLIC_URL, an https:// address that is no placeholder (the CSRF check's origin)", () => {
  const { PUBLIC_URL: _, ...withoutUrl } = PRODUCTION;
  assert.match(rejects(withoutUrl, "PUBLIC_URL").message, /must be set in production/);
  assert.match(
    rejects({ ...PRODUCTION, PUBLIC_URL: "http://governance.hospital.org" }, "PUBLIC_URL").message,
    /must be an https:\/\/ address in production/,
  );
  assert.match(
    rejects(
      { ...PRODUCTION, PUBLIC_URL: "https://replace-with-the-address-users-open" },
      "PUBLIC_URL",
    )
      .message,
    /is still the example placeholder$/,
  );
  // A path or trailing slash is dropped: the origin is what browsers send.
  assert.equal(
    loadConfig({ ...PRODUCTION, PUBLIC_URL: "https://governance.hospital.org/app/" }).publicUrl,
    "https://governance.hospital.org",
  );
  // Staging and development keep it optional (the local stack answers on http://localhost).
  assert.equal(loadConfig({ ...withoutUrl, APP_ENV: "staging" }).publicUrl, undefined);
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

Deno.test("loadConfig() reads OFREP_CORS_ORIGINS as origins, or * alone; empty is none", () => {
  assert.deepEqual(loadConfig({}).security.ofrepCorsOrigins, []);
  assert.deepEqual(
    loadConfig({ OFREP_CORS_ORIGINS: "https://ward.example.org, http://localhost:5173/" })
      .security.ofrepCorsOrigins,
    ["https://ward.example.org", "http://localhost:5173"],
  );
  assert.deepEqual(loadConfig({ OFREP_CORS_ORIGINS: "*" }).security.ofrepCorsOrigins, ["*"]);
  assert.equal(loadConfig({}).security.ofrepRateLimitPerMin, 60_000);
});

Deno.test("loadConfig() refuses OFREP_CORS_ORIGINS entries that are no plain origin, without echoing them", () => {
  for (
    const raw of [
      "ward.example.org",
      "https://ward.example.org/app",
      "https://user:pw@ward.example.org",
      "https://ward.example.org?x=1",
      "ftp://ward.example.org",
      "https://ward.example.org, *",
      "javascript:alert(1)",
    ]
  ) {
    const error = rejects({ OFREP_CORS_ORIGINS: raw }, "OFREP_CORS_ORIGINS", "ward");
    assert.match(error.message, /must list origins such as https:\/\/app\.example\.org/, raw);
  }
});
