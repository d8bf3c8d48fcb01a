/**
 * The sign-in form's length limits: its inputs carry the server's limits as maxlength, and a
 * value over a limit sent anyway is told so by name, not called empty ("Enter your ...").
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" };

Deno.test("the sign-in form names its length limits: a too-long email or password is not called empty", async () => {
  await withTestApp(async (app) => {
    const form = await (await app.request("/login")).text();
    assert.match(form, /<input[^>]*name="email"[^>]*maxlength="254"/);
    assert.match(form, /<input[^>]*name="password"[^>]*maxlength="1024"/);

    const post = (email: string, password: string) =>
      app.request("/login", {
        method: "POST",
        headers: FORM,
        body: new URLSearchParams({ email, password }).toString(),
      });
    const longPassword = await post("someone@example.org", "p".repeat(1025));
    const passwordHtml = await longPassword.text();
    assert.equal(longPassword.status, 400);
    assert.match(passwordHtml, /The password is too long: at most 1024 characters\./);
    assert.doesNotMatch(passwordHtml, /Enter your password\./);
    assert.doesNotMatch(passwordHtml, /Enter your email address\./);

    const longEmail = await post(`${"e".repeat(100_000)}@example.org`, "x");
    const emailHtml = await longEmail.text();
    assert.equal(longEmail.status, 400);
    assert.match(emailHtml, /The email address is too long: at most 254 characters\./);
    assert.doesNotMatch(emailHtml, /Enter your email address\./);
    assert.doesNotMatch(emailHtml, /Enter your password\./);

    // Empty fields keep their own messages.
    const empty = await (await post("", "")).text();
    assert.match(empty, /Enter your email address\./);
    assert.match(empty, /Enter your password\./);
  });
});
