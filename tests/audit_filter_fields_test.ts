/**
 * /audit: a text filter that is not valid (an action that is too long or has a capital, a target
 * type with a capital, a target id over 128 characters, a date-time without a zone, a limit out of
 * 1..200) is left out on its own and marked on its own field: `aria-invalid`, its message beside
 * it (`aria-describedby`), linked from the error summary at the top; what was typed is shown back
 * in the field (escaped) but carried into no link ("Older entries", "Newest entries"), so following
 * a link does not repeat the error. The valid filters still apply and stay in the links.
 */
import assert from "node:assert/strict";
import { encodeCursor } from "../lib/audit/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Markup in every bad value: it must come back escaped, never as markup. */
const MARK = `"<x>&`;

/** One bad value per text filter, each failing the page's zod schema (AuditQuery). */
const BAD: Record<string, string> = {
  action: `Flag.update${MARK}`,
  targetType: `Feature_Flag${MARK}`,
  targetId: `${"t".repeat(130)}${MARK}`,
  from: `yesterday${MARK}`,
  to: `2026-11-25T10:00:00${MARK}`,
  limit: `5000${MARK}`,
};

function decode(value: string): string {
  return value.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/**
 * The opening tags of the page's inputs and lists. Attribute values may hold ">" (escaping it is
 * not required there), so a tag is read attribute by attribute.
 */
function fieldTags(html: string): string[] {
  return [...html.matchAll(/<(?:input|select)(?:\s+[\w-]+(?:="[^"]*")?)*\s*\/?>/g)]
    .map((m) => m[0]);
}

/** The opening tag of the input named `name`. */
function inputTag(html: string, name: string): string {
  const tag = fieldTags(html).find((t) => t.includes(` name="${name}"`));
  assert.ok(tag, `an input named ${name}`);
  return tag;
}

function attr(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  return value === undefined ? undefined : decode(value);
}

/** Every link of the page to /audit, as its query. */
function auditLinks(html: string): { text: string; query: URLSearchParams }[] {
  return [...html.matchAll(/<a[^>]*href="\/audit(\?[^"]*)?"[^>]*>([^<]*)<\/a>/g)].map((m) => ({
    text: m[2]!,
    query: new URLSearchParams(decode(m[1] ?? "").slice(1)),
  }));
}

/** The checks for each field in `bad`: marked, named, linked from the summary, shown back. */
function assertMarked(html: string, bad: Record<string, string>, label: string) {
  const summary = /<div[^>]*data-testid="form-errors"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1];
  assert.ok(summary, `${label}: an error summary`);
  assert.match(summary, /Some filters were not valid and were ignored/);
  for (const [name, value] of Object.entries(bad)) {
    const tag = inputTag(html, name);
    assert.equal(attr(tag, "aria-invalid"), "true", `${label}: ${name} marked`);
    assert.equal(attr(tag, "value"), value, `${label}: ${name} shown back as typed`);
    const id = attr(tag, "id");
    assert.ok(id, `${label}: ${name} has an id`);
    const describedBy = attr(tag, "aria-describedby")?.split(" ")[0];
    assert.ok(describedBy, `${label}: ${name} names its message`);
    const message = new RegExp(`id="${describedBy}"[^>]*>([^<]+)<`).exec(html)?.[1];
    assert.ok(message && /ignored/.test(message), `${label}: ${name}'s message beside it`);
    assert.ok(!message.includes("<x>"), `${label}: the message does not repeat the value`);
    assert.match(summary, new RegExp(`<a href="#${id}">[^<]+</a>`), `${label}: ${name} linked`);
  }
  // Only the bad fields are marked.
  const marked = fieldTags(html).filter((t) => t.includes(' aria-invalid="true"')).length;
  assert.equal(marked, Object.keys(bad).length, `${label}: only the bad fields marked`);
  assert.ok(!html.includes("<x>"), `${label}: no value is put in the page as markup`);
}

/** No link carries a bad field; every link carries the valid filters. */
function assertLinks(
  html: string,
  bad: Record<string, string>,
  kept: Record<string, string>,
  label: string,
) {
  const links = auditLinks(html).filter((l) => /entries/.test(l.text));
  for (const link of links) {
    for (const name of Object.keys(bad)) {
      assert.equal(link.query.get(name), null, `${label}: ${link.text} carries no ${name}`);
    }
    for (const [name, value] of Object.entries(kept)) {
      assert.equal(link.query.get(name), value, `${label}: ${link.text} keeps ${name}`);
    }
  }
  return links.map((l) => l.text);
}

async function withApp(fn: (app: TestApp, admin: Session) => Promise<void>) {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    for (let i = 0; i < 5; i++) {
      await app.services.flags.set(`fields_${i}`, { enabled: true }, {
        actor: { type: "system" },
      });
      await app.services.flags.set(`fields_${i}`, { enabled: false }, {
        actor: { type: "system" },
      });
    }
    await fn(app, admin);
  } finally {
    await app.dispose();
  }
}

async function page(app: TestApp, admin: Session, query: Record<string, string>) {
  const response = await app.request(`/audit?${new URLSearchParams(query)}`, {
    headers: { cookie: admin.cookie },
  });
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  return { status: response.status, html: await response.text() };
}

function shownActions(html: string): string[] {
  return [...html.matchAll(/<td><code>([a-z_.]+)<\/code><\/td>/g)].map((m) => m[1]!);
}

Deno.test({
  name: "/audit marks each invalid text filter on its own field and carries it into no link",
  ...opts,
  async fn() {
    await withApp(async (app, admin) => {
      const flagUpdates = await app.db.query<{ id: number }>(
        "SELECT id FROM audit_log WHERE action = 'flag.update'",
      );
      assert.ok(flagUpdates.length > 2);
      for (const [name, value] of Object.entries(BAD)) {
        const bad = { [name]: value };
        // The valid filters of the same search: an action, a page of 1 (so "Older entries" shows).
        const kept: Record<string, string> = name === "action"
          ? { targetType: "feature_flag", limit: "1" }
          : name === "limit"
          ? { action: "flag.update" }
          : { action: "flag.update", limit: "1" };

        const first = await page(app, admin, { ...kept, ...bad });
        assert.equal(first.status, 200, name);
        assertMarked(first.html, bad, name);
        const actions = shownActions(first.html);
        assert.ok(actions.length > 0, `${name}: entries listed`);
        if (kept.action) assert.ok(actions.every((a) => a === "flag.update"), name);
        if (kept.limit) assert.equal(actions.length, 1, `${name}: the valid limit applies`);
        const firstLinks = assertLinks(first.html, bad, kept, name);
        if (kept.limit) assert.ok(firstLinks.includes("Older entries"), `${name}: ${firstLinks}`);
        for (const [keptName, keptValue] of Object.entries(kept)) {
          assert.equal(attr(inputTag(first.html, keptName), "value"), keptValue);
          assert.equal(attr(inputTag(first.html, keptName), "aria-invalid"), undefined);
        }

        // A page of older entries links back to the newest of the same valid search.
        const older = await page(app, admin, {
          ...kept,
          ...bad,
          cursor: encodeCursor(1_000_000),
        });
        assert.equal(older.status, 200, name);
        assertMarked(older.html, bad, `${name} (older page)`);
        const olderLinks = assertLinks(older.html, bad, kept, `${name} (older page)`);
        assert.ok(olderLinks.includes("Newest entries"), `${name}: ${olderLinks}`);

        // A cursor that is not valid: the way back to the newest entries drops the bad field too.
        const cut = await page(app, admin, { ...kept, ...bad, cursor: "not-a-cursor!!" });
        assert.equal(cut.status, 400, name);
        assertMarked(cut.html, bad, `${name} (bad cursor)`);
        const cutLinks = assertLinks(cut.html, bad, kept, `${name} (bad cursor)`);
        assert.ok(cutLinks.includes("Newest entries"), `${name}: ${cutLinks}`);
      }
    });
  },
});

Deno.test({
  name: "/audit marks every invalid filter at once and keeps a valid window and limit",
  ...opts,
  async fn() {
    await withApp(async (app, admin) => {
      const bad = { targetType: BAD.targetType!, to: BAD.to!, targetId: BAD.targetId! };
      const kept = { action: "flag.", from: "2000-01-01T00:00:00Z", limit: "2" };
      const { status, html } = await page(app, admin, { ...kept, ...bad });
      assert.equal(status, 200);
      assertMarked(html, bad, "three bad");
      assert.equal(shownActions(html).length, 2);
      assertLinks(html, bad, kept, "three bad");
      for (const [name, value] of Object.entries(kept)) {
        assert.equal(attr(inputTag(html, name), "value"), value, `${name} shown`);
      }

      // All valid: nothing marked, no summary, every filter in the link.
      const fine = await page(app, admin, { ...kept, to: "9999-01-01T00:00:00Z" });
      assert.equal(fine.status, 200);
      assert.ok(!fine.html.includes("aria-invalid"), "nothing marked");
      assert.ok(!fine.html.includes("form-errors"), "no summary");
      const older = auditLinks(fine.html).find((l) => l.text === "Older entries");
      assert.ok(older, "an older-entries link");
      assert.equal(older.query.get("to"), "9999-01-01T00:00:00Z");
      assert.equal(older.query.get("from"), kept.from);
      assert.equal(older.query.get("limit"), kept.limit);
    });
  },
});

Deno.test({
  name:
    "/audit carries only its own filters into its links, never another parameter of the address",
  ...opts,
  async fn() {
    await withApp(async (app, admin) => {
      // A parameter the search does not have (a pasted address, a mistyped name): it filters
      // nothing, and a link must not repeat it (it could be anything: a name, an address).
      const stray = { email: "canary.stray@example.invalid", utm_source: "mail" };
      const kept = { action: "flag.update", limit: "1" };
      const first = await page(app, admin, { ...kept, ...stray });
      assert.equal(first.status, 200);
      assert.equal(shownActions(first.html).length, 1);
      const links = assertLinks(first.html, stray, kept, "stray");
      assert.ok(links.includes("Older entries"), `${links}`);
      const older = await page(app, admin, { ...kept, ...stray, cursor: encodeCursor(1_000_000) });
      const olderLinks = assertLinks(older.html, stray, kept, "stray (older page)");
      assert.ok(olderLinks.includes("Newest entries"), `${olderLinks}`);
      assert.ok(!older.html.includes("canary.stray"), "the stray value is nowhere on the page");
    });
  },
});
