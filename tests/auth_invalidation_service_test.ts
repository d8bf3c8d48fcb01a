/**
 * The auth service's side of "credentials ended" across instances, on PGlite and the real
 * Postgres: what it announces (opaque ids only, or "everything" when the bus's payload guard
 * refuses an id), what it forgets when another instance's message arrives, and that it forgets
 * everything when the bus reports it may have missed messages, and uses no memory while the bus
 * cannot hear the others. The channel is the in-process bus's, recorded, with the test standing in
 * for the other instances.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/audit.ts";
import { createAuthService, createAuthStore } from "../lib/auth/mod.ts";
import { AuthUnavailableError } from "../lib/auth/service.ts";
import { systemClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { scan } from "../lib/phi/mod.ts";
import { withTimeout } from "../lib/timeout.ts";
import { createMemoryBus } from "../lib/realtime/memory_bus.ts";
import type { InternalChannel, InternalGapReason, InternalMessage } from "../lib/realtime/types.ts";
import { TEST_PASSWORD_PARAMS } from "./helpers/app.ts";
import { TEST_PASSWORD as PASSWORD } from "./helpers/auth.ts";
import { cuttableDb } from "./helpers/cuttable_db.ts";
import { dbTargets, type TestDb } from "./helpers/db.ts";

const GAP_REASONS: InternalGapReason[] = [
  "redis_lost",
  "redis_restored",
  "out_of_order",
  "fell_behind",
  "peer_dropped",
];

/**
 * The in-process bus's channel, recording what is sent; the test delivers and reports gaps. Its
 * payload guard is the real one, plus `refuse`: ids it also takes for PHI (the scanner finds none
 * in a UUID today, but the fallback must hold whatever the guard refuses).
 */
const SYSTEM = { type: "system" as const };

function recordingPeers(refuse: readonly string[] = []) {
  const scanner = (value: unknown) => {
    const text = JSON.stringify(value);
    return { found: refuse.some((id) => text.includes(id)) || scan(value).found };
  };
  const bus = createMemoryBus({ clock: systemClock, historySize: 10, scanner });
  const sent: Array<{ payload: InternalMessage["payload"]; refused: boolean }> = [];
  let handler: ((message: InternalMessage) => void) | undefined;
  let onGap: ((reason: InternalGapReason) => void) | undefined;
  let listening = true;
  let stalled = false;
  const channel: InternalChannel = {
    async publish(message) {
      // A Redis that stopped answering: the message is never taken.
      if (stalled) return await new Promise<void>(() => {});
      try {
        await bus.internal.publish(message); // the real payload guard
        sent.push({ payload: message.payload, refused: false });
      } catch (error) {
        sent.push({ payload: message.payload, refused: true });
        throw error;
      }
    },
    subscribe(h, g) {
      handler = h;
      onGap = g;
      return () => {
        handler = undefined;
        onGap = undefined;
      };
    },
    listening: () => listening,
  };
  return {
    channel,
    sent,
    deliver(payload: InternalMessage["payload"]) {
      assert.ok(handler, "the service listens to the other instances");
      handler({ kind: "auth.credentials_ended", payload });
    },
    gap(reason: InternalGapReason) {
      assert.ok(onGap, "the service listens for gaps");
      onGap(reason);
    },
    setListening(value: boolean) {
      listening = value;
    },
    stall() {
      stalled = true;
    },
  };
}

async function withService(
  target: { open(): Promise<TestDb> },
  fn: (ctx: {
    auth: ReturnType<typeof createAuthService>;
    peers: ReturnType<typeof recordingPeers>;
    db: ReturnType<typeof cuttableDb>;
    logs: string[];
  }) => Promise<void>,
  refuse: readonly string[] = [],
): Promise<void> {
  const testDb = await target.open();
  const db = cuttableDb(testDb.db);
  const peers = recordingPeers(refuse);
  const logger = memoryLogger();
  const auth = createAuthService({
    store: createAuthStore(db.db),
    audit: createAuditLog({ db: db.db }),
    clock: systemClock,
    sessionIdleMinutes: 30,
    sessionAbsoluteHours: 12,
    passwordParams: TEST_PASSWORD_PARAMS,
    peers: peers.channel,
    logger,
  });
  try {
    await fn({ auth, peers, db, logs: logger.lines });
  } finally {
    try {
      auth.close();
    } finally {
      await testDb.cleanup();
    }
  }
}

type Auth = ReturnType<typeof createAuthService>;
const META = { ip: "198.51.100.7", userAgent: null };

async function newSession(auth: Auth, role: "RESEARCHER" | "STEWARD" = "RESEARCHER") {
  const user = await auth.createUser(
    { email: `u-${crypto.randomUUID().slice(0, 8)}@example.org`, role, password: PASSWORD },
    { type: "system" },
  );
  const { sessionSecret, principal } = await auth.signIn(user.email, PASSWORD, META);
  return { user, secret: sessionSecret, sessionId: principal.sessionId };
}

async function newToken(auth: Auth) {
  const { token, secret } = await auth.createToken(
    { name: "svc", scopes: ["flags:evaluate"] },
    { type: "system" },
  );
  return { id: token.id, secret };
}

/** With the database cut off: "memory" when served from it, "refused" when not. */
async function fromMemory(promise: Promise<unknown>): Promise<"memory" | "refused"> {
  try {
    return (await promise) ? "memory" : "refused";
  } catch (error) {
    if (error instanceof AuthUnavailableError) return "refused";
    throw error;
  }
}

for (const target of dbTargets()) {
  const t = `[${target.name}]`;

  Deno.test(`${t} a gap reported by the bus, whatever its reason, forgets every verified session and token`, async () => {
    await withService(target, async ({ auth, peers, db, logs }) => {
      for (const reason of GAP_REASONS) {
        const session = await newSession(auth);
        const token = await newToken(auth);
        assert.ok(await auth.authenticateSession(session.secret));
        assert.ok(await auth.authenticateToken(token.secret));
        db.cut();
        assert.equal(await fromMemory(auth.authenticateSession(session.secret)), "memory");
        db.restore();

        peers.gap(reason);
        db.cut();
        assert.deepEqual(
          [
            await fromMemory(auth.authenticateSession(session.secret)),
            await fromMemory(auth.authenticateToken(token.secret)),
          ],
          ["refused", "refused"],
          reason,
        );
        db.restore();
      }
      const cleared = logs.filter((line) => line.includes("may have been missed"));
      assert.deepEqual(
        cleared.map((line) => {
          const { reason, sessionCount, tokenCount } = JSON.parse(line);
          return { reason, sessionCount, tokenCount };
        }),
        GAP_REASONS.map((reason) => ({ reason, sessionCount: 1, tokenCount: 1 })),
      );
    });
  });

  Deno.test(`${t} a message from another instance forgets the credentials it names and no others`, async () => {
    await withService(target, async ({ auth, peers, db, logs }) => {
      const alice = await newSession(auth);
      // Alice's second session ends with her first: the message names the user.
      const aliceTwo = {
        secret: (await auth.signIn(alice.user.email, PASSWORD, META)).sessionSecret,
      };
      const bob = await newSession(auth);
      const carol = await newSession(auth);
      const kept = await newToken(auth);
      const revoked = await newToken(auth);
      for (const s of [alice, aliceTwo, bob, carol]) {
        assert.ok(await auth.authenticateSession(s.secret));
      }
      for (const k of [kept, revoked]) assert.ok(await auth.authenticateToken(k.secret));

      peers.deliver({ ended: "user", ids: [alice.user.id] });
      peers.deliver({ ended: "session", ids: [bob.sessionId] });
      peers.deliver({ ended: "api_token", ids: [revoked.id] });
      db.cut();
      assert.deepEqual(
        {
          alice: await fromMemory(auth.authenticateSession(alice.secret)),
          aliceTwo: await fromMemory(auth.authenticateSession(aliceTwo.secret)),
          bob: await fromMemory(auth.authenticateSession(bob.secret)),
          carol: await fromMemory(auth.authenticateSession(carol.secret)),
          kept: await fromMemory(auth.authenticateToken(kept.secret)),
          revoked: await fromMemory(auth.authenticateToken(revoked.secret)),
        },
        {
          alice: "refused",
          aliceTwo: "refused",
          bob: "refused",
          carol: "memory",
          kept: "memory",
          revoked: "refused",
        },
      );
      // One it cannot read ends everything.
      peers.deliver({ ended: "someone", ids: ["x"] });
      assert.equal(await fromMemory(auth.authenticateSession(carol.secret)), "refused");
      assert.equal(await fromMemory(auth.authenticateToken(kept.secret)), "refused");
      db.restore();

      const received = logs.filter((line) => line.includes("credentials ended on another"));
      assert.deepEqual(
        received.map((line) => {
          const { scope, idCount, sessionCount, tokenCount } = JSON.parse(line);
          return [scope, idCount, sessionCount, tokenCount];
        }),
        [["user", 1, 2, 0], ["session", 1, 1, 0], ["api_token", 1, 0, 1], ["all", 0, 1, 1]],
      );
      for (const line of received) {
        for (const id of [alice.user.id, bob.sessionId, revoked.id]) {
          assert.ok(!line.includes(id), "counts only");
        }
      }
    });
  });

  Deno.test(`${t} what ends here is announced to the other instances with opaque ids only`, async () => {
    await withService(target, async ({ auth, peers }) => {
      const admin = { type: "system" as const };
      const signedOut = await newSession(auth);
      const deactivated = await newSession(auth);
      const demoted = await newSession(auth, "STEWARD");
      const reset = await newSession(auth);
      const replaced = await newSession(auth);
      const token = await newToken(auth);

      const principal = await auth.authenticateSession(signedOut.secret);
      await auth.signOut(principal!);
      await auth.updateUser(deactivated.user.id, { active: false }, admin);
      await auth.updateUser(demoted.user.id, { role: "RESEARCHER" }, admin);
      await auth.resetPassword(reset.user.id, "another long password", admin);
      await auth.signIn(replaced.user.email, PASSWORD, {
        ...META,
        previousSessionSecret: replaced.secret,
      });
      await auth.revokeToken(token.id, admin);

      assert.deepEqual(peers.sent, [
        { payload: { ended: "session", ids: [signedOut.sessionId] }, refused: false },
        { payload: { ended: "user", ids: [deactivated.user.id] }, refused: false },
        { payload: { ended: "user", ids: [demoted.user.id] }, refused: false },
        { payload: { ended: "user", ids: [reset.user.id] }, refused: false },
        { payload: { ended: "session", ids: [replaced.sessionId] }, refused: false },
        { payload: { ended: "api_token", ids: [token.id] }, refused: false },
      ]);
      const wire = JSON.stringify(peers.sent);
      for (const s of [signedOut, deactivated, demoted, reset, replaced]) {
        assert.ok(!wire.includes(s.secret) && !wire.includes(s.user.email));
      }
      assert.ok(!wire.includes(token.secret));
      assert.ok(!wire.includes("@"), "no email");
    });
  });

  Deno.test(`${t} an id the bus's payload guard refuses is announced as "everything ended" instead`, async () => {
    const id = "42985561-1855-4736-a908-58e0051e7671";
    await withService(target, async ({ auth, peers, db }) => {
      await db.db.query(
        "INSERT INTO users (id, email, display_name, role, password_hash) VALUES ($1, $2, '', 'RESEARCHER', NULL)",
        [id, "unlucky@example.org"],
      );
      await auth.updateUser(id, { active: false }, { type: "system" });
      assert.deepEqual(peers.sent, [
        { payload: { ended: "user", ids: [id] }, refused: true },
        { payload: { ended: "all", ids: [] }, refused: false },
      ]);
    }, [id]);
  });

  Deno.test(`${t} while the bus cannot hear the other instances, nothing is served from memory`, async () => {
    await withService(target, async ({ auth, peers, db }) => {
      const session = await newSession(auth);
      const token = await newToken(auth);
      assert.ok(await auth.authenticateSession(session.secret));
      assert.ok(await auth.authenticateToken(token.secret));
      db.cut();
      peers.setListening(false);
      assert.equal(await fromMemory(auth.authenticateSession(session.secret)), "refused");
      assert.equal(await fromMemory(auth.authenticateToken(token.secret)), "refused");
      peers.setListening(true);
      assert.equal(await fromMemory(auth.authenticateSession(session.secret)), "memory");
      assert.equal(await fromMemory(auth.authenticateToken(token.secret)), "memory");
      db.restore();
    });
  });

  Deno.test(`${t} a refused or empty change announces nothing; a change of role or activity does, also repeated`, async () => {
    await withService(target, async ({ auth, peers }) => {
      const admin = await auth.createUser(
        { email: "only-admin@example.org", role: "ADMIN", password: PASSWORD },
        { type: "system" },
      );
      const { user } = await newSession(auth);
      const token = await newToken(auth);
      peers.sent.length = 0;
      // The last admin cannot demote themselves; a name change ends nothing; unknown ids neither.
      await assert.rejects(() => auth.updateUser(admin.id, { role: "STEWARD" }, SYSTEM));
      await auth.updateUser(user.id, { displayName: "New name" }, SYSTEM);
      await assert.rejects(() => auth.updateUser(crypto.randomUUID(), { active: false }, SYSTEM));
      await assert.rejects(() => auth.revokeToken(crypto.randomUUID(), SYSTEM));
      assert.equal(peers.sent.length, 0, "nothing ended, nothing announced");
      // A revocation repeated is announced again (the first announcement may not have reached
      // the instances: `deno task user` says to repeat the command then); so is a role change
      // found already made when asked (the command asks), not otherwise: the announcement ends
      // the user's open streams, which setting the role they have must not do.
      await auth.revokeToken(token.id, SYSTEM);
      await auth.revokeToken(token.id, SYSTEM);
      await auth.updateUser(user.id, { role: "STEWARD" }, SYSTEM);
      await auth.updateUser(user.id, { role: "STEWARD" }, SYSTEM);
      await auth.updateUser(user.id, { role: "STEWARD" }, SYSTEM, undefined, {
        announceUnchanged: true,
      });
      assert.deepEqual(peers.sent.map((m) => m.payload), [
        { ended: "api_token", ids: [token.id] },
        { ended: "api_token", ids: [token.id] },
        { ended: "user", ids: [user.id] },
        { ended: "user", ids: [user.id] },
      ]);
    });
  });

  Deno.test(`${t} a Redis that stops answering does not hold a sign-out or a deactivation`, async () => {
    await withService(target, async ({ auth, peers, logs }) => {
      const session = await newSession(auth);
      const other = await newSession(auth);
      peers.stall();
      // A generous bound, so that a hang fails the test instead of holding it forever.
      const within = <T>(work: Promise<T>, what: string) =>
        withTimeout(work, 15_000, () => new Error(`${what} still waiting after 15 s`));
      const principal = await auth.authenticateSession(session.secret);
      await within(auth.signOut(principal!), "sign-out");
      await within(auth.updateUser(other.user.id, { active: false }, SYSTEM), "deactivation");
      assert.equal(await auth.authenticateSession(session.secret), undefined);
      assert.equal(await auth.authenticateSession(other.secret), undefined);
      assert.equal(
        logs.filter((line) => line.includes("not confirmed in time; it stays queued")).length,
        2,
      );
    });
  });
}
