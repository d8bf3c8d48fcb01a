/**
 * "These credentials ended": the message an instance sends the others when a session, a user's
 * sessions or an API token stop being valid, so none of them keeps serving it from its memory of
 * verified credentials during a database outage. Pure: building, reading and matching.
 *
 * The payload holds one scope and opaque row ids only — never a secret, a hash of one, a name or
 * an email — and passes the event bus's payload guard. (Token ids travel under `ids` with scope
 * `api_token`: a key naming a token is refused by that guard, rightly.) Scope `all` carries no id
 * and ends everything remembered; it is sent when an id-carrying message cannot be.
 */
import type { EventPayload, InternalMessage } from "../realtime/types.ts";
import type { Principal, TokenPrincipal, UserPrincipal } from "./principal.ts";

/** The internal message kind. */
export const CREDENTIALS_ENDED = "auth.credentials_ended" as const;

/** What ended: every session of users, single sessions, API tokens, or everything. */
export type EndedScope = "user" | "session" | "api_token" | "all";

export interface CredentialsEnded {
  ended: EndedScope;
  /** User, session or API token row ids (none for `all`). */
  ids: string[];
}

const SCOPES: readonly string[] = ["user", "session", "api_token", "all"];

/** Everything remembered ends. */
export const ALL_ENDED: CredentialsEnded = { ended: "all", ids: [] };

/** The internal message announcing `ended` to the other instances. */
export function credentialsEndedMessage(ended: CredentialsEnded): InternalMessage {
  return { kind: CREDENTIALS_ENDED, payload: { ended: ended.ended, ids: [...ended.ids] } };
}

/**
 * Reads a received payload. Anything not exactly of the expected shape reads as {@link ALL_ENDED}:
 * a message that cannot be understood must still end what it may have been about.
 */
export function readCredentialsEnded(payload: EventPayload): CredentialsEnded {
  const { ended, ids } = payload;
  if (typeof ended !== "string" || !SCOPES.includes(ended) || !Array.isArray(ids)) {
    return ALL_ENDED;
  }
  if (!ids.every((id): id is string => typeof id === "string")) return ALL_ENDED;
  if (ended !== "all" && ids.length === 0) return ALL_ENDED;
  return { ended: ended as EndedScope, ids };
}

/** Whether a remembered session principal is one of those that ended. */
export function endsSession(ended: CredentialsEnded): (principal: UserPrincipal) => boolean {
  const ids = new Set(ended.ids);
  switch (ended.ended) {
    case "all":
      return () => true;
    case "user":
      return (principal) => ids.has(principal.id);
    case "session":
      return (principal) => ids.has(principal.sessionId);
    case "api_token":
      return () => false;
  }
}

/** Whether a remembered API token principal is one of those that ended. */
export function endsToken(ended: CredentialsEnded): (principal: TokenPrincipal) => boolean {
  const ids = new Set(ended.ids);
  switch (ended.ended) {
    case "all":
      return () => true;
    case "api_token":
      return (principal) => ids.has(principal.id);
    case "user":
    case "session":
      return () => false;
  }
}

/**
 * Whether a session or API token principal is one of those that ended: what an event stream
 * opened with it is matched against (a session's by its user and session, a token's by its id).
 */
export function endsPrincipal(ended: CredentialsEnded): (principal: Principal) => boolean {
  const session = endsSession(ended);
  const token = endsToken(ended);
  return (principal) => principal.kind === "user" ? session(principal) : token(principal);
}
