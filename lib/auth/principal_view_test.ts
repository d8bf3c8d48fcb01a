import assert from "node:assert/strict";
import { principalView, toPrincipal } from "./principal_view.ts";
import { csrfTokenFor } from "./tokens.ts";

const user = {
  id: "u1",
  email: "ada@example.org",
  displayName: "Ada",
  role: "RESEARCHER" as const,
  active: true,
  createdAt: new Date(0),
  lastLoginAt: null,
};

Deno.test("toPrincipal() carries the session and the CSRF token derived from its secret", async () => {
  const principal = await toPrincipal(user, "s1", "the-secret");
  assert.deepEqual(principal, {
    kind: "user",
    id: "u1",
    email: "ada@example.org",
    displayName: "Ada",
    role: "RESEARCHER",
    sessionId: "s1",
    csrfToken: await csrfTokenFor("the-secret"),
  });
});

Deno.test("principalView() shows the user and CSRF token, never the session's id", async () => {
  const view = principalView(await toPrincipal(user, "s1", "the-secret"));
  assert.deepEqual(view, {
    user: { id: "u1", email: "ada@example.org", role: "RESEARCHER", displayName: "Ada" },
    csrfToken: await csrfTokenFor("the-secret"),
  });
  assert.equal("sessionId" in view, false);
  assert.equal("sessionId" in view.user, false);
});
