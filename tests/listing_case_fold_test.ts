/**
 * One search, one case rule: /flags matches its live flags in memory (JavaScript) and its
 * archived flags in the database (SQL), /admin/users and GET /api/admin/users match in the
 * database. JavaScript's toLowerCase() and Postgres's lower() disagree on Greek capital sigma at a
 * word's end (ς and σ) and on Turkish dotted İ (i̇ and i), so the same search matched a live flag
 * and not its archived twin, and did not find an account named as it was typed. Both sides now
 * lower-case each character on its own (lib/validation/search.ts). On PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { foldCase, sqlFoldCase } from "../lib/validation/search.ts";

const DESCRIPTION = "ΟΔΟΣ İSTANBUL pilot";
const SEARCHES = [
  "ΟΔΟΣ",
  "οδοσ",
  "οδος",
  "ΟΔΟΣ İSTANBUL",
  "İstanbul",
  "istanbul",
  "ISTANBUL",
  "pilot",
];

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] the database folds Latin, Greek and Cyrillic letters as foldCase does`, async () => {
    const testDb = await target.open();
    try {
      // U+0041 to U+052F, each character between spaces (no word-end context).
      const chars = Array.from({ length: 0x530 - 0x41 }, (_, i) => String.fromCodePoint(0x41 + i));
      const [row] = await testDb.db.query<{ folded: string }>(
        `SELECT ${sqlFoldCase("$1::text")} AS folded`,
        [chars.join(" ")],
      );
      const differ = chars.filter((ch, i) => row!.folded.split(" ")[i] !== foldCase(ch));
      assert.deepEqual(differ.map((ch) => `U+${ch.codePointAt(0)!.toString(16)}`), []);
    } finally {
      await testDb.cleanup();
    }
  });

  Deno.test(`[${target.name}] /flags: a search matches a live flag and its archived twin alike, Σ and İ included`, async () => {
    const testDb = await target.open();
    await testDb.db.query(
      `INSERT INTO feature_flags (key, description, archived_at)
       VALUES ('live.twin', $1, NULL), ('archived.twin', $1, now())`,
      [DESCRIPTION],
    );
    const app = await buildTestApp({ testDb, env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const steward = await signInAs(app, "STEWARD");
      for (const q of SEARCHES) {
        const response = await app.request(`/flags?${new URLSearchParams({ q })}`, {
          headers: { cookie: steward.cookie },
        });
        assert.equal(response.status, 200, q);
        const page = await response.text();
        const live = page.includes('<a href="/flags/live.twin">');
        const archived = page.includes('data-archived="archived.twin"');
        assert.deepEqual({ live, archived }, { live: true, archived: true }, q);
      }
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] /admin/users and GET /api/admin/users find a name as it was typed, Σ and İ included`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const admin = await signInAs(app, "ADMIN");
      await app.db.query(
        "INSERT INTO users (email, display_name, role) VALUES ('twin@example.org', $1, 'RESEARCHER')",
        [DESCRIPTION],
      );
      for (const q of SEARCHES) {
        const params = new URLSearchParams({ q });
        const page = await app.request(`/admin/users?${params}`, { headers: admin.headers() });
        assert.equal(page.status, 200, q);
        assert.ok((await page.text()).includes("twin@example.org"), `page: ${q}`);
        const api = await app.request(`/api/admin/users?${params}`, { headers: admin.headers() });
        assert.equal(api.status, 200, q);
        const body = await api.json() as { users: { email: string }[] };
        assert.deepEqual(body.users.map((u) => u.email), ["twin@example.org"], `API: ${q}`);
      }
    } finally {
      await app.dispose();
    }
  });
}
