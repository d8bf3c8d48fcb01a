/**
 * Which lock keys the running app computes (`governance_config['lock_keys']`): the fingerprint of
 * its {@link LockKeys}, recorded at every start. `deno task user` compares its own: under another
 * `ANALYTICS_IP_SALT` (or none) it cannot find an account's or an address's lock, and says so
 * instead of calling the administrator's lock "an unknown email".
 */
import type { Db, Queryable } from "../db/mod.ts";
import type { LockKeys } from "./lock_keys.ts";

/** The `governance_config` key of the row (never `mode`: the mode reader does not see it). */
export const LOCK_KEYS_CONFIG_KEY = "lock_keys";

/**
 * Records `keys`' fingerprint as the app's (written only when it differs). Waits at most a second
 * for a lock on the row (an operator's long transaction must not hold up a start): rejects then.
 */
export async function recordLockKeysFingerprint(db: Db, keys: LockKeys): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec("SET LOCAL lock_timeout = '1s'");
    await tx.query(
      `INSERT INTO governance_config (key, value, updated_at)
       VALUES ($1, jsonb_build_object('fingerprint', $2::text), now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
       WHERE governance_config.value IS DISTINCT FROM EXCLUDED.value`,
      [LOCK_KEYS_CONFIG_KEY, keys.fingerprint],
    );
  });
}

/**
 * Whether `keys` are the app's: true or false against the recorded fingerprint; undefined when
 * none is recorded (no app of this version has started on the database).
 */
export async function areTheAppsLockKeys(
  db: Queryable,
  keys: LockKeys,
): Promise<boolean | undefined> {
  const [row] = await db.query<{ fingerprint: string | null }>(
    "SELECT value ->> 'fingerprint' AS fingerprint FROM governance_config WHERE key = $1",
    [LOCK_KEYS_CONFIG_KEY],
  );
  const recorded = row?.fingerprint;
  return typeof recorded === "string" && recorded.length > 0
    ? recorded === keys.fingerprint
    : undefined;
}
