/**
 * The consent banner's pure parts: what counts as this tab's own unconfirmed choice when a
 * look-up finds it stored (a "No thanks" over a grant to an older policy text is stored as
 * revoked), and what an unconfirmed choice is told.
 */
import assert from "node:assert/strict";
import { isOwnChoice, unconfirmedNote } from "./ConsentBanner.tsx";

Deno.test("consent banner: a stored state is this tab's own unconfirmed choice when it means the same", () => {
  assert.equal(isOwnChoice("granted", "granted"), true);
  assert.equal(isOwnChoice("declined", "declined"), true);
  // "No thanks" where a grant to an older policy text was in force withdraws it.
  assert.equal(isOwnChoice("declined", "revoked"), true);
  assert.equal(isOwnChoice("granted", "declined"), false);
  assert.equal(isOwnChoice("granted", "revoked"), false);
  assert.equal(isOwnChoice("declined", "granted"), false);
  assert.equal(isOwnChoice(null, "granted"), false);
  assert.equal(isOwnChoice(null, "declined"), false);
});

Deno.test("consent banner: 'not saved' only when it cannot have been (offline, 429); else 'may not'", () => {
  assert.match(unconfirmedNote(null, true)!, /was not saved: this device is offline/);
  assert.match(unconfirmedNote(null)!, /may not have been saved: the server did not answer/);
  assert.match(unconfirmedNote(429)!, /was not saved: too many requests/);
  assert.match(unconfirmedNote(502)!, /may not have been saved/);
  assert.equal(unconfirmedNote(403), null);
  assert.equal(unconfirmedNote(400), null);
});
