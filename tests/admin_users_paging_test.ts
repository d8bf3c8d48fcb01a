/**
 * /admin/users at scale: it listed every account with three forms each (2,000 accounts: 4 MB of
 * HTML, 6,006 forms, 1-2 s per request, the readiness probe starved under a few loads). Now it
 * shows one page of 50 accounts in email order (keyset paging: next/previous links that keep the
 * search), a search by email or display name (case-insensitive, at most 100 characters), and a
 * count. The row actions still work: a failed one shows that account's row with its error, a
 * successful one returns to the listing it was sent from (`return`, only ever a /admin/users
 * listing: no open redirect). On PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { postForm, type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const SEEDED = 2000;

async function withSeededApp(
  target: ReturnType<typeof dbTargets>[number],
  fn: (app: TestApp, admin: Session) => Promise<void>,
) {
  const app = await buildTestApp({ testDb: await target.open(), env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    await app.db.query(
      `INSERT INTO users (email, display_name, role)
       SELECT 'user' || lpad(i::text, 4, '0') || '@example.org', 'Person ' || i, 'RESEARCHER'
         FROM generate_series(1, ${SEEDED}) AS i`,
    );
    await fn(app, admin);
  } finally {
    await app.dispose();
  }
}

async function get(app: TestApp, admin: Session, path: string, status = 200): Promise<string> {
  const response = await app.request(path, { headers: { cookie: admin.cookie } });
  assert.equal(response.status, status, path);
  return await response.text();
}

/** The href of the link with `rel`, HTML entities undone. */
function linkOf(page: string, rel: string): string | undefined {
  const match = page.match(new RegExp(`<a [^>]*rel="${rel}"[^>]*>`));
  const href = match?.[0].match(/href="([^"]*)"/)?.[1];
  return href?.replaceAll("&amp;", "&");
}

/** The emails in the accounts table, in order. */
function emailsOf(page: string): string[] {
  const table = page.match(/<table class="data" aria-label="Accounts"[\s\S]*?<\/table>/)?.[0] ?? "";
  return [...table.matchAll(/<td>([^<@]+@[^<]+)<\/td>/g)].map((m) => m[1]!);
}

function text(page: string): string {
  return page.replace(/<!-- -->|<\/?bdi>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

async function idOf(app: TestApp, email: string): Promise<string> {
  const [row] = await app.db.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [
    email,
  ]);
  return row!.id;
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] /admin/users with 2,000 accounts: one page of 50, a count, next/previous links`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const first = await get(app, admin, "/admin/users");
      assert.ok(first.length < 200_000, `body is ${first.length} bytes`);
      const emails = emailsOf(first);
      assert.equal(emails.length, 50);
      assert.deepEqual(emails, [...emails].sort());
      assert.match(text(first), /2,001 accounts/);
      assert.match(text(first), /Showing 1–50/);
      assert.equal(linkOf(first, "prev"), undefined);
      const next = linkOf(first, "next");
      assert.ok(next !== undefined && next.startsWith("/admin/users?after="), String(next));
      // The page links lead to the listing's summary, not the top of the page.
      assert.ok(next.endsWith("#users-summary"), next);
      assert.match(first, /<p id="users-summary" role="status">/);
      // No email in the paging links: the cursor is an account id.
      assert.ok(!next.includes("%40") && !next.includes("@"), next);
      // The sign-in locks and the add-account form are still on the page.
      assert.match(first, /<h2>Sign-in locks<\/h2>/);
      assert.match(first, /<form method="post" action="\/admin\/users" class="form-card">/);

      const second = await get(app, admin, next);
      const secondEmails = emailsOf(second);
      assert.equal(secondEmails.length, 50);
      assert.ok(secondEmails[0]! > emails[49]!);
      assert.match(text(second), /Showing 51–100 of 2,001 accounts/);
      const prev = linkOf(second, "prev");
      assert.ok(prev !== undefined && prev.startsWith("/admin/users?before="), String(prev));
      assert.ok(prev.endsWith("#users-summary"), prev);
      assert.deepEqual(emailsOf(await get(app, admin, prev)), emails);
      assert.match(second, /aria-current="page"/);

      const last = await get(app, admin, "/admin/users?last=1");
      assert.equal(linkOf(last, "next"), undefined);
      assert.equal(emailsOf(last).at(-1), "user2000@example.org");
      assert.match(text(last), /Showing 1,952–2,001 of 2,001 accounts/);

      // A cursor naming no account, or a malformed one, is the first page.
      assert.deepEqual(emailsOf(await get(app, admin, "/admin/users?after=nobody")), emails);
      assert.deepEqual(
        emailsOf(await get(app, admin, "/admin/users?after=%3Cx%3E")),
        emails,
      );
    });
  });

  Deno.test(`[${target.name}] /admin/users search: email or name, any case; paging keeps it; bounded`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const byName = await get(app, admin, "/admin/users?q=PERSON%201999");
      assert.deepEqual(emailsOf(byName), ["user1999@example.org"]);
      assert.match(text(byName), /1 of 2,001 accounts matches/);
      assert.match(byName, /<input[^>]*type="search"[^>]*name="q"[^>]*value="PERSON 1999"/);
      assert.deepEqual(emailsOf(await get(app, admin, "/admin/users?q=User0042%40")), [
        "user0042@example.org",
      ]);
      // Wildcards are plain characters.
      assert.deepEqual(emailsOf(await get(app, admin, "/admin/users?q=user_%25")), []);

      const many = await get(app, admin, "/admin/users?q=user1");
      assert.match(text(many), /1,000 of 2,001 accounts match/);
      const next = linkOf(many, "next");
      assert.match(next ?? "", /^\/admin\/users\?q=user1&after=/);
      const second = emailsOf(await get(app, admin, next!));
      assert.equal(second[0], "user1050@example.org");

      const none = await get(app, admin, "/admin/users?q=nothing-like-this");
      assert.match(text(none), /No account matches/);
      assert.match(none, /href="\/admin\/users"/);

      const long = await get(app, admin, `/admin/users?q=${"a".repeat(101)}`, 400);
      assert.match(text(long), /at most 100 characters/);
      assert.match(long, /<input[^>]*name="q"[^>]*aria-invalid="true"/);
      assert.ok(!long.includes("a".repeat(101)));
      assert.equal(emailsOf(long).length, 50);
    });
  });

  Deno.test(`[${target.name}] /admin/users row actions: a failure shows that row with its error; success returns to the listing`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const id = await idOf(app, "user1999@example.org");
      const listing = "/admin/users?q=user1&after=" + (await idOf(app, "user1049@example.org"));

      // A failed set-password of an account far from the first page: its row and its error.
      const refused = await postForm(app, admin, `/admin/users/${id}/password`, [
        ["password", "short"],
        ["current_password", "x"],
        ["return", listing],
      ]);
      assert.equal(refused.status, 400);
      const page = await refused.text();
      assert.match(page, new RegExp(`action="/admin/users/${id}/password"`));
      assert.match(page, /<details open[ =>]/);
      assert.match(text(page), /The password was not set: .*12/);
      assert.ok(page.length < 200_000);
      // And the way back to the listing it was sent from.
      assert.ok(page.includes(`href="${listing.replace("&", "&amp;")}"`));

      const notUnderstood = await postForm(app, admin, `/admin/users/${id}`, [
        ["role", "BOSS"],
        ["return", listing],
      ]);
      assert.equal(notUnderstood.status, 400);
      const notPage = await notUnderstood.text();
      assert.match(text(notPage), /The change was not understood/);
      assert.deepEqual(emailsOf(notPage), ["user1999@example.org"]);

      // Success: back to the listing, with the notice.
      const changed = await postForm(app, admin, `/admin/users/${id}`, [
        ["role", "STEWARD"],
        ["return", listing],
      ]);
      assert.equal(changed.status, 303);
      assert.equal(
        changed.headers.get("location"),
        `${listing}&notice=role_changed&id=${id}`,
      );
      const after = await get(app, admin, changed.headers.get("location")!);
      // The notice names the account though it is not on that page.
      assert.match(text(after), /Person 1999 now has the role STEWARD/);
      assert.equal(emailsOf(after)[0], "user1050@example.org");

      // Only a /admin/users listing is ever returned to.
      for (
        const evil of [
          "//evil.example/admin/users",
          "https://evil.example/admin/users?q=x",
          "/admin/users/../../logout",
          "/admin/usersX?q=x",
          "/admin/users?q=" + "b".repeat(200),
          "/\\evil.example",
        ]
      ) {
        const response = await postForm(app, admin, `/admin/users/${id}`, [
          ["role", "RESEARCHER"],
          ["return", evil],
        ]);
        assert.equal(response.status, 303);
        assert.match(
          response.headers.get("location") ?? "",
          /^\/admin\/users\?notice=(role_changed|user_unchanged)&id=/,
          evil,
        );
      }
      // The rows' forms carry the listing they are on.
      const listed = await get(app, admin, listing);
      assert.ok(listed.includes(`name="return" value="${listing.replace("&", "&amp;")}"`));
    });
  });
}
