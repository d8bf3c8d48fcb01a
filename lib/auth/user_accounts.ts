/**
 * User accounts: creation, changes of role, active flag and display name (which end or alter the
 * user's sessions everywhere), and their lookup.
 */
import type { AuditActor, AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { ForbiddenError, ModeStandbyError, NotFoundError, ValidationError } from "../errors/mod.ts";
import { isAcceptedEmail } from "./account_rules.ts";
import type { CredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import { displayNameProblem } from "./display_name.ts";
import { onlyReducesAccess, type Role } from "./principal.ts";
import { type AuthStore, normalizeEmail, type User } from "./store.ts";

/** Why the last active ADMIN's demotion or deactivation is refused, and the way forward. */
export const LAST_ADMIN_MESSAGE = "The last active administrator cannot be demoted or " +
  "deactivated: make another account ADMIN first, then change this one";

/** What a change to an account naming no field is told, by the API and the service alike. */
export const EMPTY_USER_CHANGE_MESSAGE =
  "Name at least one field to change: role, active or displayName";

/**
 * Refuses a display name that holds more than a person's name (an MRN, a date, a phone
 * number…), before anything is stored: VALIDATION_FAILED on `$.displayName`.
 */
export function checkDisplayName(name: string | undefined): void {
  if (name === undefined) return;
  const problem = displayNameProblem(name);
  if (problem) {
    throw new ValidationError(problem.message, [{
      path: "$.displayName",
      message: problem.fieldMessage,
    }]);
  }
}

export interface UserAccountsOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  /** A new password checked against the account rules and hashed (lib/auth/password_changes.ts). */
  validNewPassword: (password: string) => Promise<string>;
  endingSessionsOf: CredentialsEndedAnnouncer["endingSessionsOf"];
}

export function createUserAccounts(options: UserAccountsOptions) {
  const { store, audit, clock, validNewPassword, endingSessionsOf } = options;
  const now = () => new Date(clock.now());

  return {
    async createUser(
      input: { email: string; displayName?: string; role: Role; password?: string },
      actor: AuditActor,
      requestId?: string,
    ): Promise<User> {
      const email = normalizeEmail(input.email);
      if (!isAcceptedEmail(email)) {
        throw new ValidationError("The email address is not valid", [{
          path: "$.email",
          message: "Not an email address",
        }]);
      }
      const displayName = input.displayName?.trim() ?? "";
      checkDisplayName(displayName);
      const passwordHash = input.password === undefined
        ? null
        : await validNewPassword(input.password);
      return await store.transaction(async (tx) => {
        const user = await tx.createUser({
          email,
          displayName,
          role: input.role,
          passwordHash,
        });
        await audit.record({
          actor,
          action: "user.create",
          target: { type: "user", id: user.id },
          after: { role: user.role, active: user.active },
          requestId,
        }, tx.tx);
        return user;
      });
    },

    /**
     * Changes role, active flag and/or display name (a name only: see lib/auth/display_name.ts);
     * refuses a change naming no field and to remove the last active ADMIN. Values the account
     * already has are no change (`changed: false`, nothing audited). With
     * `onlyReducingAccess` (STANDBY) anything but a deactivation or demotion is refused with
     * MODE_STANDBY, checked against the locked row.
     */
    async updateUser(
      id: string,
      changes: { role?: Role; active?: boolean; displayName?: string },
      actor: AuditActor,
      requestId?: string,
      options: {
        onlyReducingAccess?: boolean;
        /**
         * Announce a deactivation or role change found already made, as if made now: for
         * `deno task user`, whose exit 3 says to repeat the command when its first announcement
         * could not be sent. Not for the pages and the API: the announcement also ends the
         * user's open event streams, which a change to the values they have must not do.
         */
        announceUnchanged?: boolean;
      } = {},
    ): Promise<{ user: User; changed: boolean }> {
      // Stored trimmed, as a new account's name is; compared trimmed (" Ann" is no change).
      if (changes.displayName !== undefined) {
        changes = { ...changes, displayName: changes.displayName.trim() };
      }
      if (Object.values(changes).every((value) => value === undefined)) {
        throw new ValidationError(EMPTY_USER_CHANGE_MESSAGE, [
          { path: "$", message: EMPTY_USER_CHANGE_MESSAGE },
        ]);
      }
      checkDisplayName(changes.displayName);
      // Check, change and audit entry in one locking transaction: two admins demoting each other
      // (or themselves) at the same moment must not both see the other one still active. The
      // cached principal carries the role and stands for an active user: it is forgotten.
      const result = await endingSessionsOf(id, () =>
        store.transaction(async (tx) => {
          const result = await tx.changeUserKeepingAnAdmin(
            id,
            changes,
            now(),
            options.onlyReducingAccess ? (before) => onlyReducesAccess(before, changes) : undefined,
          );
          if (result.kind !== "changed") return result;
          const { before, after } = result;
          await audit.record({
            actor,
            // What changed, not which fields were sent: a rename sent with the account's own role
            // is no role change (a restore's redo list reads these actions).
            action: before.active && !after.active
              ? "user.deactivate"
              : before.role !== after.role
              ? "user.role_change"
              : "user.update",
            target: { type: "user", id },
            before: { role: before.role, active: before.active },
            // That the name changed (the field's name), never the names: the audit log cannot
            // be purged. (A key with "name" in it would be redacted by the audit log's scrubber.)
            after: {
              role: after.role,
              active: after.active,
              ...(before.displayName !== after.displayName ? { changed: ["displayName"] } : {}),
            },
            requestId,
          }, tx.tx);
          return result;
        }), (result) =>
        result.kind === "changed"
          // Only the name changed: no credential ended anywhere.
          ? result.before.role !== result.after.role || result.before.active !== result.after.active
          // A deactivation or role change found already made, announced again when asked
          // (announceUnchanged). Refused or not found: nothing ended.
          : result.kind === "unchanged" && options.announceUnchanged === true &&
            (changes.active === false || changes.role !== undefined));
      if (result.kind === "not_found") throw new NotFoundError("No such user");
      if (result.kind === "refused") {
        throw new ModeStandbyError(
          "In STANDBY an account can only be deactivated or demoted; other changes wait",
        );
      }
      if (result.kind === "last_admin") {
        throw new ForbiddenError(LAST_ADMIN_MESSAGE);
      }
      if (result.kind === "unchanged") return { user: result.user, changed: false };
      return { user: result.after, changed: true };
    },

    listUsers: () => store.listUsers(),
    findUserByEmail: async (email: string) => {
      const user = await store.findUserByEmail(email);
      if (!user) return undefined;
      const { passwordHash: _hash, ...rest } = user;
      return rest as User;
    },
  };
}
