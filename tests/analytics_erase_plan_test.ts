/**
 * Erasing one user's analytics deletes their redaction records from the governance log through
 * the partial indexes of migration 0010, not by reading the whole log (which grows with every
 * redacted event until retention). Asserted on the plan, never on a time (real Postgres: PGlite's
 * planner is the same code, but the test needs a table large enough for plans to differ).
 */
import assert from "node:assert/strict";
import { ERASE_STATEMENT, REDACTION_LOG_EVENT } from "../lib/analytics/store.ts";
import { freshPostgres } from "./helpers/db.ts";
import { hasPostgres } from "./helpers/env.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

Deno.test({
  name:
    "[postgres] an erasure reads the governance log's redaction records by index, not the whole log",
  ignore: !hasPostgres(),
  async fn() {
    const testDb = await freshPostgres();
    try {
      // 60,000 log rows: mode changes and other users' redaction records (no account needed: the
      // actor column may be null, as after an account's deletion).
      await testDb.db.exec(`
        INSERT INTO governance_log (event_type, actor_id, details)
        SELECT CASE WHEN g % 3 = 0 THEN 'mode_change' ELSE '${REDACTION_LOG_EVENT}' END, NULL,
               jsonb_build_object('eventId', gen_random_uuid()::text)
          FROM generate_series(1, 60000) AS g;
        ANALYZE governance_log;
      `);
      const plan = await testDb.db.transaction(async (tx) => {
        await tx.exec(`PREPARE erase_plan(text) AS ${ERASE_STATEMENT}`);
        const rows = await tx.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
          "EXPLAIN (FORMAT JSON) EXECUTE erase_plan('no-such-user')",
        );
        return rows[0]!["QUERY PLAN"][0]!.Plan;
      });
      const onLog = nodes(plan).filter((node) => node["Relation Name"] === "governance_log");
      assert.ok(onLog.length > 0, "the plan touches the governance log");
      assert.deepEqual(
        onLog.filter((node) => node["Node Type"] === "Seq Scan").map((node) => node["Node Type"]),
        [],
        "no sequential scan of the governance log",
      );
      const indexes = nodes(plan).map((node) => node["Index Name"]).filter(Boolean);
      assert.ok(indexes.includes("governance_log_redaction_actor_idx"), JSON.stringify(indexes));
      assert.ok(indexes.includes("governance_log_redaction_event_idx"), JSON.stringify(indexes));
    } finally {
      await testDb.cleanup();
    }
  },
});
