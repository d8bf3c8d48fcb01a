/**
 * Field-level error marking on the form pages (WCAG 3.3.1, 3.3.3), in process and as HTML: a
 * refused form shows its errors in a summary focused on load, each message about a field links
 * to it (`#<field id>`), and the field is marked `aria-invalid="true"` with its message, beside
 * it, first in `aria-describedby`. What was typed is kept (never a password), and no message
 * quotes it. /experiments is covered in tests/flags_pages_test.ts.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };

async function withApp(fn: (app: TestApp) => Promise<void>, env: Record<string, string> = {}) {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", ...env } });
  try {
    await fn(app);
  } finally {
    await app.dispose();
  }
}

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

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The start tag of the input, text area or select with `id`. */
function startTag(html: string, id: string): string {
  const tag = new RegExp(`<(input|textarea|select)[^>]*\\sid="${escape(id)}"[^>]*>`).exec(html);
  assert.ok(tag, `an element with id ${id}`);
  return tag[0];
}

/** The summary of a refused form: one, focused on load. */
function summaryOf(html: string): string {
  const start = html.indexOf('data-testid="form-errors"');
  assert.ok(start > 0, "an error summary");
  assert.equal(html.indexOf('data-testid="form-errors"', start + 1), -1, "only one");
  const open = html.lastIndexOf("<div", start);
  const summary = html.slice(open, html.indexOf("</div>", start));
  assert.match(summary, /^<div class="notice notice--error" role="alert" tabindex="-1" autofocus/);
  return summary;
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
  await withApp(async (app) => {
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
  await withApp(async (app) => {
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
