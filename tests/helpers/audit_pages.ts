/**
 * Reading the audit log in tests: every id `GET /api/audit` lists for a query (following
 * `nextCursor`), and the ids the table holds for a WHERE clause, newest first, to compare them.
 */
import assert from "node:assert/strict";
import { json, type TestApp } from "./app.ts";
import type { Session } from "./auth.ts";

/** Every record id of `query` through the API, following `nextCursor` (at most 200 pages). */
export async function walkAuditIds(
  app: TestApp,
  session: Session,
  query: Record<string, string>,
): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const params: URLSearchParams = new URLSearchParams({
      ...query,
      ...(cursor ? { cursor } : {}),
    });
    const response = await app.request(`/api/audit?${params}`, { headers: session.headers() });
    assert.equal(response.status, 200, params.toString());
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    const page = await json<{ records: { id: number }[]; nextCursor: string | null }>(response);
    ids.push(...page.records.map((r) => r.id));
    cursor = page.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error("too many pages");
}

/** The ids of the audit entries `where` selects, newest first, as the API lists them. */
export async function auditIdsWhere(
  app: TestApp,
  where: string,
  params: unknown[] = [],
): Promise<number[]> {
  const rows = await app.db.query<{ id: number }>(
    `SELECT id FROM audit_log ${where} ORDER BY id DESC`,
    params,
  );
  return rows.map((r) => Number(r.id));
}
