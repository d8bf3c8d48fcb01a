/**
 * Without ANALYTICS_IP_SALT (development only) each app instance draws its own fallback secret in
 * createApp: two apps built in one process get different sign-in lock keys, and one app's keys are
 * stable. No module-level key is shared between app instances (docs/development.md).
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";

Deno.test({
  name: "two apps without a secret derive different lock keys; one app's keys are stable",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const first = await buildTestApp();
    const second = await buildTestApp();
    try {
      const a = first.services.auth.lockKeys;
      const b = second.services.auth.lockKeys;
      assert.equal(a.account("a@example.org"), a.account("a@example.org"));
      assert.equal(a.address("192.0.2.1"), a.address("192.0.2.1"));
      assert.notEqual(a.account("a@example.org"), b.account("a@example.org"));
      assert.notEqual(a.address("192.0.2.1"), b.address("192.0.2.1"));
    } finally {
      await first.dispose();
      await second.dispose();
    }
  },
});

Deno.test({
  name: "apps with the same secret derive the same lock keys",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = { ANALYTICS_IP_SALT: "a-deployment-secret-0123456789" };
    const first = await buildTestApp({ env });
    const second = await buildTestApp({ env });
    try {
      assert.equal(
        first.services.auth.lockKeys.account("a@example.org"),
        second.services.auth.lockKeys.account("a@example.org"),
      );
    } finally {
      await first.dispose();
      await second.dispose();
    }
  },
});
