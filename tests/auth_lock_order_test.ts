/**
 * A sign-in that replaces the user's previous session, at the moment an administrator resets the
 * user's password or deactivates them (real Postgres: PGlite has one connection and no lock
 * waits). The sign-in's transaction is paused at one of its statements while the other change
 * starts; both must complete. When the sign-in locked a session row before the user's row and the
 * reset or deactivation the user's row before the sessions, Postgres broke the deadlock by
 * failing the administrator's change (40P01, answered as a 500).
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../lib/auth/mod.ts";
import { systemClock } from "../lib/clock.ts";
import type { Connection, Db } from "../lib/db/mod.ts";
import { TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { TEST_PASSWORD as PASSWORD } from "./helpers/auth.ts";
import { freshPostgres } from "./helpers/db.ts";
import { hasPostgres } from "./helpers/env.ts";

const SYSTEM = { type: "system" as const };
const META = { ip: "198.51.100.7", userAgent: null };

/** The sign-in's statements the pause is tried at (every one that takes a row lock). */
const PAUSE_AT = ["UPDATE users SET last_login_at", "DELETE FROM sessions", "INSERT INTO sessions"];

for (const change of ["reset", "deactivate"] as const) {
  for (const at of PAUSE_AT) {
    Deno.test({
      name:
        `[postgres] a sign-in replacing a session, paused at '${at}', and a ${change} of the same user both complete`,
      ignore: !hasPostgres(),
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const target = await freshPostgres();
        // The service's transactions run through a connection that can pause before a statement.
        let beforeStatement: ((text: string) => Promise<void>) | undefined;
        const pausable = (connection: Connection): Connection => ({
          async query(text, params) {
            await beforeStatement?.(text);
            return await connection.query(text, params);
          },
          exec: (script) => connection.exec(script),
        });
        const db: Db = {
          ...target.db,
          transaction: (fn) => target.db.transaction((tx) => fn(pausable(tx))),
        };
        const auth = createAuthService({
          store: createAuthStore(db),
          audit: createAuditLog({ db }),
          clock: systemClock,
          sessionIdleMinutes: 30,
          sessionAbsoluteHours: 12,
          passwordParams: TEST_PASSWORD_PARAMS,
        });
        try {
          await auth.createUser(
            { email: "admin@example.org", role: "ADMIN", password: PASSWORD },
            SYSTEM,
          );
          const user = await auth.createUser(
            { email: "user@example.org", role: "RESEARCHER", password: PASSWORD },
            SYSTEM,
          );
          const first = await auth.signIn("user@example.org", PASSWORD, META);
          let other: Promise<unknown> | undefined;
          let started!: () => void;
          const otherStarted = new Promise<void>((resolve) => started = resolve);
          beforeStatement = async (text) => {
            if (!text.trimStart().startsWith(at)) return;
            beforeStatement = undefined;
            other = change === "reset"
              ? auth.resetPassword(user.id, "another long password 2", SYSTEM)
              : auth.updateUser(user.id, { active: false }, SYSTEM);
            started();
            // Long enough for the other change to take its first locks.
            await new Promise((resolve) => setTimeout(resolve, 300));
          };
          const [signIn, administrator] = await Promise.allSettled([
            auth.signIn("user@example.org", PASSWORD, {
              ...META,
              previousSessionSecret: first.sessionSecret,
            }),
            otherStarted.then(() => other),
          ]);
          const failure = (result: PromiseSettledResult<unknown>) =>
            result.status === "rejected"
              ? `${(result.reason as Error).name} ${(result.reason as { code?: string }).code}`
              : "completed";
          assert.equal(failure(administrator), "completed", `the ${change}`);
          assert.equal(failure(signIn), "completed", "the sign-in");
        } finally {
          auth.close();
          await target.cleanup();
        }
      },
    });
  }
}
