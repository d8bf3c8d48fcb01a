/**
 * Database I/O for accounts, sessions, API tokens and sign-in throttling. A change that is
 * audited runs in {@link AuthStore.transaction}, so the change and its audit entry (written on
 * the same transaction) commit together or not at all.
 */
import type { Connection, Db, Queryable } from "../db/mod.ts";
import { isUniqueViolation } from "../db/mod.ts";
import { ConflictError, NotFoundError } from "../errors/mod.ts";
import type { Role, Scope } from "./principal.ts";
import type { ThrottlePolicy, ThrottleState } from "./throttle.ts";

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  active: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export interface ApiToken {
  id: string;
  name: string;
  scopes: Scope[];
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface SessionWithUser {
  sessionId: string;
  lastSeenAt: Date;
  /**
   * The absolute end of the session: the earlier of the end stored at sign-in and its start plus
   * the absolute lifetime configured now (see {@link findSession}).
   */
  expiresAt: Date;
  user: User;
}

/** A `users` row as {@link USER_COLUMNS} reads it. */
export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  active: boolean;
  created_at: Date;
  last_login_at: Date | null;
  password_hash?: string | null;
}

interface TokenRow {
  id: string;
  name: string;
  scopes: Scope[];
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** The columns {@link toUser} reads. */
export const USER_COLUMNS = "id, email, display_name, role, active, created_at, last_login_at";
const TOKEN_COLUMNS =
  "id, name, scopes, created_by, created_at, expires_at, revoked_at, last_used_at";

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    active: row.active,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Emails are compared and stored lower-cased and trimmed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The earliest start of a session still within the absolute lifetime `absoluteMs` at `now` (the
 * epoch when none is given: only the stored end counts).
 */
function startedAfter(now: Date, absoluteMs: number | undefined): Date {
  return new Date(absoluteMs === undefined ? 0 : now.getTime() - absoluteMs);
}

/** Every statement of the store, each run on `db` (the pool, or one transaction). */
function statementsOn(db: Queryable) {
  return {
    async findUserByEmail(
      email: string,
    ): Promise<(User & { passwordHash: string | null }) | undefined> {
      const [row] = await db.query<UserRow>(
        `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE email = $1`,
        [normalizeEmail(email)],
      );
      return row ? { ...toUser(row), passwordHash: row.password_hash ?? null } : undefined;
    },

    async findUserById(id: string): Promise<User | undefined> {
      const [row] = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [
        id,
      ]);
      return row ? toUser(row) : undefined;
    },

    async listUsers(): Promise<User[]> {
      const rows = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY email`);
      return rows.map(toUser);
    },

    async countActiveAdmins(): Promise<number> {
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND active",
      );
      return row?.n ?? 0;
    },

    async createUser(
      input: { email: string; displayName: string; role: Role; passwordHash: string | null },
    ): Promise<User> {
      try {
        const [row] = await db.query<UserRow>(
          `INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
           RETURNING ${USER_COLUMNS}`,
          [normalizeEmail(input.email), input.displayName, input.role, input.passwordHash],
        );
        return toUser(row!);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError("An account with this email already exists");
        }
        throw error;
      }
    },

    async updateUser(
      id: string,
      changes: { role?: Role; active?: boolean; displayName?: string; passwordHash?: string },
      now: Date,
    ): Promise<User> {
      const [row] = await db.query<UserRow>(
        `UPDATE users SET
           role = COALESCE($2, role),
           active = COALESCE($3, active),
           display_name = COALESCE($4, display_name),
           password_hash = COALESCE($5, password_hash),
           updated_at = $6
         WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [
          id,
          changes.role ?? null,
          changes.active ?? null,
          changes.displayName ?? null,
          changes.passwordHash ?? null,
          now,
        ],
      );
      if (!row) throw new NotFoundError("No such user");
      return toUser(row);
    },

    async recordLogin(id: string, now: Date): Promise<void> {
      await db.query("UPDATE users SET last_login_at = $2 WHERE id = $1", [id, now]);
    },

    async createSession(
      input: {
        tokenHash: string;
        userId: string;
        now: Date;
        expiresAt: Date;
      },
    ): Promise<string> {
      // No user agent (sessions.user_agent stays NULL, migration 0007): a client can put anything
      // in that header, a patient's name included, and nothing reads it back.
      const [row] = await db.query<{ id: string }>(
        `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $3, $4) RETURNING id`,
        [input.tokenHash, input.userId, input.now, input.expiresAt],
      );
      return row!.id;
    },

    /**
     * The live session for a token hash: not expired, not idle, user active. Its absolute end is
     * the earlier of `expires_at` (stored at sign-in) and `created_at` plus `absoluteMs` (the
     * lifetime configured now): lowering SESSION_ABSOLUTE_HOURS shortens the sessions that exist,
     * raising it lengthens none. Without `absoluteMs` only the stored end counts.
     */
    async findSession(
      tokenHash: string,
      now: Date,
      idleMs: number,
      absoluteMs?: number,
    ): Promise<SessionWithUser | undefined> {
      const [row] = await db.query<
        UserRow & {
          session_id: string;
          session_created_at: Date;
          last_seen_at: Date;
          expires_at: Date;
        }
      >(
        `SELECT s.id AS session_id, s.created_at AS session_created_at, s.last_seen_at, s.expires_at,
                u.id, u.email, u.display_name, u.role, u.active, u.created_at, u.last_login_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND s.created_at > $4
           AND u.active`,
        [tokenHash, now, new Date(now.getTime() - idleMs), startedAfter(now, absoluteMs)],
      );
      if (!row) return undefined;
      const configuredEnd = absoluteMs === undefined
        ? Number.POSITIVE_INFINITY
        : row.session_created_at.getTime() + absoluteMs;
      return {
        sessionId: row.session_id,
        lastSeenAt: row.last_seen_at,
        expiresAt: new Date(Math.min(row.expires_at.getTime(), configuredEnd)),
        user: toUser(row),
      };
    },

    /**
     * Replaces the session `sessionId` with a new one under `tokenHash` (a new id; the same user,
     * start and absolute end, so a renewal lengthens no lifetime; seen now) and deletes the old
     * row, in one statement. Returns
     * the new id, or undefined when the old session is gone (signed out meanwhile).
     */
    async renewSession(
      sessionId: string,
      tokenHash: string,
      now: Date,
    ): Promise<string | undefined> {
      const [row] = await db.query<{ id: string }>(
        `WITH old AS (
           DELETE FROM sessions WHERE id = $1 RETURNING user_id, created_at, expires_at
         )
         INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
         SELECT $2, user_id, created_at, $3, expires_at FROM old RETURNING id`,
        [sessionId, tokenHash, now],
      );
      return row?.id;
    },

    async touchSession(sessionId: string, now: Date): Promise<void> {
      await db.query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1", [sessionId, now]);
    },

    async deleteSession(sessionId: string): Promise<void> {
      await db.query("DELETE FROM sessions WHERE id = $1", [sessionId]);
    },

    /** Deletes the session with this secret hash; returns its id, if there was one. */
    async deleteSessionByTokenHash(tokenHash: string): Promise<string | undefined> {
      const rows = await db.query<{ id: string }>(
        "DELETE FROM sessions WHERE token_hash = $1 RETURNING id",
        [tokenHash],
      );
      return rows[0]?.id;
    },

    async deleteSessionsOfUser(userId: string): Promise<void> {
      await db.query("DELETE FROM sessions WHERE user_id = $1", [userId]);
    },

    /** Deletes the user's sessions except `keepSessionId`; returns the ids deleted. */
    async deleteOtherSessionsOfUser(userId: string, keepSessionId: string): Promise<string[]> {
      const rows = await db.query<{ id: string }>(
        "DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id",
        [userId, keepSessionId],
      );
      return rows.map((row) => row.id);
    },

    /**
     * Deletes the sessions past their stored end, idle, or (with `absoluteMs`) started longer than
     * the absolute lifetime configured now ago (as {@link findSession} refuses them).
     */
    async deleteExpiredSessions(now: Date, idleMs: number, absoluteMs?: number): Promise<number> {
      const rows = await db.query(
        `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2 OR created_at <= $3
         RETURNING id`,
        [now, new Date(now.getTime() - idleMs), startedAfter(now, absoluteMs)],
      );
      return rows.length;
    },

    /**
     * Inserts a token. With a `submissionId` already used (the same form posted again), inserts
     * nothing and answers the token that id created, with `repeated` (after that token's
     * transaction committed: the unique index makes this insert wait for it).
     */
    async createToken(
      input: {
        name: string;
        tokenHash: string;
        scopes: Scope[];
        createdBy: string | null;
        expiresAt: Date | null;
        now: Date;
        submissionId?: string;
      },
    ): Promise<ApiToken & { repeated?: true }> {
      const [row] = await db.query<TokenRow>(
        `INSERT INTO api_tokens
           (name, token_hash, scopes, created_by, expires_at, created_at, submission_id)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
         ON CONFLICT (submission_id) WHERE submission_id IS NOT NULL DO NOTHING
         RETURNING ${TOKEN_COLUMNS}`,
        [
          input.name,
          input.tokenHash,
          input.scopes,
          input.createdBy,
          input.expiresAt,
          input.now,
          input.submissionId ?? null,
        ],
      );
      if (row) return toToken(row);
      const [earlier] = await db.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE submission_id = $1`,
        [input.submissionId],
      );
      return { ...toToken(earlier!), repeated: true };
    },

    /** An unrevoked, unexpired token by hash. */
    async findActiveToken(tokenHash: string, now: Date): Promise<ApiToken | undefined> {
      const [row] = await db.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM api_tokens
         WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
        [tokenHash, now],
      );
      return row ? toToken(row) : undefined;
    },

    async touchToken(id: string, now: Date): Promise<void> {
      await db.query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", [id, now]);
    },

    async listTokens(): Promise<ApiToken[]> {
      const rows = await db.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC`,
      );
      return rows.map(toToken);
    },

    async findToken(id: string): Promise<ApiToken | undefined> {
      const [row] = await db.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`,
        [id],
      );
      return row ? toToken(row) : undefined;
    },

    /** Revokes a token; false when it did not exist or was already revoked. */
    async revokeToken(id: string, now: Date): Promise<boolean> {
      const rows = await db.query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id",
        [id, now],
      );
      return rows.length > 0;
    },

    async getThrottle(key: string): Promise<ThrottleState | undefined> {
      const [row] = await db.query<
        { failures: number; locked_until: Date | null; last_failure_at: Date }
      >(
        "SELECT failures, locked_until, last_failure_at FROM login_throttle WHERE key = $1",
        [key],
      );
      return row
        ? {
          failures: row.failures,
          lockedUntil: row.locked_until?.getTime() ?? null,
          lastFailureAt: row.last_failure_at.getTime(),
        }
        : undefined;
    },

    /**
     * Counts one sign-in attempt against `key` before its password is checked, as if it will
     * fail, in one statement: concurrent attempts each see the others' counts, so no failure
     * is lost and no more than the budget of guesses is ever checked per lock period. Not
     * admitted (nothing counted) while the key is locked. The lock follows `afterFailure`
     * in throttle.ts: at `threshold` failures, `baseLockMs`, doubling per further
     * failure up to `maxLockMs`; the count starts again after `resetAfterMs` without one.
     */
    async reserveAttempt(
      key: string,
      kind: "account" | "ip",
      policy: ThrottlePolicy,
      now: Date,
    ): Promise<{ admitted: true; lockedUntil: Date | null } | { admitted: false }> {
      const next = "CASE WHEN t.last_failure_at > $3::timestamptz - $7::float8 * interval '1 ms' " +
        "THEN t.failures + 1 ELSE 1 END";
      const lockFor = (failures: string) =>
        `CASE WHEN ${failures} >= $4::int4 THEN $3::timestamptz + LEAST($6::float8, ` +
        `$5::float8 * power(2, LEAST(${failures} - $4::int4, 30))) * interval '1 ms' END`;
      const [row] = await db.query<{ locked_until: Date | null }>(
        `INSERT INTO login_throttle AS t (key, kind, failures, locked_until, last_failure_at)
         VALUES ($1, $2, 1, ${lockFor("1")}, $3)
         ON CONFLICT (key) DO UPDATE
           SET failures = ${next}, locked_until = ${lockFor(next)}, last_failure_at = $3
           WHERE t.locked_until IS NULL OR t.locked_until <= $3
         RETURNING locked_until`,
        [
          key,
          kind,
          now,
          policy.threshold,
          policy.baseLockMs,
          policy.maxLockMs,
          policy.resetAfterMs,
        ],
      );
      return row ? { admitted: true, lockedUntil: row.locked_until } : { admitted: false };
    },

    /**
     * Takes back an attempt counted by {@link reserveAttempt} that turned out not to be a
     * failure. A lock that attempt set (`lockedUntil`, as returned) is lifted, as is any lock
     * the remaining count no longer reaches; a lock set since by a real failure stays.
     */
    async releaseAttempt(
      key: string,
      policy: ThrottlePolicy,
      lockedUntil: Date | null,
    ): Promise<void> {
      await db.query(
        `UPDATE login_throttle SET
           failures = failures - 1,
           locked_until = CASE WHEN failures - 1 < $2 OR locked_until = $3 THEN NULL
                               ELSE locked_until END
         WHERE key = $1 AND failures > 0`,
        [key, policy.threshold, lockedUntil],
      );
      await db.query("DELETE FROM login_throttle WHERE key = $1 AND failures = 0", [key]);
    },

    /**
     * Deletes the throttle rows with no lock in force at `now` whose last failure is at or before
     * `lastFailureBefore`; returns how many.
     */
    async deleteStaleThrottles(lastFailureBefore: Date, now: Date): Promise<number> {
      const rows = await db.query(
        `DELETE FROM login_throttle
         WHERE last_failure_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)
         RETURNING 1`,
        [lastFailureBefore, now],
      );
      return rows.length;
    },

    /** Deletes the throttle row of `key` (its count and any lock); whether there was one. */
    async clearThrottle(key: string): Promise<boolean> {
      const rows = await db.query("DELETE FROM login_throttle WHERE key = $1 RETURNING 1", [key]);
      return rows.length > 0;
    },

    async listLocks(
      now: Date,
    ): Promise<
      Array<{ key: string; kind: "account" | "ip"; failures: number; lockedUntil: Date }>
    > {
      const rows = await db.query<
        { key: string; kind: "account" | "ip"; failures: number; locked_until: Date }
      >(
        "SELECT key, kind, failures, locked_until FROM login_throttle WHERE locked_until > $1 ORDER BY locked_until DESC",
        [now],
      );
      return rows.map((r) => ({
        key: r.key.trim(),
        kind: r.kind,
        failures: r.failures,
        lockedUntil: r.locked_until,
      }));
    },
  };
}

/** The store's statements on one open transaction, and that transaction (for the audit entry). */
export type AuthTransaction = ReturnType<typeof statementsOn> & {
  /** The transaction itself: pass it to `audit.record(entry, tx)`. */
  readonly tx: Connection;
  /** {@link changeUserKeepingAnAdmin} on this transaction. */
  changeUserKeepingAnAdmin(
    id: string,
    changes: UserChanges,
    now: Date,
    allow?: (before: User) => boolean,
  ): Promise<ChangeUserResult>;
};

/** What an administrator may change on an account. */
export type UserChanges = { role?: Role; active?: boolean; displayName?: string };

/** The outcome of {@link AuthTransaction.changeUserKeepingAnAdmin}. */
export type ChangeUserResult =
  | { kind: "changed"; before: User; after: User }
  /** Every named field already had its value: nothing was written. */
  | { kind: "unchanged"; user: User }
  | { kind: "not_found" }
  | { kind: "last_admin" }
  | { kind: "refused" };

/**
 * Changes role, active flag and/or name, ending the user's sessions when deactivated, and
 * refuses (`last_admin`) a change that would leave no active ADMIN. Runs in the caller's
 * transaction and first locks every active ADMIN row (in id order, so two of them cannot
 * deadlock): a concurrent demotion of another admin waits for this transaction, then no longer
 * finds the row among the active admins and counts one fewer.
 */
async function changeUserKeepingAnAdmin(
  tx: Connection,
  id: string,
  changes: UserChanges,
  now: Date,
  /** Checked against the locked row; false refuses the change (`refused`). */
  allow: (before: User) => boolean = () => true,
): Promise<ChangeUserResult> {
  const admins = await tx.query<{ id: string }>(
    "SELECT id FROM users WHERE role = 'ADMIN' AND active ORDER BY id FOR UPDATE",
  );
  const [row] = await tx.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) return { kind: "not_found" };
  const before = toUser(row);
  // Setting what the account already has is no change: nothing to refuse, write or audit.
  if (
    (changes.role === undefined || changes.role === before.role) &&
    (changes.active === undefined || changes.active === before.active) &&
    (changes.displayName === undefined || changes.displayName === before.displayName)
  ) return { kind: "unchanged", user: before };
  if (!allow(before)) return { kind: "refused" };
  const losesAdmin = before.role === "ADMIN" && before.active &&
    ((changes.role !== undefined && changes.role !== "ADMIN") || changes.active === false);
  if (losesAdmin && admins.length <= 1) return { kind: "last_admin" };
  const [updated] = await tx.query<UserRow>(
    `UPDATE users SET
       role = COALESCE($2, role),
       active = COALESCE($3, active),
       display_name = COALESCE($4, display_name),
       updated_at = $5
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, changes.role ?? null, changes.active ?? null, changes.displayName ?? null, now],
  );
  if (changes.active === false) {
    await tx.query("DELETE FROM sessions WHERE user_id = $1", [id]);
  }
  return { kind: "changed", before, after: toUser(updated!) };
}

/**
 * The auth store over a database: its statements on the pool, and transactions (where audited
 * changes, and {@link changeUserKeepingAnAdmin}, run).
 */
export function createAuthStore(db: Db) {
  return {
    ...statementsOn(db),

    /**
     * Runs `fn` in one transaction with the store's statements on it: commits when `fn`
     * resolves, rolls back when it throws. Write the change's audit entry on `tx` inside `fn`.
     * Nothing in `fn` may use the pool (embedded PGlite has one connection, held by `fn`).
     */
    transaction<T>(fn: (store: AuthTransaction) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        fn({
          ...statementsOn(tx),
          tx,
          changeUserKeepingAnAdmin: (...args) => changeUserKeepingAnAdmin(tx, ...args),
        })
      );
    },
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;
