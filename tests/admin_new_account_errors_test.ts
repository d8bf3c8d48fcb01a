/**
 * The add-account form of /admin/users names every field it refuses at once: the email's format,
 * the display name's rule (no identifier besides a name) and the password's rule are checked
 * together, with the form's own schema, so the administrator corrects all of them in one go (and
 * types the password, never sent back, once more rather than once per error). Each message is on
 * its field, in the page's field-error markup (tests/form_field_errors_test.ts), in the form's order.
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { postForm as postPageForm, type Session, signInAs } from "./helpers/auth.ts";
import { escapeRegExp as escape, startTag, summaryOf } from "./helpers/form_markup.ts";

const postForm = (app: TestApp, session: Session, fields: [string, string][]) =>
  postPageForm(app, session, "/admin/users", fields);

const unescape = (text: string) => text.replaceAll("&#39;", "'").replaceAll("&amp;", "&");

/** The summary's links to fields, in order: [field id, message]. */
function summaryLinks(html: string): [string, string][] {
  return [...summaryOf(html).matchAll(/<a href="#(new-user-[a-z]+)">([^<]*)<\/a>/g)].map((
    match,
  ) => [match[1]!, unescape(match[2]!)]);
}

/** The field `id` is marked invalid and described first by its message, shown beside it. */
function assertMarked(html: string, id: string, message: RegExp): void {
  const tag = startTag(html, id);
  assert.match(tag, /aria-invalid="true"/, id);
  assert.equal(/aria-describedby="([^"]*)"/.exec(tag)?.[1]?.split(" ")[0], `${id}-error`, id);
  const beside = new RegExp(
    `<span class="field-error" id="${escape(id)}-error">([\\s\\S]*?)</span>`,
  ).exec(html);
  assert.ok(beside, `the message beside ${id}`);
  assert.match(unescape(beside[1]!.replace(/<[^>]*>/g, "")), message, id);
}

const valueOf = (tag: string) => /\svalue="([^"]*)"/.exec(tag)?.[1];

const EMAIL = /^The email address is not valid\.$/;
/** The display-name rule's message (the phone number is refused as a number or as a PHONE). */
const NAME = /^Display name: a person's name only, without [^.]*\.$/;
const PASSWORD = /^Passwords need at least 12 characters\.$/;

Deno.test("/admin/users add account: a bad email, a display name with a phone number and a short password are refused together, each on its field", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const before = (await app.services.auth.listUsers()).length;
    const response = await postForm(app, admin, [
      ["email", "bad"],
      ["display_name", "Jane Roe 555-123-4567"],
      ["role", "STEWARD"],
      ["password", "short"],
    ]);
    assert.equal(response.status, 400);
    const html = await response.text();
    assertMarked(html, "new-user-email", EMAIL);
    assertMarked(html, "new-user-name", NAME);
    assertMarked(html, "new-user-password", PASSWORD);
    assert.doesNotMatch(startTag(html, "new-user-role"), /aria-invalid/);
    // One summary linking to the three fields, in the form's order.
    const links = summaryLinks(html);
    assert.deepEqual(links.map(([id]) => id), [
      "new-user-email",
      "new-user-name",
      "new-user-password",
    ]);
    assert.match(links[0]![1], EMAIL);
    assert.match(links[1]![1], NAME);
    assert.match(links[2]![1], PASSWORD);
    assert.match(summaryOf(html), /The account was not added:/);
    // Email, name and role kept; the password never sent back; the number not quoted.
    assert.equal(valueOf(startTag(html, "new-user-email")), "bad");
    assert.equal(valueOf(startTag(html, "new-user-name")), "Jane Roe 555-123-4567");
    assert.match(html, /<option value="STEWARD" selected>/);
    assert.equal(valueOf(startTag(html, "new-user-password")), undefined);
    assert.ok(!summaryOf(html).includes("555-123-4567"), "the summary quotes no value");
    assert.equal((await app.services.auth.listUsers()).length, before, "nothing was created");
  });
});

Deno.test("/admin/users add account: a field the form's schema refuses comes with the rules' errors for the others", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const response = await postForm(app, admin, [
      ["email", "clerk@example.org"],
      ["display_name", "Jane Roe 555-123-4567"],
      ["role", "OWNER"],
      ["password", "aaaaaaaaaaaaaaa"],
    ]);
    assert.equal(response.status, 400);
    const html = await response.text();
    assertMarked(html, "new-user-name", NAME);
    assertMarked(html, "new-user-role", /^Role: choose RESEARCHER, STEWARD or ADMIN\.$/);
    assertMarked(html, "new-user-password", /^Passwords need more varied characters\.$/);
    assert.doesNotMatch(startTag(html, "new-user-email"), /aria-invalid/);
    assert.deepEqual(summaryLinks(html).map(([id]) => id), [
      "new-user-name",
      "new-user-role",
      "new-user-password",
    ]);
  });
});

Deno.test("/admin/users add account: an email the schema refuses (too short) and a bad password come back together", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const response = await postForm(app, admin, [
      ["email", "a@"],
      ["display_name", "Jane Roe"],
      ["role", "RESEARCHER"],
      ["password", "short"],
    ]);
    assert.equal(response.status, 400);
    const html = await response.text();
    assertMarked(html, "new-user-email", /^Email: enter the email address of the new account\.$/);
    assertMarked(html, "new-user-password", PASSWORD);
    assert.doesNotMatch(startTag(html, "new-user-name"), /aria-invalid/);
    assert.equal(summaryLinks(html).length, 2);
  });
});

Deno.test("/admin/users add account: right fields still create the account; an empty password and name are allowed", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const response = await postForm(app, admin, [
      ["email", "Clerk@Example.org"],
      ["display_name", ""],
      ["role", "RESEARCHER"],
      ["password", ""],
    ]);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/admin/users?notice=user_created");
    assert.ok(await app.services.auth.findUserByEmail("clerk@example.org"));
  });
});
