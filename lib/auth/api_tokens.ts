/**
 * API tokens: the lookup of a token secret (with its "last used" write and the answer from memory
 * while the database cannot give one), creation with a secret shown once, and revocation.
 */
import type { AuditActor, AuditLog } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors/mod.ts";
import { settlesWithin, type TimeoutTimers } from "../timeout.ts";
import { AuthUnavailableError, LOOKUP_WAIT_MS } from "./credential_lookup.ts";
import { TOUCH_INTERVAL_MS, type TouchInBackground } from "./credential_touch.ts";
import type { CredentialsEndedAnnouncer } from "./credentials_ended_announcer.ts";
import type { Scope, TokenPrincipal } from "./principal.ts";
import type { ApiToken, AuthStore } from "./store.ts";
import { tokenNameProblem } from "./token_name.ts";
import { API_TOKEN_PREFIX, hashSecret, randomSecret } from "./tokens.ts";
import type { VerifiedCache } from "./verified_cache.ts";

/**
 * The create form's submission id was used already, by this actor: the token it created is
 * `tokenId` (its secret went to that first post's answer). Not an error to show: the form's route
 * leads to that token.
 */
export class RepeatedSubmissionError extends Error {
  override name = "RepeatedSubmissionError";
  constructor(readonly tokenId: string) {
    super("The form was posted again");
  }
}

export interface ApiTokensOptions {
  store: AuthStore;
  audit: AuditLog;
  clock: Clock;
  /** This instance's memory of verified API tokens. */
  tokenCache: VerifiedCache<TokenPrincipal>;
  touchInBackground: TouchInBackground;
  ending: CredentialsEndedAnnouncer["ending"];
  mayRecall: CredentialsEndedAnnouncer["mayRecall"];
  /** See AuthServiceOptions.databaseFailing. */
  databaseFailing: () => boolean;
  /** The timer bounding a lookup's wait while the database is failing. */
  timers?: TimeoutTimers | undefined;
}

export function createApiTokens(options: ApiTokensOptions) {
  const { store, audit, clock, tokenCache, touchInBackground, ending, mayRecall } = options;
  const { databaseFailing } = options;
  const lookupTimers = options.timers;
  const now = () => new Date(clock.now());

  return {
    /**
     * The principal of an API token secret, or undefined when unknown, revoked or expired.
     * While the database cannot answer, a token verified in the last few minutes is accepted
     * (flag clients keep working from the snapshot); otherwise {@link AuthUnavailableError}.
     */
    async authenticateToken(secret: string): Promise<TokenPrincipal | undefined> {
      if (!secret.startsWith(API_TOKEN_PREFIX)) return undefined;
      const at = now();
      const hash = await hashSecret(secret);
      const mark = tokenCache.mark();
      const lookup = Promise.resolve().then(() => store.findActiveToken(hash, at));
      let token;
      try {
        if (
          databaseFailing() && !await settlesWithin(lookup, LOOKUP_WAIT_MS, lookupTimers)
        ) {
          // The database is failing and slow to answer (a cut network path, a stalled
          // connection, the driver's reconnect backoff): a token verified recently answers from
          // memory now, under the same rule as when the lookup fails (not invalidated, within
          // its time). Merely slow, it is waited for: its answer decides.
          const cached = mayRecall() ? tokenCache.recall(hash) : undefined;
          if (cached) {
            // A late answer that the token is gone (revoked, expired) still takes it out.
            lookup.then((late) => {
              if (!late) tokenCache.forget(hash);
            }, () => {});
            return cached;
          }
        }
        token = await lookup;
      } catch {
        const cached = mayRecall() ? tokenCache.recall(hash) : undefined;
        if (cached) return cached;
        throw new AuthUnavailableError();
      }
      if (!token) {
        tokenCache.forget(hash);
        return undefined;
      }
      if (!token.lastUsedAt || at.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
        const { id } = token;
        touchInBackground(`token:${id}`, () => store.touchToken(id, at));
      }
      const principal: TokenPrincipal = {
        kind: "token",
        id: token.id,
        name: token.name,
        scopes: token.scopes,
      };
      tokenCache.remember(hash, principal, token.expiresAt?.getTime() ?? null, mark);
      return principal;
    },

    /**
     * Creates an API token; the secret is returned once and only its hash is stored. With a
     * `submissionId` (the create form's) already used by this actor, creates nothing and throws
     * {@link RepeatedSubmissionError} naming the token it created; used by another, a conflict.
     */
    async createToken(
      input: {
        name: string;
        scopes: Scope[];
        expiresAt?: Date | null;
        submissionId?: string;
        /**
         * Keeps the secret for the page that shows it (the reveal store), before the token's
         * transaction commits: a repeated submission waits for that commit, so the page its
         * answer leads to finds the secret kept. Answers whether it was kept.
         */
        keepSecret?: (tokenId: string, secret: string) => Promise<boolean>;
      },
      actor: AuditActor,
      requestId?: string,
    ): Promise<{ token: ApiToken; secret: string; kept?: boolean }> {
      // The API and the page check the name first (zod); this holds every other caller to it.
      const nameProblem = tokenNameProblem(input.name);
      if (nameProblem !== undefined) {
        throw new ValidationError(
          `Token name: ${nameProblem.charAt(0).toLowerCase()}${nameProblem.slice(1)}`,
          [{
            path: "$.name",
            message: nameProblem,
          }],
        );
      }
      if (input.expiresAt && expiryInPast(input.expiresAt, clock.now())) {
        throw new ValidationError("The expiry must be in the future", [{
          path: "$.expiresAt",
          message: "Must be in the future",
        }]);
      }
      const secret = randomSecret(API_TOKEN_PREFIX);
      const tokenHash = await hashSecret(secret);
      // Without its audit entry no token exists, so no secret is ever handed out for one.
      const createdBy = actor.type === "user" ? actor.id ?? null : null;
      let kept = false;
      const token = await store.transaction(async (tx) => {
        const token = await tx.createToken({
          name: input.name,
          tokenHash,
          scopes: [...new Set(input.scopes)],
          createdBy,
          expiresAt: input.expiresAt ?? null,
          now: now(),
          ...(input.submissionId ? { submissionId: input.submissionId } : {}),
        });
        if (token.repeated) {
          // Nothing was written; the id names no token of this actor's otherwise.
          if (token.createdBy !== createdBy) {
            throw new ConflictError("This form was already used; reload the page and try again");
          }
          throw new RepeatedSubmissionError(token.id);
        }
        await audit.record({
          actor,
          action: "token.create",
          target: { type: "api_token", id: token.id },
          after: {
            name: token.name,
            scopes: token.scopes,
            expiresAt: token.expiresAt?.toISOString() ?? null,
          },
          requestId,
        }, tx.tx);
        if (input.keepSecret) kept = await input.keepSecret(token.id, secret).catch(() => false);
        return token;
      });
      return { token, secret, ...(input.keepSecret ? { kept } : {}) };
    },

    async revokeToken(id: string, actor: AuditActor, requestId?: string): Promise<void> {
      // Also when the database failed: no instance accepts the token from memory either way.
      const outcome = await ending(
        () => tokenCache.invalidate((cached) => cached.id === id),
        // Already revoked: announced again, as the first announcement may not have reached the
        // instances (`deno task user` exit 3 says to repeat the command). Unknown: nothing ended.
        (outcome) =>
          !outcome.committed || outcome.value !== "not_found"
            ? { ended: "api_token", ids: [id] }
            : undefined,
        () =>
          store.transaction(async (tx) => {
            if (!await tx.revokeToken(id, now())) {
              // Already revoked (idempotent, nothing to record) or unknown.
              return await tx.findToken(id) ? "already_revoked" : "not_found";
            }
            await audit.record({
              actor,
              action: "token.revoke",
              target: { type: "api_token", id },
              requestId,
            }, tx.tx);
            return "revoked";
          }),
      );
      if (outcome === "not_found") throw new NotFoundError("No such API token");
    },

    listTokens: () => store.listTokens(),
  };
}

/**
 * Whether `expiresAt` is not after `now` (ms): a token that would expire at once. Pure; the
 * create form asks it with its other checks, so every refused field is named in one round.
 */
export function expiryInPast(expiresAt: Date, now: number): boolean {
  return expiresAt.getTime() <= now;
}
