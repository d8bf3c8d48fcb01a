/**
 * /flags at scale: it listed every live flag (the in-memory snapshot) and the 200 newest archived
 * flags with a restore form each, on one page (4,952 flags: 1.66 MB of HTML). Now it shows one
 * page of 50 live flags in key order and one page of 50 archived flags, newest first (read page
 * by page from the database), a search of key or description (any case, at most 100 characters)
 * that both lists follow, counts, and First/Previous/Next/Last links that keep the search and the
 * other list's page. The create and restore forms carry the listing they were sent from: a
 * refused one shows it again, typed values kept. The "just archived" notice reads its flag by
 * key. On PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { postForm, type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const LIVE = 120;
const ARCHIVED = 60;

/**
 * An app with LIVE live flags `flag.001`… (every 7th described "Oncology ward rollout N", the
 * others "Flag number N") and ARCHIVED archived flags `old.001`… (`old.001` archived last; every
 * 4th described "Retired oncology pilot N").
 */
async function withSeededApp(
  target: ReturnType<typeof dbTargets>[number],
  fn: (app: TestApp, admin: Session, steward: Session) => Promise<void>,
) {
  const testDb = await target.open();
  await testDb.db.exec(`
    INSERT INTO feature_flags (key, enabled, description, rollout_percent, target_users)
    SELECT 'flag.' || lpad(g::text, 3, '0'), g % 2 = 0,
           CASE WHEN g % 7 = 0 THEN 'Oncology ward rollout ' || g ELSE 'Flag number ' || g END,
           g % 101, '["u1","u2"]'::jsonb
      FROM generate_series(1, ${LIVE}) AS g;
    INSERT INTO feature_flags (key, description, archived_at)
    SELECT 'old.' || lpad(g::text, 3, '0'),
           CASE WHEN g % 4 = 0 THEN 'Retired oncology pilot ' || g ELSE 'Old flag ' || g END,
           now() - make_interval(mins => g)
      FROM generate_series(1, ${ARCHIVED}) AS g;`);
  const app = await buildTestApp({ testDb, env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    await fn(app, await signInAs(app, "ADMIN"), await signInAs(app, "STEWARD"));
  } finally {
    await app.dispose();
  }
}

async function get(app: TestApp, who: Session, path: string, status = 200): Promise<string> {
  const response = await app.request(path, { headers: { cookie: who.cookie } });
  assert.equal(response.status, status, path);
  return await response.text();
}

/** The keys of the live flags' table, in order. */
function liveKeys(page: string): string[] {
  const table = page.match(/<table class="data" aria-label="Feature flags"[\s\S]*?<\/table>/)?.[0];
  return [...(table ?? "").matchAll(/<a href="\/flags\/([^"]+)">/g)].map((m) => m[1]!);
}

/** The keys of the archived flags' table, in order. */
function archivedKeys(page: string): string[] {
  return [...page.matchAll(/<tr data-archived="([^"]+)"/g)].map((m) => m[1]!);
}

/** The links of the page navigation named `label`, by their text, HTML entities undone. */
function pager(page: string, label: string): Map<string, string> {
  const nav = page.match(new RegExp(`<nav aria-label="${label}">[\\s\\S]*?</nav>`))?.[0] ?? "";
  return new Map(
    [...nav.matchAll(/<a [^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((m) => [
      text(m[2]!).trim(),
      m[1]!.replaceAll("&amp;", "&"),
    ]),
  );
}

function text(page: string): string {
  return page.replace(/<!-- -->|<\/?bdi>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

const key = (prefix: string, n: number) => `${prefix}.${String(n).padStart(3, "0")}`;
const keys = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => key(prefix, from + i));

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] /flags with ${LIVE} live and ${ARCHIVED} archived flags: 50 of each a page, counts, page links`, async () => {
    await withSeededApp(target, async (app, admin, steward) => {
      const first = await get(app, admin, "/flags");
      assert.deepEqual(liveKeys(first), keys("flag", 1, 50));
      assert.deepEqual(archivedKeys(first), keys("old", 1, 50), "newest first");
      assert.equal([...first.matchAll(/name="restore"/g)].length, 50);
      assert.ok(first.length < 80_000, `the page is ${first.length} bytes`);
      assert.match(text(first), /Showing 1–50 of 120 flags, by key\./);
      assert.match(text(first), /Showing 1–50 of 60 archived flags, newest first\./);
      // The create form is still there.
      assert.match(first, /<form method="post" action="\/flags" class="form-card">/);

      const live = pager(first, "Pages of flags");
      assert.deepEqual([...live.keys()], ["Page 1 of 3", "Next 50", "Last page"]);
      // The live list's links lead to its summary (the listing, not the top of the page).
      assert.equal(live.get("Page 1 of 3"), "/flags#flags-summary");
      assert.match(first, /<a href="\/flags#flags-summary" aria-current="page">Page 1 of 3<\/a>/);
      assert.match(first, /<a class="button" href="\/flags\?page=2#flags-summary" rel="next">/);
      assert.match(first, /<p id="flags-summary" role="status">/);
      assert.equal(live.get("Last page"), "/flags?page=3#flags-summary");
      const archived = pager(first, "Pages of archived flags");
      assert.equal(archived.get("Next 50"), "/flags?archived_page=2#archived-heading");

      const second = await get(app, steward, "/flags?page=2");
      assert.deepEqual(liveKeys(second), keys("flag", 51, 100));
      assert.match(text(second), /Showing 51–100 of 120 flags/);
      assert.deepEqual(
        [...pager(second, "Pages of flags")],
        [
          ["First page", "/flags#flags-summary"],
          ["Previous 50", "/flags#flags-summary"],
          ["Page 2 of 3", "/flags?page=2#flags-summary"],
          ["Next 50", "/flags?page=3#flags-summary"],
          ["Last page", "/flags?page=3#flags-summary"],
        ],
      );
      // Stewards get the same lists, without restore forms.
      assert.deepEqual(archivedKeys(second), keys("old", 1, 50));
      assert.ok(!second.includes('name="restore"'));

      const last = await get(app, steward, "/flags?page=3");
      assert.deepEqual(liveKeys(last), keys("flag", 101, 120));
      assert.match(text(last), /Showing 101–120 of 120 flags/);
      assert.ok(!pager(last, "Pages of flags").has("Next 50"));

      // Each list turns its own page and keeps the other's.
      const both = await get(app, steward, "/flags?page=3&archived_page=2");
      assert.deepEqual(liveKeys(both), keys("flag", 101, 120));
      assert.deepEqual(archivedKeys(both), keys("old", 51, 60));
      assert.match(text(both), /Showing 51–60 of 60 archived flags/);
      assert.equal(
        pager(both, "Pages of archived flags").get("Previous 50"),
        "/flags?page=3#archived-heading",
      );
      assert.equal(
        pager(both, "Pages of flags").get("Previous 50"),
        "/flags?page=2&archived_page=2#flags-summary",
      );

      // A page beyond the end is the last page; anything but a page number is the first.
      const beyond = await get(app, steward, "/flags?page=999&archived_page=99999999999999999999");
      assert.deepEqual(liveKeys(beyond), keys("flag", 101, 120));
      assert.deepEqual(archivedKeys(beyond), keys("old", 51, 60));
      assert.match(beyond, /aria-current="page">Page 3 of 3</);
      // A 20-digit page number is the last page too, and the other list's links carry it as an
      // integer that reads back (it was written 100000000000000000000, 21 digits: the first page).
      const huge = await get(app, steward, `/flags?page=${"9".repeat(20)}&archived_page=2`);
      assert.deepEqual(liveKeys(huge), keys("flag", 101, 120));
      const back = pager(huge, "Pages of archived flags").get("Previous 50") ?? "";
      assert.match(back, /^\/flags\?page=[0-9]{1,16}#archived-heading$/, back);
      assert.deepEqual(liveKeys(await get(app, steward, back)), keys("flag", 101, 120));
      for (const bad of ["0", "-1", "2.5", "abc", "1e3", "%00", "9".repeat(30)]) {
        const page = await get(app, steward, `/flags?page=${bad}&archived_page=${bad}`);
        assert.deepEqual(liveKeys(page), keys("flag", 1, 50), bad);
        assert.deepEqual(archivedKeys(page), keys("old", 1, 50), bad);
      }
    });
  });

  Deno.test(`[${target.name}] /flags search: key or description, any case, both lists; the links keep it`, async () => {
    await withSeededApp(target, async (app, _admin, steward) => {
      const byKey = await get(app, steward, "/flags?q=FLAG.11");
      assert.deepEqual(liveKeys(byKey), keys("flag", 110, 119));
      assert.match(text(byKey), /10 of 120 flags match “FLAG\.11”\. Showing 1–10, by key\./);
      assert.match(byKey, /<input[^>]*type="search"[^>]*name="q"[^>]*value="FLAG.11"/);
      assert.match(text(byKey), /None of 60 archived flags match “FLAG\.11”/);
      assert.deepEqual(archivedKeys(byKey), []);
      assert.match(byKey, /<a href="\/flags">Clear the search<\/a>/);

      // The descriptions too, in any case, in both lists.
      const byDescription = await get(app, steward, "/flags?q=%20oncOLOGY%20");
      assert.deepEqual(
        liveKeys(byDescription),
        Array.from({ length: 17 }, (_, i) => key("flag", 7 * (i + 1))),
      );
      assert.deepEqual(
        archivedKeys(byDescription),
        Array.from({ length: 15 }, (_, i) => key("old", 4 * (i + 1))),
      );
      assert.match(text(byDescription), /15 of 60 archived flags match “oncOLOGY”/);

      // More than a page: the page links keep the search.
      const many = await get(app, steward, "/flags?q=number");
      assert.match(text(many), /103 of 120 flags match “number”\. Showing 1–50/);
      const next = pager(many, "Pages of flags").get("Next 50");
      assert.equal(next, "/flags?q=number&page=2#flags-summary");
      const second = await get(app, steward, next!);
      assert.equal(liveKeys(second)[0], "flag.059");
      assert.equal(
        pager(second, "Pages of flags").get("First page"),
        "/flags?q=number#flags-summary",
      );
      const last = await get(app, steward, "/flags?q=number&page=3");
      assert.equal(liveKeys(last).length, 3);
      assert.ok(liveKeys(last).every((k) => Number(k.slice(5)) % 7 !== 0));

      // Wildcards are plain characters; nothing matches: a way back.
      for (const q of ["%25", "_", "flag.%25", "nothing-like-this"]) {
        const none = await get(app, steward, `/flags?q=${q}`);
        assert.deepEqual(liveKeys(none), [], q);
        assert.deepEqual(archivedKeys(none), [], q);
        assert.match(text(none), /None of 120 flags match/, q);
        assert.match(none, /<a href="\/flags">Show every flag<\/a>/);
      }

      // A search too long: 400, said beside the box (never echoed), every flag listed instead.
      const long = await get(app, steward, `/flags?q=${"z".repeat(101)}`, 400);
      assert.match(text(long), /at most 100 characters/);
      assert.match(long, /<input[^>]*name="q"[^>]*aria-invalid="true"/);
      assert.ok(!long.includes("z".repeat(101)));
      assert.deepEqual(liveKeys(long), keys("flag", 1, 50));
      // Control characters are spaces.
      assert.deepEqual(liveKeys(await get(app, steward, "/flags?q=%00flag.12%01")), [
        "flag.120",
      ]);
    });
  });

  Deno.test(`[${target.name}] /flags forms and notices at scale: refused forms return to their listing, the archived notice reads its flag by key`, async () => {
    await withSeededApp(target, async (app, admin) => {
      // A refused creation: 400, its typed values kept, on the listing it was sent from.
      const refused = await postForm(app, admin, "/flags", [
        ["key", "Bad Key"],
        ["description", "Typed description"],
        ["rollout_percent", "30"],
        ["return", "/flags?q=number&page=2&archived_page=2"],
      ]);
      assert.equal(refused.status, 400);
      const page = await refused.text();
      assert.match(page, /value="Typed description"|>Typed description</);
      assert.match(text(page), /103 of 120 flags match “number”\. Showing 51–100/);
      assert.match(page, /name="return" value="\/flags\?q=number&amp;page=2&amp;archived_page=2"/);
      // A key that is live: 400 beside the key.
      const taken = await postForm(app, admin, "/flags", [["key", "flag.119"], [
        "return",
        "/flags?page=3",
      ]]);
      assert.equal(taken.status, 400);
      const takenPage = await taken.text();
      assert.match(text(takenPage), /a flag with this key exists already/);
      assert.deepEqual(liveKeys(takenPage), keys("flag", 101, 120));
      // A return that is not a /flags listing is the first page.
      for (const evil of ["//evil.example/flags", "https://evil.example/flags?page=2", "/flagsX"]) {
        const response = await postForm(app, admin, "/flags", [["key", "Bad"], ["return", evil]]);
        assert.equal(response.status, 400);
        assert.deepEqual(liveKeys(await response.text()), keys("flag", 1, 50), evil);
      }

      // A restore from the second page of archived flags; its stale repeat is refused there.
      const archivedPage = await get(app, admin, "/flags?archived_page=2");
      const row = archivedPage.match(/<tr data-archived="old.055"[\s\S]*?<\/tr>/)![0];
      const fields = [...row.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
        .map((m) => [m[1]!, m[2]!.replaceAll("&amp;", "&")] as [string, string])
        .filter(([name]) => name !== "csrf_token");
      assert.deepEqual(fields.find(([name]) => name === "return"), [
        "return",
        "/flags?archived_page=2",
      ]);
      const restored = await postForm(app, admin, "/flags", fields);
      assert.equal(restored.status, 303);
      assert.equal(restored.headers.get("location"), "/flags/old.055?notice=restored");
      const again = await postForm(app, admin, "/flags", fields);
      assert.equal(again.status, 400);
      const againPage = await again.text();
      assert.match(againPage, /a live flag uses this key again/);
      assert.match(text(againPage), /Showing 51–59 of 59 archived flags/);

      // Archiving: the notice names the flag, read by its key.
      const version = app.services.flags.get("flag.005")!.version;
      const archived = await postForm(app, admin, "/flags/flag.005/archive", [[
        "version",
        String(version),
      ]]);
      assert.equal(archived.status, 303);
      const location = archived.headers.get("location")!;
      assert.equal(location, "/flags?notice=archived&flag=flag.005");
      const notice = await get(app, admin, location);
      assert.match(text(notice), /Flag flag\.005 was archived/);
      assert.equal(archivedKeys(notice)[0], "flag.005");
      assert.ok(!liveKeys(notice).includes("flag.005"));
      // Also when the flag is not on the archived page shown (the oldest, on page 2).
      const oldest = await get(app, admin, "/flags?notice=archived&flag=old.060");
      assert.ok(!archivedKeys(oldest).includes("old.060"));
      assert.match(text(oldest), /Flag old\.060 was archived/);
      // A key that is not archived, or no key at all, gets the plain notice, never echoed.
      for (const flag of ["made.up", "flag.006", "<b>x</b>"]) {
        const plain = await get(app, admin, `/flags?notice=archived&flag=${flag}`);
        assert.match(text(plain), /The flag was archived\./);
        assert.ok(!text(plain).includes(`Flag ${flag} was archived`));
      }
    });
  });
}
