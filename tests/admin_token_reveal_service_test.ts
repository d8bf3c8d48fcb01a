/**
 * The read-once store that keeps a new token's secret for the GET after the create form's
 * redirect is built once by createApp (or given in its deps) and passed to the admin pages: the
 * route builds no Redis-backed store of its own.
 */
import assert from "node:assert/strict";
import { createApp } from "../lib/app.ts";
import { createRevealOnce, type RevealOnce } from "../lib/auth/reveal_once.ts";
import { systemClock } from "../lib/clock.ts";
import { testConfig } from "../lib/config.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { readIslandManifest } from "../lib/web/build.ts";
import { ROOT, TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { freshPglite } from "./helpers/db.ts";

Deno.test("/admin/tokens keeps the new secret in the reveal store the app is given", async () => {
  const testDb = await freshPglite();
  const inner = createRevealOnce({ clock: systemClock });
  const calls: string[] = [];
  const tokenReveal: RevealOnce = {
    put(sessionSecret, tokenId, secret) {
      calls.push("put");
      return inner.put(sessionSecret, tokenId, secret);
    },
    take(sessionSecret, tokenId) {
      calls.push("take");
      return inner.take(sessionSecret, tokenId);
    },
  };
  const manifest = await readIslandManifest(ROOT);
  const handle = await createApp({
    config: testConfig({ RATE_LIMIT_PER_MIN: "0" }),
    db: testDb.db,
    logger: memoryLogger(),
    islands: () => manifest,
    passwordParams: TEST_PASSWORD_PARAMS,
    tokenReveal,
  });
  const app = {
    services: handle.services,
    request: (path: string, init?: RequestInit) => Promise.resolve(handle.app.request(path, init)),
  };
  try {
    const admin = await signInAs(app, "ADMIN");
    const posted = await app.request("/admin/tokens", {
      method: "POST",
      headers: {
        cookie: admin.cookie,
        origin: "http://localhost",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams([
        ["csrf_token", admin.csrfToken],
        ["name", "exporter"],
        ["scopes", "flags:evaluate"],
      ]).toString(),
      redirect: "manual",
    });
    assert.equal(posted.status, 303);
    const location = posted.headers.get("location") ?? "";
    await posted.body?.cancel();
    const page = await app.request(location, { headers: { cookie: admin.cookie } });
    const html = await page.text();
    assert.match(html, /data-testid="new-token">rfg_/);
    assert.deepEqual(calls, ["put", "take"]);
  } finally {
    await handle.close();
    await testDb.cleanup();
  }
});
