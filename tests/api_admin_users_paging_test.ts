/**
 * GET /api/admin/users at scale: it answered every account in one response (`{ users }`, thousands
 * of accounts in one body). Now one page at a time, in the /admin/users page's keyset order (email):
 * `limit` (1 to 200, default 100), `cursor` (the previous answer's `next`, opaque: the email sealed,
 * never in clear in a URL) and `q` (the page's search); the answer keeps `users` and adds `next`
 * and `total`. Following `next` lists every account exactly once, also when accounts are added or
 * removed between pages (the boundary account included). A cursor holds only with the search it
 * was handed out for (another `q`, or `q` added or left out: 400). A bad limit, cursor or search
 * is 400 problem+json VALIDATION_FAILED, the value not echoed; the access rules are unchanged
 * (admins only, no API tokens). On PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { createDirectoryCursors } from "../lib/auth/directory_cursor.ts";
import { USERS_CURSOR_MESSAGE } from "../routes/api/admin.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const SEEDED = 250;
const SECRET = "fx-users-cursor-secret-0123456789";

interface UserOut {
  id: string;
  email: string;
  displayName: string;
  role: string;
  active: boolean;
}
interface Listing {
  users: UserOut[];
  next: string | null;
  total: number;
}
interface Problem {
  code: string;
  status: number;
  errors?: { path: string; message: string }[];
}

async function withSeededApp(
  target: ReturnType<typeof dbTargets>[number],
  fn: (app: TestApp, admin: Session) => Promise<void>,
) {
  const app = await buildTestApp({
    testDb: await target.open(),
    env: { RATE_LIMIT_PER_MIN: "0", ANALYTICS_IP_SALT: SECRET },
  });
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

async function list(app: TestApp, admin: Session, query = ""): Promise<Listing> {
  const response = await app.request(`/api/admin/users${query}`, { headers: admin.headers() });
  assert.equal(response.status, 200, query);
  return await json<Listing>(response);
}

/** Follows `next` from the first page of `query`, with `between` run after each page. */
async function follow(
  app: TestApp,
  admin: Session,
  query: Record<string, string>,
  between: (page: number, listing: Listing) => Promise<void> = () => Promise.resolve(),
): Promise<{ emails: string[]; pages: Listing[] }> {
  const pages: Listing[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const params = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
    const listing = await list(app, admin, `?${params}`);
    pages.push(listing);
    cursor = listing.next ?? null;
    if (cursor === null) break;
    await between(page, listing);
  }
  assert.equal(cursor, null, "the last page has no next");
  return { emails: pages.flatMap((p) => p.users.map((u) => u.email)), pages };
}

/**
 * Every account's email in the database's own order (its collation: code points under C, another
 * order under an ICU or libc locale), the order the directory pages in.
 */
async function allEmails(app: TestApp): Promise<string[]> {
  const rows = await app.db.query<{ email: string }>("SELECT email FROM users ORDER BY email");
  return rows.map((row) => row.email);
}

/** `emails` sorted by the database (as `ORDER BY email` does), not by JavaScript's code points. */
async function databaseOrder(app: TestApp, emails: string[]): Promise<string[]> {
  const rows = await app.db.query<{ email: string }>(
    "SELECT email FROM unnest($1::text[]) AS listed(email) ORDER BY email",
    [emails],
  );
  return rows.map((row) => row.email);
}

function assertNoDuplicates(emails: string[]) {
  const seen = new Set<string>();
  const twice = emails.filter((email) => seen.has(email) || !seen.add(email));
  assert.deepEqual(twice, [], "accounts listed twice");
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] GET /api/admin/users answers 100 accounts in email order and a next cursor`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const everyone = await allEmails(app);
      assert.equal(everyone.length, SEEDED + 1);
      const first = await list(app, admin);
      // An existing client reading `users` gets the first page: the first 100 in email order.
      assert.deepEqual(first.users.map((u) => u.email), everyone.slice(0, 100));
      assert.equal(first.total, SEEDED + 1);
      assert.equal(typeof first.next, "string");
      // Opaque: no email, in clear or in base64, goes into the URL a client builds from it.
      const next = first.next!;
      assert.match(next, /^[A-Za-z0-9_-]+$/);
      const decoded = new TextDecoder().decode(
        Uint8Array.from(
          atob(next.replaceAll("-", "+").replaceAll("_", "/")),
          (c) => c.charCodeAt(0),
        ),
      );
      assert.ok(!decoded.includes("example.org") && !decoded.includes("user0"), decoded);
      // The fields of an account are the ones listed before.
      assert.deepEqual(Object.keys(first.users[0]!).sort(), [
        "active",
        "createdAt",
        "displayName",
        "email",
        "id",
        "lastLoginAt",
        "role",
      ]);
    });
  });

  Deno.test(`[${target.name}] GET /api/admin/users: following next lists every account once`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const everyone = await allEmails(app);
      const byDefault = await follow(app, admin, {});
      assert.deepEqual(byDefault.pages.map((p) => p.users.length), [100, 100, 51]);
      assert.deepEqual(byDefault.emails, everyone);

      const small = await follow(app, admin, { limit: "7" });
      assert.equal(small.pages.length, Math.ceil((SEEDED + 1) / 7));
      assert.ok(small.pages.every((p) => p.users.length <= 7 && p.total === SEEDED + 1));
      assert.deepEqual(small.emails, everyone);

      // A page that ends exactly at the last account says there is no more (no empty page).
      const head = await list(app, admin, "?limit=200");
      const rest = await list(app, admin, `?limit=${SEEDED + 1 - 200}&cursor=${head.next}`);
      assert.deepEqual(rest.users.map((u) => u.email), everyone.slice(200));
      assert.equal(rest.next, null);
    });
  });

  Deno.test(`[${target.name}] GET /api/admin/users: accounts added and removed between pages`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const removedAhead: string[] = [];
      const boundaries: string[] = [];
      const addedBehind: string[] = [];
      const { emails, pages } = await follow(app, admin, { limit: "50" }, async (page, listing) => {
        // The page's last account (the cursor's place) and the one after it are removed, ...
        const boundary = listing.users.at(-1)!.email;
        const [ahead] = await app.db.query<{ email: string }>(
          "SELECT email FROM users WHERE email > $1 ORDER BY email LIMIT 1",
          [boundary],
        );
        await app.db.query("DELETE FROM users WHERE email = ANY($1)", [[boundary, ahead!.email]]);
        boundaries.push(boundary);
        removedAhead.push(ahead!.email);
        // ... and an account is added behind the cursor (this listing has passed its place) and
        // one ahead of it. (Where `later` falls beside userNNNN@ depends on the collation: C puts
        // the digit first, an ICU locale the @; the assertions take the database's order.)
        const behind = `user0000${page}@example.org`;
        const later = `user${String(60 * (page + 1)).padStart(4, "0")}5@example.org`;
        await app.db.query(
          `INSERT INTO users (email, display_name, role) VALUES ($1, 'Added', 'RESEARCHER'),
                  ($2, 'Added', 'RESEARCHER')`,
          [behind, later],
        );
        addedBehind.push(behind);
      });
      assert.ok(pages.length >= 5, `${pages.length} pages`);
      assertNoDuplicates(emails);
      assert.deepEqual(emails, await databaseOrder(app, emails), "email order");
      // Every account there at the end is listed, but those added behind the cursor's place; the
      // boundaries were listed before they went; those removed before their page was read are not.
      const expected = (await allEmails(app)).filter((email) => !addedBehind.includes(email));
      assert.deepEqual(expected.filter((email) => !emails.includes(email)), [], "accounts missed");
      assert.deepEqual(boundaries.filter((email) => !emails.includes(email)), []);
      assert.deepEqual(removedAhead.filter((email) => emails.includes(email)), []);
      assert.deepEqual(
        emails.filter((email) => !expected.includes(email) && !boundaries.includes(email)),
        [],
        "listed accounts that were gone",
      );
    });
  });

  Deno.test(`[${target.name}] GET /api/admin/users?q= searches as the page does`, async () => {
    await withSeededApp(target, async (app, admin) => {
      // user0100..user0199 (email), any case.
      const byEmail = await follow(app, admin, { q: "USER01", limit: "30" });
      assert.equal(byEmail.emails.length, 100);
      assert.ok(byEmail.pages.every((p) => p.total === 100));
      const matching = await app.db.query<{ email: string }>(
        "SELECT email FROM users WHERE strpos(email, 'user01') > 0 ORDER BY email",
      );
      assert.deepEqual(byEmail.emails, matching.map((row) => row.email));
      // Person 7 and 70-79 (display name), with spaces around and a tab inside.
      const byName = await list(app, admin, `?q=${encodeURIComponent(" person\t7 ")}`);
      assert.deepEqual(
        byName.users.map((u) => u.displayName),
        ["Person 7", ...[...Array(10).keys()].map((i) => `Person 7${i}`)],
      );
      assert.equal(byName.total, 11);
      assert.equal(byName.next, null);
      // A NUL is no error; a search matching nothing is an empty page.
      const none = await list(app, admin, "?q=%00nobody");
      assert.deepEqual(none, { users: [], next: null, total: 0 });
    });
  });

  Deno.test(`[${target.name}] GET /api/admin/users: a bad limit, cursor or search is 400, not echoed`, async () => {
    await withSeededApp(target, async (app, admin) => {
      const first = await list(app, admin, "?limit=10");
      const cursor = first.next!;
      const flipped = cursor.slice(0, 20) + (cursor[20] === "A" ? "B" : "A") + cursor.slice(21);
      // A cursor of this deployment whose bytes leave 2 bits over in its last character (47 bytes:
      // an email of 19 characters), and the same with those bits set otherwise: the same bytes.
      const canonical = createDirectoryCursors(SECRET).seal("user0010@example.or", "");
      const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const sameBytes = canonical.slice(0, -1) + B64[B64.indexOf(canonical.at(-1)!) ^ 1];
      assert.deepEqual(
        (await list(app, admin, `?limit=5&cursor=${canonical}`)).users.map((u) => u.email),
        (await allEmails(app)).slice(10, 15),
      );
      const elsewhere = createDirectoryCursors("another-deployment-secret-0123").seal(
        first.users.at(-1)!.email,
        "",
      );
      const cases: [string, string, string][] = [
        ["limit", "0", "$.limit"],
        ["limit", "201", "$.limit"],
        ["limit", "-5", "$.limit"],
        ["limit", "1.5", "$.limit"],
        ["limit", "ten", "$.limit"],
        ["limit", "", "$.limit"],
        ["cursor", "", "$.cursor"],
        ["cursor", "not-a-cursor", "$.cursor"],
        ["cursor", "%%%###", "$.cursor"],
        ["cursor", cursor.slice(0, -3), "$.cursor"],
        ["cursor", flipped, "$.cursor"],
        ["cursor", elsewhere, "$.cursor"],
        ["cursor", sameBytes, "$.cursor"],
        ["cursor", btoa("user0010@example.org"), "$.cursor"],
        ["cursor", "A".repeat(5000), "$.cursor"],
        ["q", "x".repeat(101), "$.q"],
      ];
      for (const [name, value, path] of cases) {
        const response = await app.request(
          `/api/admin/users?${new URLSearchParams({ [name]: value })}`,
          { headers: admin.headers() },
        );
        const label = `${name}=${value.slice(0, 40)}`;
        assert.equal(response.status, 400, label);
        assert.equal(response.headers.get("content-type"), "application/problem+json", label);
        const body = await response.text();
        const problem = JSON.parse(body) as Problem;
        assert.equal(problem.code, "VALIDATION_FAILED", label);
        assert.deepEqual(problem.errors?.map((e) => e.path), [path], label);
        if (value.length >= 3) assert.ok(!body.includes(value), `${label} echoed`);
      }
      // The page and the API read a search alike (control characters as spaces, trimmed, then at
      // most 100 characters): 100 with spaces around is taken by both, 101 refused by both.
      for (
        const [q, status] of [[` ${"x".repeat(100)} `, 200], [`\t${"x".repeat(100)}\n`, 200], [
          ` ${"x".repeat(101)} `,
          400,
        ]] as const
      ) {
        const params = new URLSearchParams({ q });
        const api = await app.request(`/api/admin/users?${params}`, { headers: admin.headers() });
        assert.equal(api.status, status, `API q of ${q.length}`);
        const page = await app.request(`/admin/users?${params}`, { headers: admin.headers() });
        assert.equal(page.status, status, `page q of ${q.length}`);
        await Promise.all([api.body?.cancel(), page.body?.cancel()]);
      }
      // The same cursor, unchanged, still works (and with another limit).
      const second = await list(app, admin, `?limit=5&cursor=${cursor}`);
      assert.deepEqual(second.users.map((u) => u.email), (await allEmails(app)).slice(10, 15));
      // A cursor made under this deployment's secret (another instance) is good here too.
      const sibling = createDirectoryCursors(SECRET).seal(first.users.at(-1)!.email, "");
      const third = await list(app, admin, `?limit=5&cursor=${sibling}`);
      assert.deepEqual(third.users, second.users);
    });
  });

  Deno.test(`[${target.name}] GET /api/admin/users: a cursor holds only with the search it was handed out for`, async () => {
    await withSeededApp(target, async (app, admin) => {
      // Handed out for q=USER01 (user0100..user0199), and for no search.
      const searched = await list(app, admin, "?q=USER01&limit=10");
      const plain = await list(app, admin, "?limit=10");
      const cases: [string, Record<string, string>][] = [
        ["another q", { q: "USER02", cursor: searched.next! }],
        ["q left out", { cursor: searched.next! }],
        ["q emptied", { q: "", cursor: searched.next! }],
        ["q narrowed", { q: "USER010", cursor: searched.next! }],
        ["q added", { q: "user", cursor: plain.next! }],
      ];
      for (const [label, query] of cases) {
        const response = await app.request(`/api/admin/users?${new URLSearchParams(query)}`, {
          headers: admin.headers(),
        });
        assert.equal(response.status, 400, label);
        assert.equal(response.headers.get("content-type"), "application/problem+json", label);
        const body = await response.text();
        const problem = JSON.parse(body) as Problem;
        assert.equal(problem.code, "VALIDATION_FAILED", label);
        assert.deepEqual(
          problem.errors,
          [{ path: "$.cursor", message: USERS_CURSOR_MESSAGE }],
          label,
        );
        assert.ok(!body.includes(query.cursor!) && !/user0|USER0/.test(body), `${label} echoed`);
      }
      // A bad `q` beside a cursor is one problem, at `$.q` (the cursor is not judged against it).
      const longQ = await app.request(
        `/api/admin/users?${new URLSearchParams({ q: "x".repeat(101), cursor: searched.next! })}`,
        { headers: admin.headers() },
      );
      assert.equal(longQ.status, 400);
      assert.deepEqual((await json<Problem>(longQ)).errors?.map((e) => e.path), ["$.q"]);
      // The same search continues, also written as the search reads it alike (case, spaces).
      for (const q of ["USER01", "user01", " User01\t"]) {
        const next = await list(
          app,
          admin,
          `?${new URLSearchParams({ q, limit: "10", cursor: searched.next! })}`,
        );
        assert.deepEqual(
          next.users.map((u) => u.email),
          (await allEmails(app)).filter((e) => e.includes("user01")).slice(10, 20),
          q,
        );
      }
      const onward = await list(app, admin, `?limit=10&cursor=${plain.next}`);
      assert.deepEqual(onward.users.map((u) => u.email), (await allEmails(app)).slice(10, 20));
    });
  });

  Deno.test(`[${target.name}] GET /api/admin/users: access unchanged (admins only, no tokens)`, async () => {
    await withSeededApp(target, async (app) => {
      const anonymous = await app.request("/api/admin/users?limit=0");
      assert.equal(anonymous.status, 401);
      assert.equal((await json<Problem>(anonymous)).code, "UNAUTHENTICATED");
      for (const role of ["RESEARCHER", "STEWARD"] as const) {
        const session = await signInAs(app, role);
        // Refused unread: a bad parameter from a caller who may not list is 403, not 400.
        for (const query of ["", "?limit=0", "?cursor=junk"]) {
          const response = await app.request(`/api/admin/users${query}`, {
            headers: session.headers(),
          });
          assert.equal(response.status, 403, `${role} ${query}`);
          assert.equal((await json<Problem>(response)).code, "FORBIDDEN");
        }
      }
      const token = await createToken(app, { scopes: ["jobs:read"] });
      const byToken = await app.request("/api/admin/users", {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(byToken.status, 403);
      await byToken.body?.cancel();
    });
  });
}
