/**
 * Field-level error marking on the form pages (WCAG 3.3.1, 3.3.3), in process and as HTML: a
 * refused form shows its errors in a summary focused on load, each message about a field links
 * to it (`#<field id>`), and the field is marked `aria-invalid="true"` with its message, beside
 * it, first in `aria-describedby`. What was typed is kept (never a password), and no message
 * quotes it. /experiments is covered in tests/flags_pages_test.ts.
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { escapeRegExp as escape, startTag, summaryOf } from "./helpers/form_markup.ts";

const ACTOR = { actor: { type: "system" as const } };

function postForm(
  app: TestApp,
  session: Session | undefined,
  path: string,
  fields: [string, string][],
) {
  const body = new URLSearchParams([
    ...(session ? [["csrf_token", session.csrfToken] as [string, string]] : []),
    ...fields,
  ]);
  return app.request(path, {
    method: "POST",
    headers: {
      ...(session ? { cookie: session.cookie } : {}),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: body.toString(),
  });
}

/** The text of the element with `id`. */
function textOf(html: string, id: string): string {
  const element = new RegExp(`<(\\w+)[^>]*\\sid="${escape(id)}"[^>]*>([\\s\\S]*?)</\\1>`).exec(
    html,
  );
  assert.ok(element, `an element with id ${id}`);
  return element[2]!.replace(/<[^>]*>/g, "").replaceAll("&#39;", "'").replaceAll("&amp;", "&");
}

/**
 * The field `id` is marked invalid, described first by its message (`message`) shown beside it,
 * then by `hints`; the summary links to it with that message.
 */
function assertMarked(html: string, id: string, message: RegExp, ...hints: string[]): void {
  const tag = startTag(html, id);
  assert.match(tag, /aria-invalid="true"/, id);
  const describedBy = /aria-describedby="([^"]*)"/.exec(tag)?.[1]?.split(" ") ?? [];
  assert.deepEqual(describedBy, [`${id}-error`, ...hints], id);
  assert.match(textOf(html, `${id}-error`), message, id);
  assert.match(html, new RegExp(`<span class="field-error" id="${escape(id)}-error">`));
  const link = new RegExp(`<a href="#${escape(id)}">([^<]*)</a>`).exec(summaryOf(html));
  assert.ok(link, `the summary links to #${id}`);
  assert.match(link[1]!.replaceAll("&#39;", "'"), message, id);
}

/** The field `id` is not marked. */
function assertUnmarked(html: string, id: string): void {
  assert.doesNotMatch(startTag(html, id), /aria-invalid/, id);
  assert.doesNotMatch(summaryOf(html), new RegExp(`href="#${escape(id)}"`), id);
}

/** A form field's value attribute. */
function valueOf(tag: string): string | undefined {
  return /\svalue="([^"]*)"/.exec(tag)?.[1];
}

Deno.test("/flags create form: the refused fields are linked from the summary, marked and described; values kept", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("beta.search", { enabled: true }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const response = await postForm(app, admin, "/flags", [
      ["key", "beta.search"],
      ["description", "Faster search"],
      ["scope", "product"],
      ["rollout_percent", "150"],
      ["target_users", "user-a\nuser-b"],
    ]);
    assert.equal(response.status, 400);
    const html = await response.text();
    assertMarked(html, "flag-key", /^Key: a flag with this key exists already/, "key-hint");
    assertMarked(
      html,
      "rollout-percent",
      /^Rollout: a whole number from 0 to 100\.$/,
      "rollout-hint",
    );
    assertUnmarked(html, "flag-description");
    assertUnmarked(html, "flag-target-users");
    assert.match(startTag(html, "flag-target-users"), /aria-describedby="targets-hint"/);
    assert.match(summaryOf(html), /<a href="#create-heading">Go to the form<\/a>/);
    // What was typed is kept.
    assert.equal(valueOf(startTag(html, "flag-key")), "beta.search");
    assert.equal(valueOf(startTag(html, "flag-description")), "Faster search");
    assert.equal(valueOf(startTag(html, "rollout-percent")), "150");
    assert.match(html, /<textarea[^>]*id="flag-target-users"[^>]*>user-a\nuser-b<\/textarea>/);
  });
});

Deno.test("/flags/:key edit form: bad target users and a PHI description are marked on their fields, the typed text kept but never quoted", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("beta.search", { enabled: true, description: "Old" }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const typedTargets = "someone@example.org";
    const typedDescription = "Call 555-867-5309 about it";
    const response = await postForm(app, admin, "/flags/beta.search", [
      ["version", "1"],
      ["enabled", "on"],
      ["description", typedDescription],
      ["scope", "product"],
      ["rollout_percent", "40"],
      ["target_users", typedTargets],
    ]);
    assert.equal(response.status, 400);
    const html = await response.text();
    assertMarked(html, "flag-target-users", /^Target users: ids only/, "targets-hint");
    assertMarked(html, "flag-description", /^Description: must not contain PHI/);
    assertUnmarked(html, "rollout-percent");
    assert.match(summaryOf(html), /<a href="#edit-heading">Go to the form<\/a>/);
    assert.equal(valueOf(startTag(html, "rollout-percent")), "40");
    assert.equal(valueOf(startTag(html, "flag-description")), typedDescription);
    assert.match(
      html,
      /<textarea[^>]*id="flag-target-users"[^>]*>someone@example\.org<\/textarea>/,
    );
    // The messages do not repeat what was typed.
    for (const text of [summaryOf(html), textOf(html, "flag-target-users-error")]) {
      assert.ok(!text.includes(typedTargets) && !text.includes("555-867-5309"), text);
    }
  });
});

/** The form posting to `action`, from its start tag to its end. */
function formOf(html: string, action: string): string {
  const start = html.indexOf(`action="${action}"`);
  assert.ok(start > 0, `a form posting to ${action}`);
  return html.slice(html.lastIndexOf("<form", start), html.indexOf("</form>", start));
}

/** Every password field of `html` is empty: a password is never sent back. */
function assertNoPasswordEchoed(html: string, ...typed: string[]): void {
  for (const tag of html.match(/<input[^>]*type="password"[^>]*>/g) ?? []) {
    assert.doesNotMatch(tag, /\svalue=/, tag);
  }
  for (const password of typed) assert.ok(!html.includes(password), "a typed password is shown");
}

Deno.test("/admin/users add-account form: the refused field is marked in the form; email, name and role kept, the password not", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const typedPassword = "a-password-nobody-sees-99";
    // The service refuses the address: beside the email field.
    let response = await postForm(app, admin, "/admin/users", [
      ["email", "not-an-address"],
      ["display_name", "Ward clerk"],
      ["role", "STEWARD"],
      ["password", typedPassword],
    ]);
    assert.equal(response.status, 400);
    let html = await response.text();
    assertMarked(html, "new-user-email", /^The email address is not valid\.$/);
    for (const id of ["new-user-name", "new-user-role", "new-user-password"]) {
      assertUnmarked(html, id);
    }
    // The summary is the form's own, at its top.
    assert.match(
      formOf(html, "/admin/users"),
      /^<form[^>]*><div class="notice notice--error" role="alert" tabindex="-1" autofocus/,
    );
    assert.match(summaryOf(html), /The account was not added:/);
    assert.equal(valueOf(startTag(html, "new-user-email")), "not-an-address");
    assert.equal(valueOf(startTag(html, "new-user-name")), "Ward clerk");
    assert.match(html, /<option value="STEWARD" selected>/);
    assertNoPasswordEchoed(html, typedPassword);

    // An address in use: the same field.
    response = await postForm(app, admin, "/admin/users", [
      ["email", admin.user.email],
      ["role", "RESEARCHER"],
    ]);
    assert.equal(response.status, 409);
    html = await response.text();
    assertMarked(html, "new-user-email", /^An account with this email already exists\.$/);

    // A role the form does not offer (a stale or edited page): the role is marked.
    response = await postForm(app, admin, "/admin/users", [
      ["email", "clerk@example.org"],
      ["role", "OWNER"],
      ["password", typedPassword],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "new-user-role", /^Role: choose RESEARCHER, STEWARD or ADMIN\.$/);
    assertUnmarked(html, "new-user-email");
    assert.equal(valueOf(startTag(html, "new-user-email")), "clerk@example.org");
    assertNoPasswordEchoed(html, typedPassword);

    // A password the rules refuse: the password field.
    response = await postForm(app, admin, "/admin/users", [
      ["email", "clerk@example.org"],
      ["role", "RESEARCHER"],
      ["password", "short"],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "new-user-password", /^Passwords need at least 12 characters\.$/);
    assertNoPasswordEchoed(html);
  });
});

Deno.test("/admin/users set-password form: the new password or the administrator's own is marked in that row's open form, both left empty", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const target = await app.services.auth.createUser(
      { email: "nurse@example.org", role: "RESEARCHER" },
      { type: "system" },
    );
    const path = `/admin/users/${target.id}/password`;
    const newField = `password-${target.id}`;
    const ownField = `admin-password-${target.id}`;
    const typed = "a-brand-new-password-42";

    let response = await postForm(app, admin, path, [["password", typed]]);
    assert.equal(response.status, 400);
    let html = await response.text();
    assertMarked(html, ownField, /^Enter your own password too/);
    assertUnmarked(html, newField);
    assert.match(
      html,
      new RegExp(`<details open>[\\s\\S]{0,400}action="${path}"><div class="notice notice--error"`),
    );
    assertNoPasswordEchoed(html, typed);

    response = await postForm(app, admin, path, [
      ["password", typed],
      ["current_password", "not-my-password-at-all"],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, ownField, /^Your current password is not correct\.$/);
    assertNoPasswordEchoed(html, typed, "not-my-password-at-all");

    response = await postForm(app, admin, path, [
      ["password", "short"],
      ["current_password", "not-my-password-at-all"],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, newField, /^Passwords need at least 12 characters\.$/);
    assertUnmarked(html, ownField);
    // Only this row's form is marked.
    assert.equal(html.match(/aria-invalid="true"/g)?.length, 1);
  });
});

Deno.test("/admin/tokens create form: no scope or a past expiry is marked on its field; name, scopes and expiry kept", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    let response = await postForm(app, admin, "/admin/tokens", [
      ["name", "ofrep-web"],
      ["expires_at", "2099-01-01T10:00"],
    ]);
    assert.equal(response.status, 400);
    let html = await response.text();
    assertMarked(html, "new-token-scopes", /^Scopes: tick at least one\.$/);
    // Every scope box is marked and described by the message.
    for (const tag of html.match(/<input[^>]*name="scopes"[^>]*>/g) ?? []) {
      assert.match(tag, /aria-invalid="true"/);
      assert.match(tag, /aria-describedby="new-token-scopes-error"/);
    }
    assertUnmarked(html, "new-token-name");
    assert.match(summaryOf(html), /The token was not created:/);
    assert.equal(valueOf(startTag(html, "new-token-name")), "ofrep-web");
    assert.equal(valueOf(startTag(html, "new-token-expires")), "2099-01-01T10:00");

    response = await postForm(app, admin, "/admin/tokens", [
      ["name", "ofrep-web"],
      ["scopes", "flags:evaluate"],
      ["expires_at", "2001-01-01T10:00"],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "new-token-expires", /^The expiry must be in the future\.$/);
    assert.equal(valueOf(startTag(html, "new-token-expires")), "2001-01-01T10:00");
    assert.match(html, /<input[^>]*value="flags:evaluate" checked/);
    assert.equal((await app.services.auth.listTokens()).length, 0);
  });
});

Deno.test("/settings/account: a mismatch, a wrong current password or a weak new one is marked on its field; no password is sent back", async () => {
  await withTestApp(async (app) => {
    const user = await signInAs(app, "RESEARCHER");
    const typed = "another-good-password-7";
    let response = await postForm(app, user, "/settings/account/password", [
      ["current_password", "whatever-it-was-1"],
      ["new_password", typed],
      ["confirm_password", `${typed}x`],
    ]);
    assert.equal(response.status, 400);
    let html = await response.text();
    assertMarked(html, "confirm-password", /^The two new passwords differ/);
    assertUnmarked(html, "current-password");
    assertUnmarked(html, "new-password");
    assert.match(summaryOf(html), /Your password was not changed:/);
    assertNoPasswordEchoed(html, typed, "whatever-it-was-1");

    response = await postForm(app, user, "/settings/account/password", [
      ["current_password", "whatever-it-was-1"],
      ["new_password", typed],
      ["confirm_password", typed],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "current-password", /^Your current password is not correct\.$/);
    assertNoPasswordEchoed(html, typed, "whatever-it-was-1");

    response = await postForm(app, user, "/settings/account/password", [
      ["current_password", "whatever-it-was-1"],
      ["new_password", "aaaaaaaaaaaaaaa"],
      ["confirm_password", "aaaaaaaaaaaaaaa"],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "new-password", /^Passwords need more varied characters\.$/);
    assertUnmarked(html, "current-password");

    response = await postForm(app, user, "/settings/account/password", [
      ["new_password", typed],
      ["confirm_password", typed],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "current-password", /^Enter your current password/);
    assertNoPasswordEchoed(html, typed);
  });
});

Deno.test("/login: wrong credentials mark both fields with one generic message; an empty field is marked alone; the email kept, the password not", async () => {
  await withTestApp(async (app) => {
    const { user } = await signInAs(app, "STEWARD");
    const typed = "a-wrong-password-typed-here";
    let response = await postForm(app, undefined, "/login", [
      ["email", user.email],
      ["password", typed],
      ["next", "/flags"],
    ]);
    assert.equal(response.status, 401);
    let html = await response.text();
    const message = /^The email or password is not correct\.$/;
    assertMarked(html, "login-email", message);
    // The password is marked and described by the same message: which one was wrong is not said.
    const password = startTag(html, "login-password");
    assert.match(password, /aria-invalid="true"/);
    assert.match(password, /aria-describedby="login-email-error"/);
    assert.equal(html.match(/class="field-error"/g)?.length, 1, "the message is shown once");
    assert.match(summaryOf(html), /You were not signed in:/);
    assert.equal(valueOf(startTag(html, "login-email")), user.email);
    assertNoPasswordEchoed(html, typed);
    // An unknown address gets exactly the same marking.
    const unknown = await postForm(app, undefined, "/login", [
      ["email", "nobody@example.org"],
      ["password", typed],
    ]);
    assert.equal(unknown.status, 401);
    const other = await unknown.text();
    for (const id of ["login-email", "login-password"]) {
      assert.equal(
        startTag(other, id).replace(/\svalue="[^"]*"/, ""),
        startTag(html, id).replace(/\svalue="[^"]*"/, ""),
      );
    }
    assert.ok(!summaryOf(other).includes("nobody@example.org"), "the message quotes no address");

    // An empty password: only the password is marked; the email stays.
    response = await postForm(app, undefined, "/login", [
      ["email", user.email],
      ["password", ""],
    ]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "login-password", /^Enter your password\.$/);
    assertUnmarked(html, "login-email");
    assert.equal(valueOf(startTag(html, "login-email")), user.email);

    // Both empty: both marked, each with its own message.
    response = await postForm(app, undefined, "/login", [["email", ""], ["password", ""]]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "login-email", /^Enter your email address\.$/);
    assertMarked(html, "login-password", /^Enter your password\.$/);
  });
});

Deno.test("/analytics erase form: an address with no account is marked on the email field, in that form, and kept", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const typed = "nobody-here@example.org";
    let response = await postForm(app, admin, "/analytics/erase", [["email", typed]]);
    assert.equal(response.status, 404);
    let html = await response.text();
    assertMarked(html, "erase-email", /^There is no account with that email\.$/);
    assert.match(
      formOf(html, "/analytics/erase"),
      /^<form[^>]*><div class="notice notice--error" role="alert" tabindex="-1" autofocus/,
    );
    assert.match(summaryOf(html), /No events were deleted:/);
    assert.equal(valueOf(startTag(html, "erase-email")), typed);
    assert.ok(!summaryOf(html).includes(typed), "the message quotes no address");

    response = await postForm(app, admin, "/analytics/erase", [["email", ""]]);
    assert.equal(response.status, 400);
    html = await response.text();
    assertMarked(html, "erase-email", /^Enter the email of an account\.$/);
  });
});
