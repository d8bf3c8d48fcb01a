/**
 * Sign-in through a busy password-hash gate (lib/auth/kdf_gate.ts): refused with 503 and
 * Retry-After instead of running every hash at once, and a refused attempt is not counted
 * against the account's lock.
 */
import assert from "node:assert/strict";
import { createKdfGate } from "../lib/auth/mod.ts";
import { buildTestApp } from "./helpers/app.ts";
import { createUser, signIn, TEST_PASSWORD } from "./helpers/auth.ts";

Deno.test("sign-in while every password-hash turn is taken: 503 with Retry-After, and the refusals do not lock the account", async () => {
  const gate = createKdfGate({ concurrency: 1, maxQueued: 0, maxWaitMs: 10 });
  const app = await buildTestApp({ kdfGate: gate });
  try {
    const user = await createUser(app, { role: "RESEARCHER" });
    let release!: () => void;
    const busy = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    // More refusals than the 5 wrong passwords that lock an account.
    for (let i = 0; i < 8; i++) {
      const response = await app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: user.email, password: `wrong password ${i}` }),
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "2");
      assert.equal((await response.json()).code, "SERVICE_UNAVAILABLE");
    }
    release();
    await busy;
    const session = await signIn(app, user, TEST_PASSWORD);
    assert.ok(session.cookie, "not locked: the busy refusals were not counted");
  } finally {
    await app.dispose();
  }
});

Deno.test("the sign-in form while every password-hash turn is taken: 503 with the form again, the email kept", async () => {
  const gate = createKdfGate({ concurrency: 1, maxQueued: 0, maxWaitMs: 10 });
  const app = await buildTestApp({ kdfGate: gate });
  try {
    const user = await createUser(app, { role: "RESEARCHER" });
    let release!: () => void;
    const busy = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const response = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD, next: "/flags" })
        .toString(),
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "2");
    const html = await response.text();
    assert.match(html, /Sign-in is busy right now\. Try again in a moment\./);
    assert.match(html, new RegExp(`value="${user.email.replace(".", "\\.")}"`));
    assert.match(html, /<form[^>]*action="\/login/);
    release();
    await busy;
  } finally {
    await app.dispose();
  }
});
