/**
 * Sign-in lock keys (`login_throttle.key`) are keyed digests: an HMAC under a key derived from the
 * deployment's secret (ANALYTICS_IP_SALT, label "sign-in-lock-keys"), so nobody holding the table
 * (a backup) can find the addresses and emails in it by trying every IPv4 address or a list of
 * emails. Two processes with the same secret (the app and `deno task user`) agree on them. Rows
 * with no lock in force are deleted once their last failure is older than the throttle remembers
 * (24 h), and /settings/privacy says so. PGlite.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { manualClock } from "../lib/clock.ts";
import { createLockKeys } from "../lib/auth/lock_keys.ts";
import { buildTestApp } from "./helpers/app.ts";
import { createUser, loginStatus, signIn, TEST_PASSWORD } from "./helpers/auth.ts";

const SALT = "privacy-auth-lock-keys-0123456789";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function throttleKeys(app: Awaited<ReturnType<typeof buildTestApp>>): Promise<string[]> {
  const rows = await app.db.query<{ key: string }>("SELECT key FROM login_throttle ORDER BY key");
  return rows.map((row) => row.key.trim());
}

Deno.test("failed sign-ins are keyed by an HMAC of the deployment secret, not a plain SHA-256", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", ANALYTICS_IP_SALT: SALT } });
  try {
    const email = "nobody-here@example.org";
    assert.equal(await loginStatus(app, email, "wrong password here"), 401);
    const keys = await throttleKeys(app);
    assert.equal(keys.length, 2, "one for the email, one for the address");
    // The test requests have no socket address: the app sees "unknown".
    for (const plain of [sha256(`account:${email}`), sha256("ip:unknown")]) {
      assert.ok(!keys.includes(plain), "an unsalted digest is stored");
    }
    const ours = createLockKeys(SALT);
    assert.deepEqual(
      keys,
      [ours.account(email), ours.address("unknown")].sort(),
      "the same secret gives the same keys (the app and deno task user agree)",
    );
    assert.equal(app.services.auth.lockKeys.account(email.toUpperCase()), ours.account(email));
    const other = createLockKeys("another-deployment-secret-0123");
    assert.notEqual(other.account(email), ours.account(email));
    assert.notEqual(other.address("unknown"), ours.address("unknown"));
    assert.match(ours.account(email), /^[0-9a-f]{64}$/);
  } finally {
    await app.dispose();
  }
});

Deno.test("without ANALYTICS_IP_SALT (development) each process draws its own key", async () => {
  const here = createLockKeys(undefined).account("a@example.org");
  assert.equal(createLockKeys(undefined).account("a@example.org"), here, "one key per process");
  assert.notEqual(here, createLockKeys(SALT).account("a@example.org"));
  const module = new URL("../lib/auth/lock_keys.ts", import.meta.url).href;
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { createLockKeys } from "${module}"; ` +
      `console.log(createLockKeys(undefined).account("a@example.org"));`,
    ],
    stderr: "inherit",
  }).output();
  const there = new TextDecoder().decode(stdout).trim();
  assert.match(there, /^[0-9a-f]{64}$/);
  assert.notEqual(there, here, "another process, another key");
});

Deno.test("rows with no lock in force are deleted once their last failure is 24 h old; newer ones stay", async () => {
  const clock = manualClock(Date.UTC(2026, 2, 1, 8));
  const app = await buildTestApp({
    clock,
    env: { RATE_LIMIT_PER_MIN: "0", ANALYTICS_IP_SALT: SALT },
  });
  try {
    const user = await createUser(app, { role: "RESEARCHER" });
    // A locked account (5 failures, locked for a minute) and an email of no account.
    for (let i = 0; i < 5; i++) {
      assert.equal(await loginStatus(app, user.email, "wrong password here"), 401);
    }
    assert.equal(await loginStatus(app, user.email, TEST_PASSWORD), 429);
    assert.equal(await loginStatus(app, "nobody-here@example.org", "wrong password here"), 401);
    assert.equal((await throttleKeys(app)).length, 3, "account, unknown email, address");

    // While the lock is in force nothing goes, however old the first failure.
    assert.equal(await app.services.auth.sweepSignInLocks(), 0);
    clock.advance(23 * 3_600_000);
    assert.equal(await app.services.auth.sweepSignInLocks(), 0, "the count still matters");

    // A new failure from the same address keeps that row; the others are a day old.
    clock.advance(3_600_000 - 60_000);
    assert.equal(await loginStatus(app, "someone-else@example.org", "wrong password here"), 401);
    clock.advance(60_000);
    assert.equal(await app.services.auth.sweepSignInLocks(), 2);
    const ours = createLockKeys(SALT);
    assert.deepEqual(
      await throttleKeys(app),
      [ours.account("someone-else@example.org"), ours.address("unknown")].sort(),
    );
    // The account's lock and count are gone with its row: the right password signs in.
    await signIn(app, user);
  } finally {
    await app.dispose();
  }
});

Deno.test("/settings/privacy says how long failed sign-ins are kept, and as what", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0", ANALYTICS_IP_SALT: SALT } });
  try {
    const session = await signIn(app, await createUser(app, { role: "RESEARCHER" }));
    const response = await app.request("/settings/privacy", { headers: session.headers() });
    assert.equal(response.status, 200);
    const text = (await response.text()).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ");
    assert.match(text, /Failed sign-ins/);
    assert.match(text, /keyed hash/);
    assert.match(text, /deleted about a day after the last failed attempt/);
  } finally {
    await app.dispose();
  }
});
