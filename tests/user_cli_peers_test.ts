/**
 * `deno task user` tells the running instances: with the deployment's DATABASE_URL, REDIS_URL
 * and EVENT_STREAM_KEY, the credentials it ends (deactivate, set-role, reset-password,
 * token-revoke) are dropped from a running instance's memory of verified credentials, so that
 * instance refuses them during its database outage (503: it can no longer check them) while it
 * still serves the others from memory. The command runs as a real subprocess; instance B runs in
 * process on the same Postgres database (its own access through a TCP proxy, stopped for the
 * outage) and the real Redis.
 *
 * When Redis cannot be reached from the command (closed port, a server that never answers) or
 * does not confirm the message, the change is still made, one warning line says the instances
 * were not told, and the exit status is 3, within a bounded time.
 */
import assert from "node:assert/strict";
import { memoryLogger } from "../lib/log/mod.ts";
import { deploymentTag, readDeploymentId } from "../lib/realtime/deployment.ts";
import { openRedis } from "../lib/redis/client.ts";
import { withTimeout } from "../lib/timeout.ts";
import { json, type TestApp } from "./helpers/app.ts";
import { createUser, flagClientStatus, sessionStatus, signIn } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";
import {
  type CliResult,
  freshCliDatabase,
  type InstanceBesideCli,
  migrateForCli,
  runUserCli,
  startInstanceBesideCli,
} from "./helpers/user_cli.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ignore = !(hasPostgres() && hasRedis());
const RECEIVED = "credentials ended on another instance; dropped from memory";
const TOLD = /^Running instances told to drop the ended credentials from memory \(Redis \S+\)$/m;
/** The one line the command prints when the instances were not told (`why`: a regex fragment). */
const notTold = (why: string) =>
  new RegExp(
    "^Warning: the change is made, but running instances were not told " +
      `\\(Redis at 127\\.0\\.0\\.1:\\d+ ${why}\\): during a database outage they may accept ` +
      "the ended credentials from memory for up to 10 minutes; run the same command again " +
      "once Redis is reachable from here\\n$",
  );
/** The command's own bound is 5 s for the first Redis connection; the rest is process start. */
const BOUND_MS = 15_000;

async function withInstance(fn: (instance: InstanceBesideCli) => Promise<void>) {
  const instance = await startInstanceBesideCli();
  try {
    await fn(instance);
  } finally {
    await instance.close();
  }
}

/** Asserts B answers with 503 SERVICE_UNAVAILABLE (not from memory). */
async function assertRefused(response: Response, what: string): Promise<void> {
  assert.equal(response.status, 503, `${what}: refused, not served from memory`);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal((await json<{ code: string }>(response)).code, "SERVICE_UNAVAILABLE");
}

function assertTold(result: CliResult, what: string): void {
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
  assert.match(result.stdout, TOLD, `${what}: says the instances were told`);
  assert.equal(result.stderr, "", `${what}: nothing on stderr`);
}

/** B's log lines for received messages, parsed; asserts none holds any of `secrets`. */
function receivedLines(app: TestApp, secrets: string[]): Array<Record<string, unknown>> {
  const lines = app.logs.filter((line) => line.includes(RECEIVED));
  for (const line of lines) {
    for (const secret of secrets) assert.ok(!line.includes(secret), "counts only, no ids");
  }
  return lines.map((line) => {
    const { ts: _ts, level: _level, ...rest } = JSON.parse(line);
    return rest;
  });
}

/** The deployment tag (field `g`) of every entry on `streamKey`, undefined for an untagged one. */
async function streamTags(streamKey: string): Promise<Array<string | undefined>> {
  const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
  try {
    const entries = await redis.client.sendCommand(["XRANGE", streamKey, "-", "+"]) as Array<
      [string, string[]]
    >;
    return entries.map(([, fields]) => {
      const at = fields.findIndex((field, i) => i % 2 === 0 && field === "g");
      return at === -1 ? undefined : fields[at + 1];
    });
  } finally {
    await redis.close();
  }
}

/** A port nothing listens on (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Rejects when `promise` has not settled within 10 s (a test must not hang on a proxy). */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return withTimeout(promise, 10_000, () => new Error(`timed out waiting for ${what}`));
}

/**
 * A fresh database with one STEWARD account and one API token, made by the command, and a unique
 * EVENT_STREAM_KEY; `drop` removes both.
 */
async function deploymentWithAccount() {
  const database = await freshCliDatabase();
  const streamKey = uniqueName("events");
  const env = { DATABASE_URL: database.url, EVENT_STREAM_KEY: streamKey };
  const drop = async () => {
    const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
    try {
      await redis.client.sendCommand(["DEL", streamKey]);
    } finally {
      await redis.close();
      await database.drop();
    }
  };
  try {
    await migrateForCli(env);
    const created = await runUserCli(env, ["create", "steward@example.org", "--role", "STEWARD"]);
    assert.equal(created.code, 0, created.stderr);
    const token = await runUserCli(env, ["token-create", "worker", "--scopes", "jobs:write"]);
    assert.equal(token.code, 0, token.stderr);
    const tokenId = /Created token (\S+)/.exec(token.stdout)![1]!;
    return { env, tokenId, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}

/**
 * Runs `fn` on {@link deploymentWithAccount}'s deployment, with an environment whose REDIS_URL is
 * a closed port (`unreachable`), then drops it.
 */
async function withAccountDeployment(
  fn: (
    d: { env: Record<string, string>; tokenId: string; unreachable: Record<string, string> },
  ) => Promise<void>,
): Promise<void> {
  const { env, tokenId, drop } = await deploymentWithAccount();
  try {
    await fn({
      env,
      tokenId,
      unreachable: { ...env, REDIS_URL: `redis://127.0.0.1:${closedPort()}` },
    });
  } finally {
    await drop();
  }
}

Deno.test({
  name:
    "[postgres] deactivate, set-role, reset-password and token-revoke from deno task user are refused by a running instance during its database outage",
  ignore,
  ...opts,
  async fn() {
    await withInstance(async ({ b, env, streamKey, cutDbOfB, bHasReadUpToNow }) => {
      const deactivated = await signIn(b, await createUser(b, { role: "STEWARD" }));
      const demoted = await signIn(b, await createUser(b, { role: "STEWARD" }));
      const reset = await signIn(b, await createUser(b, { role: "STEWARD" }));
      const bystander = await signIn(b, await createUser(b, { role: "STEWARD" }));
      const system = { type: "system" as const };
      const revoked = await b.services.auth.createToken(
        { name: "flag client", scopes: ["flags:evaluate"] },
        system,
      );
      const kept = await b.services.auth.createToken(
        { name: "other client", scopes: ["flags:evaluate"] },
        system,
      );
      // B verifies every credential while its database answers, and remembers them.
      for (const session of [deactivated, demoted, reset, bystander]) {
        assert.equal(await sessionStatus(b, session.cookie), 200);
      }
      assert.equal(await flagClientStatus(b, revoked.secret), 200);
      assert.equal(await flagClientStatus(b, kept.secret), 200);

      const runs = {
        deactivate: await runUserCli(env, ["deactivate", deactivated.user.email]),
        "set-role": await runUserCli(env, ["set-role", demoted.user.email, "RESEARCHER"]),
        "reset-password": await runUserCli(env, ["reset-password", reset.user.email]),
        "token-revoke": await runUserCli(env, ["token-revoke", revoked.token.id]),
      };
      for (const [what, result] of Object.entries(runs)) {
        assert.equal(result.code, 0, `${what}: ${result.stderr}`);
      }
      // Every entry on the stream, the command's messages included, carries this deployment's tag:
      // another deployment on the same stream key ignores them.
      const tags = await streamTags(streamKey);
      assert.ok(tags.length >= 4, "the command's messages are on the stream");
      assert.deepEqual(new Set(tags), new Set([deploymentTag((await readDeploymentId(b.db))!)]));

      await bHasReadUpToNow();
      cutDbOfB();

      for (
        const [session, what] of [
          [deactivated, "the deactivated user"],
          [demoted, "the demoted user's old role"],
          [reset, "the session ended by the password reset"],
        ] as const
      ) {
        await assertRefused(
          await b.request("/api/auth/session", { headers: { cookie: session.cookie } }),
          what,
        );
      }
      // A flag client is answered without a body: 503 is "cannot be checked now, retry".
      const token = await b.request("/ofrep/v1/evaluate/flags", {
        method: "POST",
        headers: { authorization: `Bearer ${revoked.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ context: { targetingKey: "service-1" } }),
      });
      await token.body?.cancel();
      assert.equal(token.status, 503, "the revoked token: refused, not served from memory");
      assert.equal(token.headers.get("retry-after"), "5");
      assert.equal(await sessionStatus(b, bystander.cookie), 200, "others still from memory");
      assert.equal(await flagClientStatus(b, kept.secret), 200, "other tokens still from memory");

      const secrets = [deactivated, demoted, reset].flatMap((s) => [s.user.id, s.cookie]);
      assert.deepEqual(receivedLines(b, [...secrets, revoked.token.id, revoked.secret]), [
        { msg: RECEIVED, scope: "user", idCount: 1, sessionCount: 1, tokenCount: 0 },
        { msg: RECEIVED, scope: "user", idCount: 1, sessionCount: 1, tokenCount: 0 },
        { msg: RECEIVED, scope: "user", idCount: 1, sessionCount: 1, tokenCount: 0 },
        { msg: RECEIVED, scope: "api_token", idCount: 1, sessionCount: 0, tokenCount: 1 },
      ]);
      for (const [what, result] of Object.entries(runs)) assertTold(result, what);
    });
  },
});

Deno.test({
  name:
    "[postgres] deno task user with REDIS_URL at a closed port makes the change, warns in one line and exits 3 within a bounded time",
  ignore,
  ...opts,
  async fn() {
    await withAccountDeployment(async ({ tokenId, unreachable }) => {
      const deactivate = await runUserCli(unreachable, ["deactivate", "steward@example.org"]);
      assert.ok(deactivate.ms < BOUND_MS, `finished in ${Math.round(deactivate.ms)} ms`);
      assert.equal(deactivate.code, 3, deactivate.stderr);
      assert.equal(deactivate.stdout, "steward@example.org deactivated (sessions ended)\n");
      assert.match(deactivate.stderr, notTold("could not be reached"));

      const revoke = await runUserCli(unreachable, ["token-revoke", tokenId]);
      assert.ok(revoke.ms < BOUND_MS, `finished in ${Math.round(revoke.ms)} ms`);
      assert.equal(revoke.code, 3, revoke.stderr);
      assert.match(revoke.stderr, notTold("could not be reached"));

      // Listing ends nothing: it does not wait on Redis. The changes above stand.
      const list = await runUserCli(unreachable, ["list"]);
      assert.equal(list.code, 0, list.stderr);
      assert.equal(list.stderr, "");
      assert.match(list.stdout, /^steward@example\.org\tSTEWARD\tdeactivated\t/m);
      const tokens = await runUserCli(unreachable, ["tokens"]);
      assert.match(tokens.stdout, new RegExp(`^${tokenId}\\tworker\\tjobs:write\\trevoked$`, "m"));

      // A command refused for its own reason says that, not the warning.
      const unknown = await runUserCli(unreachable, ["deactivate", "nobody@example.org"]);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, "No account with that email\n");
    });
  },
});

Deno.test({
  name:
    "[postgres] deno task user run again after exit 3, as it says, tells the instances: the account or token already ended is announced",
  ignore,
  ...opts,
  async fn() {
    await withAccountDeployment(async ({ env, tokenId, unreachable }) => {
      const reachable = { ...env, REDIS_URL: TEST_REDIS_URL! };
      for (
        const args of [
          ["deactivate", "steward@example.org"],
          ["token-revoke", tokenId],
          ["set-role", "steward@example.org", "RESEARCHER"],
        ]
      ) {
        const first = await runUserCli(unreachable, args);
        assert.equal(first.code, 3, `${args[0]}: ${first.stderr}`);
        assert.match(first.stderr, notTold("could not be reached"));
        // The change is made; the repeat finds it made. Before, it announced nothing (exit 0,
        // no "told" line), so a running instance kept the ended credential in memory.
        const again = await runUserCli(reachable, args);
        assertTold(again, `${args[0]} again`);
      }
      const tags = await streamTags(env.EVENT_STREAM_KEY!);
      assert.equal(tags.length, 3, "one message per repeated command");
    });
  },
});

Deno.test({
  name:
    "[postgres] deno task user with REDIS_URL at a server that never answers makes the change, warns and exits 3 within a bounded time",
  ignore,
  ...opts,
  async fn() {
    const { env, drop } = await deploymentWithAccount();
    // Accepts connections and never answers (a hung Redis, or a blackholed one past the SYN).
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of silent) held.push(conn);
    })().catch(() => {});
    try {
      const port = (silent.addr as Deno.NetAddr).port;
      const result = await runUserCli({ ...env, REDIS_URL: `redis://127.0.0.1:${port}` }, [
        "deactivate",
        "steward@example.org",
      ]);
      assert.ok(result.ms < BOUND_MS, `finished in ${Math.round(result.ms)} ms`);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(result.stdout, "steward@example.org deactivated (sessions ended)\n");
      assert.match(result.stderr, notTold("could not be reached"));
    } finally {
      silent.close();
      for (const conn of held) conn.close();
      await accepting;
      await drop();
    }
  },
});

Deno.test({
  name:
    "[postgres] deno task user whose message's reply is lost: sent again once Redis is back (told, exit 0), or reported unconfirmed (exit 3) when Redis stays away",
  ignore,
  ...opts,
  async fn() {
    const target = new URL(TEST_REDIS_URL!);
    const redisTarget = { hostname: target.hostname, port: Number(target.port || 6379) };

    // Redis blinks: the XADD runs, its reply is lost and every connection of the command is cut;
    // they come back, the bus sends the queued message again (B drops the repeat).
    await withInstance(async ({ b, env, streamKey, cutDbOfB, bHasReadUpToNow }) => {
      const proxy = tcpProxy(redisTarget);
      proxy.start();
      try {
        const session = await signIn(b, await createUser(b, { role: "STEWARD" }));
        assert.equal(await sessionStatus(b, session.cookie), 200);
        const dropped = proxy.dropNextReplyTo("XADD", { everyConnection: true });
        const result = await runUserCli(
          { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
          ["deactivate", session.user.email],
        );
        await within(dropped, "the reply to XADD to be dropped");
        assertTold(result, "deactivate after a lost reply");
        await bHasReadUpToNow();
        cutDbOfB();
        await assertRefused(
          await b.request("/api/auth/session", { headers: { cookie: session.cookie } }),
          "the deactivated user",
        );
        assert.equal(receivedLines(b, [session.user.id]).length, 1, "heard once");
        const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
        try {
          const entries = await redis.client.sendCommand<Array<[string, string[]]>>([
            "XRANGE",
            streamKey,
            "-",
            "+",
          ]);
          const messages = entries.filter(([, fields]) =>
            fields.includes("auth.credentials_ended")
          );
          assert.equal(messages.length, 2, "appended, then sent again from the outbox");
        } finally {
          await redis.close();
        }
      } finally {
        proxy.stop();
      }
    });

    // Redis goes away with the reply, and the command's reader was cut before the XADD (had it
    // read the entry, the bus would know it landed): the command cannot confirm the message.
    const { env, drop } = await deploymentWithAccount();
    const proxy = tcpProxy(redisTarget);
    proxy.start();
    try {
      const dropped = proxy.dropNextReplyTo("XADD", { everyConnection: true })
        .then(() => proxy.stop());
      const result = await runUserCli({ ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, [
        "deactivate",
        "steward@example.org",
      ]);
      await within(dropped, "the reply to XADD to be dropped");
      assert.ok(result.ms < BOUND_MS, `finished in ${Math.round(result.ms)} ms`);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(result.stdout, "steward@example.org deactivated (sessions ended)\n");
      assert.match(result.stderr, notTold("did not confirm the message"));
    } finally {
      proxy.stop();
      await drop();
    }
  },
});
