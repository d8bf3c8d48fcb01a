/**
 * Audit searches by a rare kind of actor (`actorType`) read about the entries they return, not
 * the whole log: on 60,000 entries where `system` entries are rare (the operator commands and
 * chores, one in 3,000) and `anonymous` ones few (failed sign-ins, one in 200), the plan of the
 * statement queryAudit sends has no Seq Scan and reads (rows returned + rows removed by a filter) a
 * few hundred entries at most. Before migration 0015 such a search walked the primary key from the
 * newest entry (or scanned the table) and discarded every entry of another kind: a kind with fewer
 * entries than a page, or the last page of a rare kind, read the whole log. A common kind (`token`,
 * `user`) is found as well by the primary-key walk: about ten entries read per one returned at a
 * tenth of the log. Pages equal the plain search ordered by id.
 *
 * No timing: only plans and results, so a loaded machine cannot fail it.
 */
import assert from "node:assert/strict";
import { encodeCursor, queryAudit } from "../lib/audit/query.ts";
import type { AuditFilter } from "../lib/audit/mod.ts";
import type { Queryable } from "../lib/db/mod.ts";
import { dbTargets } from "./helpers/db.ts";
import { auditPlanReads } from "./helpers/audit_plan.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const ROWS = 60_000;
const BASE = Date.parse("2025-01-01T00:00:00Z");

/** Entries a plan may read for a search by kind (a page is at most 200 entries). */
const READ_BUDGET = 1_000;

/** Entry i at BASE + i·30 s; system every 3,000th, anonymous every 200th, token every 10th. */
async function seed(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_id, actor_type, action, target_type, target_id, created_at)
     SELECT CASE WHEN i % 3000 = 0 OR i % 200 = 0 THEN NULL ELSE 'u' || (i % 97) END,
       CASE WHEN i % 3000 = 0 THEN 'system' WHEN i % 200 = 0 THEN 'anonymous'
            WHEN i % 10 = 0 THEN 'token' ELSE 'user' END,
       CASE WHEN i % 3000 = 0 THEN 'job.retention_cleanup'
            WHEN i % 200 = 0 THEN 'auth.sign_in_failed'
            WHEN i % 10 = 0 THEN 'job.complete'
            WHEN i % 2 = 0 THEN 'auth.sign_in' ELSE 'flag.update' END,
       'flag', 'f' || (i % 50),
       $1::timestamptz + i * interval '30 seconds'
     FROM generate_series(1, $2::int) AS i ORDER BY i`,
    [new Date(BASE), ROWS],
  );
  await db.query("ANALYZE audit_log");
}

/** Every id of the search through queryAudit at `limit`, following nextCursor. */
async function pagedIds(db: Queryable, filter: AuditFilter, limit: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1_000; i++) {
    const page = await queryAudit(db, { ...filter, limit, ...(cursor ? { cursor } : {}) });
    ids.push(...page.records.map((r) => r.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("too many pages");
}

/** The last page's cursor of a search at `limit` (the page that reads to the log's end). */
async function lastCursor(db: Queryable, filter: AuditFilter, limit: number) {
  const ids = await pagedIds(db, filter, limit);
  const pages = Math.ceil(ids.length / limit);
  assert.ok(pages >= 2, "a search of several pages");
  return encodeCursor(ids[(pages - 1) * limit - 1]!);
}

for (const target of dbTargets()) {
  Deno.test({
    name: `audit search by actorType reads little and pages by id (${target.name})`,
    ...opts,
    async fn(t) {
      const { db, cleanup } = await target.open();
      try {
        await seed(db);
        const narrow: [string, AuditFilter][] = [
          ["system (fewer than a page)", { actorType: "system", limit: 50 }],
          ["system, action job.", { actorType: "system", action: "job." }],
          ["anonymous, first page", { actorType: "anonymous", limit: 200 }],
          ["anonymous, last page", {
            actorType: "anonymous",
            limit: 200,
            cursor: await lastCursor(db, { actorType: "anonymous" }, 200),
          }],
        ];
        for (const [label, filter] of narrow) {
          await t.step(`${label}: reads at most ${READ_BUDGET} of ${ROWS}`, async () => {
            const { rows, nodes } = await auditPlanReads(db, filter);
            assert.ok(!nodes.some((n) => n.startsWith("Seq Scan")), `Seq Scan: ${nodes.join()}`);
            assert.ok(rows <= READ_BUDGET, `reads ${rows}: ${nodes.join(", ")}`);
          });
        }
        const exact: [string, AuditFilter, string, unknown[]][] = [
          ["system", { actorType: "system" }, "actor_type = 'system'", []],
          ["anonymous", { actorType: "anonymous" }, "actor_type = 'anonymous'", []],
          [
            "system in a wide window",
            {
              actorType: "system",
              from: new Date(BASE + 86_400_000),
              to: new Date(BASE + 15 * 86_400_000),
            },
            "actor_type = 'system' AND created_at >= $1 AND created_at < $2",
            [new Date(BASE + 86_400_000), new Date(BASE + 15 * 86_400_000)],
          ],
          [
            "user, actor u7, prefix auth.",
            { actorType: "user", actor: "u7", action: "auth." },
            "actor_type = 'user' AND actor_id = 'u7' AND action LIKE 'auth.%'",
            [],
          ],
        ];
        for (const [label, filter, where, params] of exact) {
          await t.step(`${label}: pages equal the plain search`, async () => {
            const want = (await db.query<{ id: number }>(
              `SELECT id FROM audit_log WHERE ${where} ORDER BY id DESC`,
              params,
            )).map((r) => Number(r.id));
            assert.ok(want.length > 0);
            for (const limit of [7, 200]) {
              assert.deepEqual(await pagedIds(db, filter, limit), want, `limit ${limit}`);
            }
          });
        }
      } finally {
        await cleanup();
      }
    },
  });
}
