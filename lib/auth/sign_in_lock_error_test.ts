import assert from "node:assert/strict";
import { RateLimitedError } from "../errors/mod.ts";
import { lockedError, SignInLockedError } from "./sign_in_lock_error.ts";

Deno.test("lockedError() names the account's lock as the user's own wrong passwords", () => {
  const error = lockedError({ scope: "account", retryAfter: 60 });
  assert.ok(error instanceof SignInLockedError);
  assert.ok(error instanceof RateLimitedError);
  assert.equal(error.code, "RATE_LIMITED");
  assert.equal(error.scope, "account");
  assert.equal(error.details.retryAfterSeconds, 60);
  assert.equal(
    error.message,
    "Too many wrong passwords for this account; try again later, or ask an administrator to " +
      "clear the lock",
  );
});

Deno.test("lockedError() names the address's lock as the network address, not the account", () => {
  const error = lockedError({ scope: "address", retryAfter: 120 });
  assert.equal(error.scope, "address");
  assert.equal(error.details.retryAfterSeconds, 120);
  assert.equal(
    error.message,
    "Too many failed sign-ins from your network address; try again later, or ask an " +
      "administrator to clear the lock for that address",
  );
  assert.doesNotMatch(error.message, /account/);
});
