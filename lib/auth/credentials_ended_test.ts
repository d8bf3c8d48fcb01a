import assert from "node:assert/strict";
import { payloadRefusal } from "../realtime/payload_guard.ts";
import type { EventPayload } from "../realtime/types.ts";
import {
  ALL_ENDED,
  credentialsEndedMessage,
  endsSession,
  endsToken,
  readCredentialsEnded,
} from "./credentials_ended.ts";
import type { TokenPrincipal, UserPrincipal } from "./principal.ts";

const user = (id: string, sessionId: string): UserPrincipal => ({
  kind: "user",
  id,
  email: `${id}@example.org`,
  displayName: "",
  role: "RESEARCHER",
  sessionId,
  csrfToken: "c",
});
const token = (id: string): TokenPrincipal => ({ kind: "token", id, name: "svc", scopes: [] });

Deno.test("credentialsEndedMessage() carries the scope and ids only, and passes the bus's payload guard", () => {
  for (const scope of ["user", "session", "api_token"] as const) {
    const message = credentialsEndedMessage({
      ended: scope,
      ids: ["3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"],
    });
    assert.deepEqual(message, {
      kind: "auth.credentials_ended",
      payload: { ended: scope, ids: ["3f1c0a52-8d7e-4b8e-9a34-2c1d5e6f7a8b"] },
    });
    assert.equal(payloadRefusal(message.payload), undefined);
  }
  assert.equal(payloadRefusal(credentialsEndedMessage(ALL_ENDED).payload), undefined);
});

Deno.test("readCredentialsEnded() reads what credentialsEndedMessage() wrote, and anything else as everything ended", () => {
  const written = credentialsEndedMessage({ ended: "session", ids: ["s1", "s2"] });
  assert.deepEqual(readCredentialsEnded(written.payload), { ended: "session", ids: ["s1", "s2"] });
  assert.deepEqual(readCredentialsEnded({ ended: "all", ids: [] }), ALL_ENDED);
  for (
    const payload of <EventPayload[]> [
      {},
      { ended: "users", ids: ["u1"] },
      { ended: "user", ids: "u1" },
      { ended: "user", ids: [1] },
      { ended: "user", ids: [] },
      { ended: 3, ids: ["u1"] },
    ]
  ) {
    assert.deepEqual(readCredentialsEnded(payload), ALL_ENDED, JSON.stringify(payload));
  }
});

Deno.test("endsSession() and endsToken() match exactly the credentials a message names", () => {
  const alice1 = user("alice", "s1");
  const alice2 = user("alice", "s2");
  const bob = user("bob", "s3");
  const t1 = token("t1");
  const t2 = token("t2");
  const sessions = (e: Parameters<typeof endsSession>[0]) =>
    [alice1, alice2, bob].filter(endsSession(e)).map((p) => p.sessionId);
  const tokens = (e: Parameters<typeof endsToken>[0]) =>
    [t1, t2].filter(endsToken(e)).map((p) => p.id);
  assert.deepEqual(sessions({ ended: "user", ids: ["alice"] }), ["s1", "s2"]);
  assert.deepEqual(tokens({ ended: "user", ids: ["alice"] }), []);
  assert.deepEqual(sessions({ ended: "session", ids: ["s2"] }), ["s2"]);
  assert.deepEqual(
    tokens({ ended: "session", ids: ["t1"] }),
    [],
    "a session id never ends a token",
  );
  assert.deepEqual(sessions({ ended: "api_token", ids: ["alice", "s1"] }), []);
  assert.deepEqual(tokens({ ended: "api_token", ids: ["t2"] }), ["t2"]);
  assert.deepEqual(sessions(ALL_ENDED), ["s1", "s2", "s3"]);
  assert.deepEqual(tokens(ALL_ENDED), ["t1", "t2"]);
});
