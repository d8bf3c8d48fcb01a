/**
 * What an audit search costs the database, for the scale tests: the statement queryAudit sends
 * for a filter (run for real too, so its answer is checked), its EXPLAIN ANALYZE as planned for
 * those values, and the entries the plan's scans read.
 */
import assert from "node:assert/strict";
import { queryAudit } from "../../lib/audit/query.ts";
import type { AuditFilter } from "../../lib/audit/mod.ts";
import type { Queryable } from "../../lib/db/mod.ts";

interface Captured {
  sql: string;
  params: readonly unknown[];
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

/** What the scans of a search's plan read. */
export interface PlanReads {
  /** Entries read (returned and discarded), over every loop. */
  rows: number;
  /** Of them, those a filter or an index recheck discarded. */
  removed: number;
  /** The scans, with their index ("Index Scan audit_log_pkey"). */
  nodes: string[];
}

/** The statement queryAudit sends for `filter`, run for real. */
async function capture(db: Queryable, filter: AuditFilter): Promise<Captured> {
  let captured: Captured | undefined;
  await queryAudit({
    query(sql, params) {
      captured = { sql, params: params ?? [] };
      return db.query(sql, params);
    },
  } as Queryable, filter);
  assert.ok(captured);
  return captured;
}

function reads(plan: PlanNode): PlanReads {
  let rows = 0;
  let removed = 0;
  const nodes: string[] = [];
  const walk = (node: PlanNode) => {
    if (/Scan/.test(node["Node Type"]) && !/CTE|Subquery|Function|Values/.test(node["Node Type"])) {
      const loops = node["Actual Loops"] ?? 1;
      const discarded = (node["Rows Removed by Filter"] ?? 0) +
        (node["Rows Removed by Index Recheck"] ?? 0);
      rows += (node["Actual Rows"] ?? 0) * loops + discarded;
      removed += discarded;
      nodes.push(`${node["Node Type"]}${node["Index Name"] ? ` ${node["Index Name"]}` : ""}`);
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return { rows, removed, nodes };
}

/**
 * The entries the search for `filter` reads, from EXPLAIN ANALYZE of the statement queryAudit
 * sends, as planned for these values (a custom plan).
 */
export async function auditPlanReads(db: Queryable, filter: AuditFilter): Promise<PlanReads> {
  const c = await capture(db, filter);
  const result = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${c.sql}`, c.params);
  const value = Object.values(result[0] as Record<string, unknown>)[0];
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return reads((parsed as { Plan: PlanNode }[])[0]!.Plan);
}
