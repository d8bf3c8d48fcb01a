/**
 * What docs/analytics.md tells an operator about a departed user holds: accounts are deactivated,
 * never deleted (no promise of an "account deletion" that no API, page or command offers);
 * deactivation keeps the account's analytics events; an administrator can then erase them, also
 * for the deactivated account. PGlite.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const DOC = new URL("../docs/analytics.md", import.meta.url);

Deno.test("docs/analytics.md promises no account deletion and names the departed-user steps", async () => {
  const doc = await Deno.readTextFile(DOC);
  const flat = doc.replace(/\s+/g, " ");
  assert.doesNotMatch(flat, /account deletion/i);
  assert.doesNotMatch(flat, /when the account is deleted/i);
  assert.doesNotMatch(flat, /leave only with the account/i);
  assert.match(flat, /Accounts are deactivated, never deleted/);
  assert.match(flat, /deno task user deactivate/);
  assert.match(flat, /A departed user/);
});

Deno.test("a deactivated account keeps its analytics events until an administrator erases them", async () => {
  const app = await buildTestApp({ testDb: await dbTargets()[0]!.open() });
  try {
    const user = await consentedUser(app);
    const sent = await postEvents(app, user, [
      { eventId: crypto.randomUUID(), eventName: "ui.page_view", properties: { page: "home" } },
    ]);
    assert.equal(sent.accepted, 1);
    const admin = await signInAs(app, "ADMIN");
    const count = async () =>
      (await app.db.query<{ n: number }>(
        "SELECT count(*)::int8 AS n FROM analytics_events WHERE user_id = $1",
        [user.user.id],
      ))[0]!.n;

    const off = await app.request(`/api/admin/users/${user.user.id}`, {
      method: "PATCH",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ active: false }),
    });
    assert.equal(off.status, 200);
    await off.body?.cancel();
    assert.equal(Number(await count()), 1); // deactivation deletes nothing

    const erase = await app.request(`/api/analytics/users/${user.user.id}/events`, {
      method: "DELETE",
      headers: admin.headers(),
    });
    assert.equal(erase.status, 200);
    await erase.body?.cancel();
    assert.equal(Number(await count()), 0);
  } finally {
    await app.dispose();
  }
});
