/**
 * `connectionLost()`: whether a transaction callback's error came from its connection going away.
 * The wait for the transaction to settle is bounded by an injected timer, so the bound is tested
 * without waiting. `isConnectionFailure()`: whether an error means the database is out of reach
 * (a request meeting it answers 503), including a server that refuses new connections.
 */
import assert from "node:assert/strict";
import { manualTimeouts } from "../timeout.ts";
import { CONNECTION_LOST_SETTLE_MS, connectionLost, isConnectionFailure } from "./postgres.ts";

/** A transaction's settled flag and signal, as `transaction()` keeps them. */
function transaction() {
  let settled = false;
  let markSettled!: () => void;
  const signal = new Promise<void>((resolve) => markSettled = resolve);
  return {
    settled: () => settled,
    signal,
    settle() {
      settled = true;
      markSettled();
    },
  };
}

/** The answer of `work` so far: undefined while pending. */
function tracked(work: Promise<boolean>) {
  let answer: boolean | undefined;
  work.then((value) => answer = value);
  return { answer: () => answer, work };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("connectionLost(): a FATAL error whose transaction settles within the bound is a lost connection", async () => {
  const timers = manualTimeouts();
  const tx = transaction();
  const fatal = Object.assign(new Error("terminating connection due to administrator command"), {
    code: "57P01",
    severity: "FATAL",
  });
  const lost = tracked(connectionLost(fatal, tx.settled, tx.signal, timers));
  await turn();
  assert.deepEqual(timers.pending(), [CONNECTION_LOST_SETTLE_MS], "waits, bounded by the timer");
  assert.equal(lost.answer(), undefined);
  timers.advance(CONNECTION_LOST_SETTLE_MS - 1);
  tx.settle();
  assert.equal(await lost.work, true);
  assert.deepEqual(timers.pending(), [], "no timer outlives the wait");
});

Deno.test("connectionLost(): a closed connection whose transaction never settles is not, once the bound fires", async () => {
  const timers = manualTimeouts();
  const tx = transaction();
  const closed = Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
  const lost = tracked(connectionLost(closed, tx.settled, tx.signal, timers));
  await turn();
  assert.deepEqual(timers.pending(), [CONNECTION_LOST_SETTLE_MS]);
  timers.advance(CONNECTION_LOST_SETTLE_MS - 1);
  await turn();
  assert.equal(lost.answer(), undefined, "still waiting before the bound");
  timers.advance(1);
  assert.equal(await lost.work, false);
  assert.deepEqual(timers.pending(), []);
});

Deno.test("connectionLost(): any other error is not, at once and without a timer", async () => {
  const timers = manualTimeouts();
  const tx = transaction();
  const refused = Object.assign(new Error("duplicate key value"), {
    code: "23505",
    severity: "ERROR",
  });
  for (const error of [refused, new Error("plain"), null, undefined, "text"]) {
    assert.equal(await connectionLost(error, tx.settled, tx.signal, timers), false, String(error));
  }
  assert.deepEqual(timers.pending(), [], "no wait was started");
});

Deno.test("connectionLost(): after the transaction settled, any error is, at once", async () => {
  const timers = manualTimeouts();
  const tx = transaction();
  tx.settle();
  assert.equal(await connectionLost(new Error("plain"), tx.settled, tx.signal, timers), true);
  assert.deepEqual(timers.pending(), []);
});

/** A server error as postgres.js reports it: `severity` is the non-localized one (field V). */
const serverError = (code: string, severity: string) =>
  Object.assign(new Error(`server error ${code}`), { name: "PostgresError", code, severity });

Deno.test("isConnectionFailure(): a server refusing new connections is out of reach", () => {
  for (
    const [code, what] of [
      ["55000", "database is not currently accepting connections (ALLOW_CONNECTIONS false)"],
      ["53300", "too many connections (server, database or role limit)"],
      ["57P03", "cannot connect now (starting up, shutting down)"],
      ["3D000", "database does not exist (dropped under the app)"],
      ["28P01", "password authentication failed"],
      ["28000", "role does not exist / pg_hba.conf rejects the connection"],
      ["57P01", "terminated by administrator command"],
      ["25P03", "idle-in-transaction session timeout ended the session"],
    ] as const
  ) {
    assert.ok(isConnectionFailure(serverError(code, "FATAL")), `${code} FATAL: ${what}`);
  }
  assert.ok(isConnectionFailure(serverError("53300", "ERROR")), "53300 is only ever at connect");
  assert.ok(isConnectionFailure(serverError("XX000", "PANIC")), "a PANIC ends every session");
});

Deno.test("isConnectionFailure(): the same codes from a statement (severity ERROR) are not", () => {
  // 55000 (e.g. currval before nextval), 3D000 (DROP DATABASE of a missing one) and 28000 can
  // come from a statement the server refused: a bug to surface (500), not an outage.
  for (const code of ["55000", "3D000", "28000", "28P01", "23505", "22P02", "40001", "57014"]) {
    assert.ok(!isConnectionFailure(serverError(code, "ERROR")), `${code} ERROR`);
  }
  assert.ok(!isConnectionFailure(Object.assign(new Error("x"), { code: "55000" })), "no severity");
  for (const value of [null, undefined, "FATAL", { code: "55000" }]) {
    assert.ok(!isConnectionFailure(value), JSON.stringify(value));
  }
});
