/**
 * Makes the database refuse audit inserts of one action (a test-only trigger on `audit_log` in
 * the test's own schema), for the tests that a change and its audit entry commit or fail
 * together.
 */
import assert from "node:assert/strict";

/** The message the refusing trigger raises. */
export const REFUSED = "audit insert refused by the test";

export interface AuditRefusal {
  /** Makes every audit insert of `action` fail until the returned function is called. */
  refuse(action: string): Promise<() => Promise<void>>;
  /** Drops the trigger if one is in place (for a test's cleanup). */
  dropAny(): Promise<void>;
}

/** Refusals on `db` (a connection with `exec`). */
export function auditRefusal(db: { exec(script: string): Promise<void> }): AuditRefusal {
  let drop: (() => Promise<void>) | undefined;
  return {
    async refuse(action) {
      assert.match(action, /^[a-z_.]+$/);
      await db.exec(`
        CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '${REFUSED}';
        END;
        $$;
        CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log
          FOR EACH ROW WHEN (NEW.action = '${action}') EXECUTE FUNCTION test_refuse_audit();
      `);
      drop = async () => {
        drop = undefined;
        await db.exec(`
          DROP TRIGGER test_refuse_audit ON audit_log;
          DROP FUNCTION test_refuse_audit();
        `);
      };
      return drop;
    },
    async dropAny() {
      await drop?.();
    },
  };
}

/** Asserts `promise` rejects with the refusing trigger's error. */
export async function rejectsWithRefusal(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof Error && error.message.includes(REFUSED), String(error));
    return true;
  });
}
