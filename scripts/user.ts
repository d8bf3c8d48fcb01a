/**
 * `deno task user <command>`: account and API-token administration from the
 * shell, against the configured database (DATABASE_URL, or PGlite in DATA_DIR).
 * Every change is written to the audit log as actor "system".
 *
 * With REDIS_URL, a command that ends credentials (set-role, deactivate, reset-password,
 * token-revoke) tells the running instances through the event stream, as a change made in the
 * web console does, so none of them keeps accepting the credential from its memory of verified
 * credentials during a database outage (docs/operations/SECURITY.md, Accounts).
 */
import { parseArgs } from "node:util";
import { createAuditLog } from "../lib/audit/mod.ts";
import {
  areTheAppsLockKeys,
  createAuthService,
  createAuthStore,
  createLockKeys,
  type Role,
  ROLES,
  type Scope,
  SCOPES,
} from "../lib/auth/mod.ts";
import { randomSecret } from "../lib/auth/tokens.ts";
import { systemClock } from "../lib/clock.ts";
import { type Config, ConfigError, loadConfigFromProcess } from "../lib/config.ts";
import { DataDirInUseError, DataDirUnusableError } from "../lib/db/data_dir_lock.ts";
import {
  bundledMigrationsDir,
  MigrationChecksumError,
  MigrationFileNameError,
  readMigrations,
} from "../lib/db/mod.ts";
import { migrationStatus } from "../lib/db/migrate.ts";
import { DatabaseUnreachableError, openReachableDatabase } from "../lib/db/reach.ts";
import { AppError } from "../lib/errors/mod.ts";
import { createLogger, type Logger } from "../lib/log/mod.ts";
import { redact } from "../lib/phi/mod.ts";
import {
  createEventBus,
  type EventBus,
  EventRefusedError,
  type InternalChannel,
  loadDeploymentId,
  type RedisBus,
} from "../lib/realtime/mod.ts";
import { openRedis, type RedisHandle } from "../lib/redis/client.ts";
import { withTimeout } from "../lib/timeout.ts";
import { VERSION } from "../lib/version.ts";
import { z } from "zod";

const USAGE = `Usage: deno task user <command> [arguments]

  list                                     list accounts
  create <email> --role <ROLE> [--name N]  create an account (password generated, or --password-stdin)
  set-role <email> <ROLE>                  change the role (RESEARCHER, STEWARD, ADMIN)
  deactivate <email> | activate <email>    deactivate (ends sessions) or reactivate
  reset-password <email>                   set a new password (generated, or --password-stdin)
  tokens                                   list API tokens
  token-create <name> --scopes a,b [--expires ISO-8601]
                                           create an API token (printed once)
  token-revoke <id>                        revoke an API token
  locks                                    list sign-in locks (accounts and client addresses)
  unlock <email | address | key>           clear a sign-in lock; the password stays as it is
Scopes: ${SCOPES.join(", ")}

With REDIS_URL (and the app's EVENT_STREAM_KEY), set-role, deactivate, reset-password and
token-revoke tell the running instances to drop the ended credentials from memory.
Exit status: 0 done; 1 not done; 3 done, but the running instances may not have been told
(the warning says why): run the same command again once Redis is reachable from here.`;

/** Commands that end credentials (the auth service announces them to the other instances). */
const ENDS_CREDENTIALS: ReadonlySet<string> = new Set([
  "set-role",
  "deactivate",
  "reset-password",
  "token-revoke",
]);
/** Every command (an unknown one is refused before the database is opened). */
const COMMANDS: ReadonlySet<string> = new Set([
  "list",
  "create",
  "set-role",
  "deactivate",
  "activate",
  "reset-password",
  "tokens",
  "token-create",
  "token-revoke",
  "locks",
  "unlock",
]);
/** Exit status when the change was made but the running instances were not told. */
const EXIT_NOT_TOLD = 3;
/** How long the event bus may take to start, and to take one message once it has. */
const ANNOUNCE_TIMEOUT_MS = 5_000;
/**
 * How long a message the bus queued (Redis lost after the bus started) may take to be sent: its
 * reader sends queued messages between two blocking reads, which take up to 5 s each.
 */
const QUEUED_TIMEOUT_MS = 7_000;
/** Closing the event bus or Redis may take this long; then it is abandoned (the process ends). */
const CLOSE_STEP_TIMEOUT_MS = 5_000;

const encoder = new TextEncoder();
const out = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
const err = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

/** A command refused with a message for the operator (exit status 1). */
class Refused extends Error {}
const fail = (line: string): never => {
  throw new Refused(line);
};

async function readPassword(fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: randomSecret().slice(0, 24), generated: true };
  const text = new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer());
  return { password: text.replace(/\r?\n$/, ""), generated: false };
}

function role(value: string | undefined): Role {
  if (!value || !(ROLES as readonly string[]).includes(value)) {
    fail(`Role must be one of ${ROLES.join(", ")}`);
  }
  return value as Role;
}

/** Runs one close step; false when it failed or did not finish within the bound. */
async function closeWithin(work: () => Promise<void>): Promise<boolean> {
  try {
    await withTimeout(work(), CLOSE_STEP_TIMEOUT_MS, () => new Error("timeout"));
    return true;
  } catch {
    return false;
  }
}

/** `host:port` of a Redis URL, without credentials. */
function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "6379"}`;
}

function isRedisBus(bus: EventBus): bus is RedisBus {
  return typeof (bus as Partial<RedisBus>).outboxLength === "function";
}

/** The running instances, as far as this command can reach them. */
interface Peers {
  /** Given to the auth service as `peers`. */
  readonly channel: InternalChannel;
  /** Once the command is done: tells the operator whether the others heard; the exit status. */
  report(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens Redis and the event bus as main.ts and createApp do (same REDIS_URL, bounded first
 * connection, EVENT_STREAM_KEY and EVENT_HISTORY_SIZE), or, when Redis cannot be reached, a
 * channel that only notes what the others were not told.
 *
 * Redis unreachable from here does not stop the command. The change is in the database, which
 * every instance asks first and which decides at once when it answers; refusing it would keep a
 * compromised account active or a leaked token valid just because this shell cannot reach Redis.
 * What is lost is only the message to the running instances' memory of verified credentials,
 * which matters during a database outage only. An instance that cannot hear Redis serves nothing
 * from memory, and forgets all of it when it hears Redis again: the ones at risk are those that
 * reach Redis while this shell does not. The operator must know the job is not finished:
 * one line on stderr says so and what to do (the command is safe to repeat: it announces again
 * even when nothing is left to change), and the exit status is {@link EXIT_NOT_TOLD}, apart from
 * 1 (nothing done), so a runbook or script notices without mistaking it for a failed change.
 */
async function openPeers(
  config: Config,
  redisUrl: string,
  logger: Logger,
  deploymentId: string | undefined,
): Promise<Peers> {
  const address = redisAddress(redisUrl);
  let redis: RedisHandle | undefined;
  let bus: EventBus | undefined;
  /** Why the others may not have heard, for the warning. */
  let trouble = "could not be reached";
  try {
    // Bounded like main.ts: the first connection gives up after FIRST_CONNECT_TIMEOUT_MS (5 s).
    redis = await openRedis(redisUrl, logger);
    trouble = "did not answer in time";
    // createEventBus is not bounded by itself (a Redis that accepts and never answers would hold
    // its history read): bounded here, and abandoned with the connection if it takes too long.
    bus = await withTimeout(
      createEventBus({
        redis,
        streamKey: config.realtime.streamKey,
        historySize: config.realtime.historySize,
        clock: systemClock,
        logger,
        // Tagged as the app's own entries: other deployments on the same stream key ignore it.
        deploymentId,
      }),
      ANNOUNCE_TIMEOUT_MS,
      () => new Error("event bus not ready in time"),
    );
    trouble = "did not confirm the message";
  } catch {
    if (redis) await closeWithin(() => redis!.close());
    redis = undefined;
  }
  /** Messages the service sent that reached the stream, and those that did not (or not in time). */
  let sent = 0;
  let unsent = 0;
  const channel: InternalChannel = {
    async publish(message) {
      if (!bus) {
        unsent++;
        return;
      }
      try {
        await withTimeout(
          bus.internal.publish(message),
          ANNOUNCE_TIMEOUT_MS,
          () => new Error("event stream did not confirm the message in time"),
        );
        sent++;
      } catch (error) {
        // A refused payload is the service's to handle (it asks the others to forget all).
        if (error instanceof EventRefusedError) throw error;
        unsent++;
      }
    },
    subscribe: (handler, onGap) => bus?.internal.subscribe(handler, onGap) ?? (() => {}),
    listening: () => bus?.internal.listening() ?? true,
  };
  /** Messages the bus queued for later (Redis lost after the first connection). */
  const queued = () => bus && isRedisBus(bus) ? bus.outboxLength() : 0;
  return {
    channel,
    async report() {
      if (sent === 0 && unsent === 0) return 0; // nothing ended, nothing to tell
      // A message queued while Redis blinked is sent by the bus's reader once Redis answers.
      const deadline = Date.now() + QUEUED_TIMEOUT_MS;
      while (queued() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (unsent === 0 && queued() === 0) {
        out(`Running instances told to drop the ended credentials from memory (Redis ${address})`);
        return 0;
      }
      err(
        `Warning: the change is made, but running instances were not told (Redis at ${address} ` +
          `${trouble}): during a database outage they may accept the ended credentials from ` +
          "memory for up to 10 minutes; run the same command again once Redis is reachable from here",
      );
      return EXIT_NOT_TOLD;
    },
    async close() {
      // The bus first (it stops its reader on its own connection), then the connections.
      if (bus) await closeWithin(() => bus!.close());
      if (redis) await closeWithin(() => redis!.close());
    },
  };
}

/** The command line, parsed; an unknown option or one missing its value gets the usage. */
function parseOptions() {
  try {
    return parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        role: { type: "string" },
        name: { type: "string" },
        scopes: { type: "string" },
        expires: { type: "string" },
        "password-stdin": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch {
    return fail(`Unknown option, or an option without its value\n\n${USAGE}`);
  }
}

/**
 * Refuses a database whose migrations differ from this checkout's. The command never migrates:
 * run from an operator's checkout, it would create a whole schema in a database named by mistake,
 * or apply a newer checkout's migrations to a running production schema. Both are left to
 * `deno task migrate`, run on purpose with the owner's role (or to the right checkout).
 */
async function requireMigrated(db: Parameters<typeof migrationStatus>[0]): Promise<void> {
  const status = await migrationStatus(db, await readMigrations(bundledMigrationsDir()));
  if (status.unknown.length > 0) {
    fail(
      "The database has migrations this checkout does not know: use the checkout of the " +
        "running version",
    );
  }
  if (status.pending.length > 0) {
    fail(
      "The database needs migrations this tool does not apply: run `deno task migrate` as the " +
        "role that owns the tables, then this command again",
    );
  }
}

/** Runs the command; resolves with the exit status. */
async function main(): Promise<number> {
  const { positionals, values } = parseOptions();
  const [command, ...args] = positionals;
  // Asked for: the usage and success. No command: the usage on stderr and status 1.
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (!command) {
    err(USAGE);
    return 1;
  }

  if (!COMMANDS.has(command)) fail(`Unknown command\n\n${USAGE}`);

  const config = loadConfigFromProcess(VERSION);
  // PGlite in DATA_DIR is single-process: opening it beside a running app is refused
  // (DataDirInUseError), as writing there would be lost. The first round trip is bounded (10 s):
  // an unreachable database stops the command with one line.
  const db = await openReachableDatabase(config);
  try {
    await requireMigrated(db);
    // The bus, Redis and the auth service log errors only (LOG_LEVEL=debug shows everything):
    // this command says itself, in one line, what it could not do.
    const logger = createLogger({
      level: config.logLevel === "debug" ? "debug" : "error",
      format: config.logFormat,
      sink: (line) => err(line),
      scrub: (record) => redact(record) as Record<string, unknown>,
    });
    // Only commands that end credentials have anything to tell; the others do not wait on Redis.
    const peers = config.redisUrl && ENDS_CREDENTIALS.has(command)
      ? await openPeers(config, config.redisUrl, logger, await loadDeploymentId(db, logger))
      : undefined;
    // The app's lock keys (the same ANALYTICS_IP_SALT), so that `unlock <email>` and
    // `reset-password` find the locks the app set; whether they are is checked for `locks` and
    // `unlock`, against the fingerprint the app records (a reset's lock is the lesser part).
    const lockKeys = createLockKeys(config.analytics.ipSalt);
    const appsLockKeys = LOCK_COMMANDS.has(command)
      ? await areTheAppsLockKeys(db, lockKeys).catch(() => undefined)
      : undefined;
    if (appsLockKeys === false) err(OTHER_SALT_WARNING);
    try {
      const auth = createAuthService({
        store: createAuthStore(db),
        // The app's scrub (lib/app.ts): any free text a future entry carries is redacted the same.
        audit: createAuditLog({ db, scrub: (value) => redact(value) }),
        clock: systemClock,
        sessionIdleMinutes: config.auth.sessionIdleMinutes,
        sessionAbsoluteHours: config.auth.sessionAbsoluteHours,
        lockKeys,
        logger,
        ...(peers ? { peers: peers.channel } : {}),
      });
      try {
        await execute(auth, command, args, values, appsLockKeys);
      } finally {
        auth.close();
      }
      return await peers?.report() ?? 0;
    } finally {
      await peers?.close();
    }
  } finally {
    await db.close();
  }
}

type AuthService = ReturnType<typeof createAuthService>;
type SignInLock = Awaited<ReturnType<AuthService["listLocks"]>>[number];

const IpAddress = z.union([z.ipv4(), z.ipv6()]);
/** A lock's key as `locks` prints it (a keyed digest in hex), or its first 8+ characters. */
const LockKeyPrefix = /^[0-9a-f]{8,64}$/;

/**
 * The active lock `target` names: an account's email, a client address as the app saw it (the
 * socket's peer, or the X-Forwarded-For address it believed), or a key or key prefix from `locks`.
 * Undefined when that account or address is not locked; refused when the target is none of these
 * or a prefix names more than one lock.
 */
function lockNamed(
  auth: AuthService,
  target: string,
  locks: SignInLock[],
): SignInLock | undefined {
  if (target.includes("@")) {
    const key = auth.lockKeys.account(target);
    return locks.find((lock) => lock.key === key);
  }
  if (IpAddress.safeParse(target).success) {
    const key = auth.lockKeys.address(target);
    return locks.find((lock) => lock.key === key);
  }
  const prefix = target.toLowerCase();
  if (!LockKeyPrefix.test(prefix)) {
    fail("Give the account's email, the client address, or the lock's key as `locks` lists it");
  }
  const matching = locks.filter((lock) => lock.key.startsWith(prefix));
  if (matching.length > 1) fail("That key prefix names more than one lock: give more of the key");
  if (matching.length === 0) fail("No active sign-in lock has that key (see `locks`)");
  return matching[0];
}

/** The commands that find sign-in locks by the app's lock keys. */
const LOCK_COMMANDS: ReadonlySet<string> = new Set(["locks", "unlock"]);

/** Said (on stderr) when the lock keys here are not the running app's. */
const OTHER_SALT_WARNING =
  "Warning: this ANALYTICS_IP_SALT may not be the running app's (the sign-in lock keys differ " +
  "from those the app last started with): locks may not be found or named by email or address " +
  "here; run with the app's ANALYTICS_IP_SALT, or give the lock's key as `locks` lists it";

/**
 * How a lock is named to the operator: the account's email, or "a client address". An account
 * lock no account's email gives: an unknown email under the app's keys; under other keys (another
 * ANALYTICS_IP_SALT, or none) every account's lock, the administrator's too.
 */
function lockHolder(lock: SignInLock, appsLockKeys: boolean | undefined): string {
  if (lock.kind === "ip") return "a client address";
  if (lock.user) return lock.user.email;
  if (appsLockKeys === true) return "an account without a user (an unknown email)";
  if (appsLockKeys === false) return "an account this ANALYTICS_IP_SALT cannot name";
  return "an account no email gives under this ANALYTICS_IP_SALT (an unknown email, or the app " +
    "runs with another salt)";
}

async function execute(
  auth: AuthService,
  command: string,
  args: string[],
  values: { role?: string; name?: string; scopes?: string; expires?: string } & {
    "password-stdin": boolean;
  },
  /** Whether the lock keys here are the app's (undefined: not known; see LOCK_COMMANDS). */
  appsLockKeys: boolean | undefined,
): Promise<void> {
  const system = { type: "system" as const };
  async function userByEmail(email: string | undefined) {
    if (!email) fail("Give the account's email");
    const user = await auth.findUserByEmail(email!);
    if (!user) fail("No account with that email");
    return user!;
  }

  switch (command) {
    case "list":
      for (const user of await auth.listUsers()) {
        out(`${user.email}\t${user.role}\t${user.active ? "active" : "deactivated"}\t${user.id}`);
      }
      break;
    case "create": {
      const { password, generated } = await readPassword(values["password-stdin"]);
      const user = await auth.createUser(
        {
          email: args[0] ?? fail("Give the new account's email"),
          role: role(values.role),
          displayName: values.name ?? "",
          password,
        },
        system,
      );
      out(`Created ${user.email} (${user.role}), id ${user.id}`);
      if (generated) out(`Password (shown once): ${password}`);
      break;
    }
    case "set-role": {
      const user = await userByEmail(args[0]);
      // Found already made (a repeat after exit 3): announced again, as the command promises.
      const { changed } = await auth.updateUser(
        user.id,
        { role: role(args[1]) },
        system,
        undefined,
        {
          announceUnchanged: true,
        },
      );
      out(changed ? `${user.email} is now ${args[1]}` : `${user.email} already is ${args[1]}`);
      break;
    }
    case "deactivate":
    case "activate": {
      const user = await userByEmail(args[0]);
      const { changed } = await auth.updateUser(
        user.id,
        { active: command === "activate" },
        system,
        undefined,
        { announceUnchanged: true },
      );
      out(
        !changed
          ? `${user.email} already is ${command === "activate" ? "active" : "deactivated"}`
          : `${user.email} ${
            command === "activate" ? "reactivated" : "deactivated (sessions ended)"
          }`,
      );
      break;
    }
    case "reset-password": {
      const user = await userByEmail(args[0]);
      const { password, generated } = await readPassword(values["password-stdin"]);
      await auth.resetPassword(user.id, password, system);
      out(`Password of ${user.email} changed; their sessions were ended`);
      if (generated) out(`New password (shown once): ${password}`);
      break;
    }
    case "tokens":
      for (const token of await auth.listTokens()) {
        const state = token.revokedAt
          ? "revoked"
          : token.expiresAt && token.expiresAt < new Date()
          ? "expired"
          : "active";
        out(`${token.id}\t${token.name}\t${token.scopes.join(",")}\t${state}`);
      }
      break;
    case "token-create": {
      const scopes = (values.scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (scopes.length === 0 || unknown.length > 0) {
        fail(`--scopes must list scopes from: ${SCOPES.join(", ")}`);
      }
      const expiresAt = values.expires ? new Date(values.expires) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) {
        fail("--expires must be an ISO-8601 date");
      }
      const { token, secret } = await auth.createToken(
        { name: args[0] ?? fail("Give the token a name"), scopes: scopes as Scope[], expiresAt },
        system,
      );
      out(`Created token ${token.id} (${token.scopes.join(", ")})`);
      out(`Token (shown once): ${secret}`);
      break;
    }
    case "token-revoke":
      await auth.revokeToken(args[0] ?? fail("Give the token id"), system);
      out("Token revoked");
      break;
    case "locks": {
      const locks = await auth.listLocks();
      if (locks.length === 0) out("No account or address is locked");
      for (const lock of locks) {
        out(
          `${lock.key}\t${lockHolder(lock, appsLockKeys)}\t${lock.failures} failures\t` +
            `locked until ${lock.lockedUntil.toISOString()}`,
        );
      }
      break;
    }
    case "unlock": {
      // The way back in when every administrator is locked out (or the hospital's shared address
      // is, after someone's wrong passwords): no sign-in needed, and no password changes.
      const target = args[0] ??
        fail("Give the account's email, the client address, or the lock's key as `locks` lists it");
      const lock = lockNamed(auth, target, await auth.listLocks());
      const byName = target.includes("@") || IpAddress.safeParse(target).success;
      if (!lock && appsLockKeys === false && byName) {
        // Not found under keys other than the app's last ones: "nothing to clear" may be false.
        // (Found: an instance of the app runs with this salt, as during a salt roll-out.)
        fail(
          "No lock found with this ANALYTICS_IP_SALT, which may not be the running app's: give " +
            "the lock's key as `locks` lists it",
        );
      }
      if (!lock) {
        out("No active sign-in lock for that account or address: nothing to clear");
        break;
      }
      await auth.clearLock(lock.key, system);
      out(`Sign-in lock on ${lockHolder(lock, appsLockKeys)} cleared`);
      break;
    }
    default:
      fail(`Unknown command\n\n${USAGE}`);
  }
}

let status: number;
try {
  status = await main();
} catch (error) {
  if (
    error instanceof Refused || error instanceof AppError || error instanceof ConfigError ||
    error instanceof DataDirInUseError || error instanceof DatabaseUnreachableError ||
    error instanceof MigrationChecksumError || error instanceof MigrationFileNameError ||
    error instanceof DataDirUnusableError
  ) {
    err(error.message);
    status = 1;
  } else {
    throw error;
  }
}
// Everything was closed (or abandoned after its bound): end now, whatever a dependency left open.
Deno.exit(status);
