/**
 * Audit log searches by time window (`from`/`to`) and by action prefix (`action=analytics.`) read
 * about the entries they return, not the whole log: on 200,000 entries, the plan of the statement
 * queryAudit sends (as planned for its values: both drivers send unnamed statements, so every
 * execution gets such a custom plan) has no Seq Scan and its scans read (rows returned + rows
 * removed by a filter) far fewer than the log holds. Before, a window two years back walked the
 * primary key from the newest entry (every entry read), and a prefix was a Seq Scan. A wide window
 * far back reads the window's index entries once (no table rows) and discards few rows.
 *
 * Paging stays by id: every page equals the same search by the old statement (ORDER BY id DESC,
 * cursor `id <`), also where `created_at` is not monotonic in id (late writers, and entries with a
 * new id and a time inside an old window), in each way the window's id span is found (narrow
 * window, wide window with a small newer side, wide window with a large newer side).
 *
 * No timing: only plans and results, so a loaded machine cannot fail it.
 */
import assert from "node:assert/strict";
import { queryAudit, WINDOW_PROBE_ROWS } from "../lib/audit/query.ts";
import type { AuditFilter } from "../lib/audit/mod.ts";
import type { Queryable } from "../lib/db/mod.ts";
import { dbTargets } from "./helpers/db.ts";
import { auditPlanReads } from "./helpers/audit_plan.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const ROWS = 200_000;
const BASE = Date.parse("2024-01-01T00:00:00Z");

const DAY = 86_400_000;
const at = (days: number) => new Date(BASE + days * DAY);

/** Entries a plan may read (returned + filtered out, over all its scans) for a narrow search. */
const READ_BUDGET = 3 * WINDOW_PROBE_ROWS + 5_000;
/** Rows a plan may discard by a filter (late writers widen a window's id span a little). */
const REMOVED_BUDGET = 10_000;

/**
 * Entry i (id i on a fresh table) at BASE + i·5 min, except: every 101st written up to 6 days
 * late (its transaction started earlier), and 20 of the newest 2,000 entries dated inside days
 * 3–4 (an old window). Actions: auth.* and flag.* half each, analytics.erase_user every 1,000th,
 * token.create every 500th.
 */
async function seed(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_id, actor_type, action, target_type, target_id, created_at)
     SELECT 'u' || (i % 997), 'user',
       CASE WHEN i % 1000 = 0 THEN 'analytics.erase_user'
            WHEN i % 500 = 0 THEN 'token.create'
            WHEN i % 2 = 0 THEN 'auth.login' ELSE 'flag.update' END,
       'flag', 'f' || (i % 50),
       CASE WHEN i > $2 - 2000 AND i % 100 = 0 THEN $1::timestamptz + interval '3 days' + (i % 2000) * interval '1 second'
            WHEN i % 101 = 0 THEN $1::timestamptz + i * interval '5 minutes' - (i % 7) * interval '1 day'
            ELSE $1::timestamptz + i * interval '5 minutes' END
     FROM generate_series(1, $2::int) AS i ORDER BY i`,
    [new Date(BASE), ROWS],
  );
  await db.query("ANALYZE audit_log");
}

/** Ids of the first `pages` pages of the search by the statement before this change. */
async function referenceIds(db: Queryable, filter: AuditFilter, count: number): Promise<number[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (filter.actor) add("actor_id = ?", filter.actor);
  if (filter.action?.endsWith(".")) add("starts_with(action, ?)", filter.action);
  else if (filter.action) add("action = ?", filter.action);
  if (filter.from) add("created_at >= ?", filter.from);
  if (filter.to) add("created_at < ?", filter.to);
  params.push(count);
  const rows = await db.query<{ id: number }>(
    `SELECT id FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => Number(r.id));
}

/** Ids of the first `pages` pages through queryAudit, following nextCursor. */
async function pagedIds(db: Queryable, filter: AuditFilter, pages: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const page = await queryAudit(db, { ...filter, limit: 200, cursor });
    ids.push(...page.records.map((r) => r.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids;
}

/** Searches that must read little: old narrow windows, rare action with an old `to`, prefixes. */
const NARROW: [string, AuditFilter][] = [
  ["10-day window 680-690 days back", { from: at(4), to: at(14) }],
  ["3-day window in the middle", { from: at(300), to: at(303) }],
  ["token.create before an old date", { action: "token.create", to: at(20) }],
  ["prefix analytics.", { action: "analytics." }],
  ["prefix token.", { action: "token." }],
  ["prefix analytics. in an old window", { action: "analytics.", from: at(30), to: at(60) }],
];

/** Wide windows far back: read the window's index entries, discard few rows. */
const WIDE: [string, AuditFilter][] = [
  ["wide window ending a year back", { from: at(10), to: at(300) }],
  ["token.create in a wide old window", { action: "token.create", from: at(10), to: at(300) }],
];

/** Searches over each way of finding the window's span, with the out-of-order entries. */
const EXACT: [string, AuditFilter][] = [
  ["narrow window holding new ids", { from: at(3), to: at(4) }],
  ["narrow window of late writers", { from: at(100), to: at(101) }],
  ["wide window, small newer side", { from: at(10), to: at(690) }],
  ["wide window, large newer side", { from: at(2), to: at(300) }],
  ["to only, old", { to: at(5) }],
  ["from only, wide", { from: at(3) }],
  ["from only, narrow", { from: at(690) }],
  ["empty window", { from: at(900), to: at(901) }],
  ["prefix auth. (half the log)", { action: "auth." }],
  ["prefix auth. in a window holding new ids", { action: "auth.", from: at(3), to: at(4) }],
  ["actor in a wide window", { actor: "u7", from: at(2), to: at(500) }],
];

for (const target of dbTargets()) {
  Deno.test({
    name: `audit search by window or prefix reads little and pages by id (${target.name})`,
    ...opts,
    async fn(t) {
      const { db, cleanup } = await target.open();
      try {
        await seed(db);
        for (const [label, filter] of NARROW) {
          await t.step(`${label}: reads at most ${READ_BUDGET} of ${ROWS}`, async () => {
            const { rows, nodes } = await auditPlanReads(db, filter);
            assert.ok(!nodes.some((n) => n.startsWith("Seq Scan")), `Seq Scan: ${nodes.join()}`);
            assert.ok(rows <= READ_BUDGET, `reads ${rows}: ${nodes.join(", ")}`);
          });
        }
        for (const [label, filter] of WIDE) {
          await t.step(`${label}: discards at most ${REMOVED_BUDGET}`, async () => {
            const { removed, nodes } = await auditPlanReads(db, filter);
            assert.ok(!nodes.some((n) => n.startsWith("Seq Scan")), `Seq Scan: ${nodes.join()}`);
            assert.ok(removed <= REMOVED_BUDGET, `discards ${removed}: ${nodes.join(", ")}`);
          });
        }
        for (const [label, filter] of [...EXACT, ...NARROW, ...WIDE]) {
          await t.step(`${label}: pages as the id-ordered search`, async () => {
            const got = await pagedIds(db, filter, 4);
            const want = await referenceIds(db, filter, 800);
            assert.deepEqual(got, want);
          });
        }
        // The window holding new ids (days 3–4) includes the 20 out-of-order newest entries.
        const ids = await pagedIds(db, { from: at(3), to: at(4) }, 10);
        assert.ok(ids.filter((id) => id > ROWS - 2000).length === 20, "late-dated new ids found");
      } finally {
        await cleanup();
      }
    },
  });
}
