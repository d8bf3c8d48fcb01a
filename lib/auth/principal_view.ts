/** A signed-in user's principal: built from their account and session, and shown to them. */
import type { UserPrincipal } from "./principal.ts";
import type { User } from "./store.ts";
import { csrfTokenFor } from "./tokens.ts";

/** The principal of `user` signed in with session `sessionId`, under the session's `secret`. */
export async function toPrincipal(
  user: User,
  sessionId: string,
  secret: string,
): Promise<UserPrincipal> {
  return {
    kind: "user",
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    sessionId,
    csrfToken: await csrfTokenFor(secret),
  };
}

/** The current user's session view, also used by `GET /api/auth/session`. */
export function principalView(principal: UserPrincipal) {
  return {
    user: {
      id: principal.id,
      email: principal.email,
      role: principal.role,
      displayName: principal.displayName,
    },
    csrfToken: principal.csrfToken,
  };
}
