import assert from "node:assert/strict";
import {
  createDummyVerifier,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from "./password.ts";
import { ACCOUNT_POLICY, afterFailure, IP_POLICY, lockRemainingSeconds } from "./throttle.ts";

const FAST = { logN: 10, r: 8, p: 1 };

Deno.test("hashPassword() stores scrypt parameters and salt; verifyPassword() accepts only the right password", async () => {
  const hash = await hashPassword("a long enough passphrase", FAST);
  assert.match(hash, /^scrypt\$10\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.equal(await verifyPassword("a long enough passphrase", hash), true);
  assert.equal(await verifyPassword("a long enough passphrasf", hash), false);
  assert.notEqual(
    hash,
    await hashPassword("a long enough passphrase", FAST),
    "fresh salt each time",
  );
});

Deno.test("verifyPassword() treats full-width and composed forms alike (NFKC) and rejects malformed hashes", async () => {
  const hash = await hashPassword("ｐａｓｓｗｏｒｄ１２３４", FAST);
  assert.equal(await verifyPassword("password1234", hash), true);
  assert.equal(await verifyPassword("x", "scrypt$99$8$1$AA$AA"), false);
  assert.equal(await verifyPassword("x", "plain"), false);
});

Deno.test("needsRehash() asks for a new hash when the parameters were raised", async () => {
  const weak = await hashPassword("a long enough passphrase", FAST);
  assert.equal(needsRehash(weak, FAST), false);
  assert.equal(needsRehash(weak, { logN: 15, r: 8, p: 1 }), true);
});

Deno.test("the dummy verifier does a real verification's work without a user", async () => {
  const verify = createDummyVerifier(FAST);
  await verify();
  await verify();
});

Deno.test("passwordProblem() requires 12 varied characters", () => {
  assert.match(passwordProblem("short") ?? "", /12 characters/);
  assert.match(passwordProblem("aaaaaaaaaaaaaaa") ?? "", /varied/);
  assert.equal(passwordProblem("correct horse battery"), undefined);
});

Deno.test("throttling locks at the threshold and doubles the lock per further failure up to the cap", () => {
  let state = undefined;
  const now = 1_000_000;
  for (let i = 0; i < 4; i++) state = afterFailure(state, ACCOUNT_POLICY, now);
  assert.equal(lockRemainingSeconds(state, now), 0);
  state = afterFailure(state, ACCOUNT_POLICY, now);
  assert.equal(lockRemainingSeconds(state, now), 60);
  state = afterFailure(state, ACCOUNT_POLICY, now);
  assert.equal(lockRemainingSeconds(state, now), 120);
  for (let i = 0; i < 20; i++) state = afterFailure(state, ACCOUNT_POLICY, now);
  assert.equal(lockRemainingSeconds(state, now), 3600);
  assert.equal(lockRemainingSeconds(state, now + 3_600_000), 0);
});

Deno.test("old failures are forgotten after the reset window; IPs have a higher threshold", () => {
  let state = undefined;
  for (let i = 0; i < 4; i++) state = afterFailure(state, ACCOUNT_POLICY, 0);
  state = afterFailure(state, ACCOUNT_POLICY, ACCOUNT_POLICY.resetAfterMs + 1);
  assert.equal(state.failures, 1);
  let ip = undefined;
  for (let i = 0; i < 19; i++) ip = afterFailure(ip, IP_POLICY, 0);
  assert.equal(lockRemainingSeconds(ip, 0), 0);
});
