/**
 * Process entry: config → database → migrations → Redis (not awaited: the start never
 * depends on it) → island bundles →
 * app → Deno.serve, with graceful shutdown on SIGINT/SIGTERM.
 * This is the only module that opens connections.
 */
import { createApp } from "./lib/app.ts";
import { type Config, ConfigError, loadConfigFromProcess } from "./lib/config.ts";
import {
  bundledMigrationsDir,
  DATABASE_READ_ONLY_START_LINE,
  migrate,
  MigrationChecksumError,
  migrationFailureLine,
  openDatabase,
  readMigrations,
} from "./lib/db/mod.ts";
import { DataDirInUseError, DataDirUnusableError } from "./lib/db/data_dir_lock.ts";
import { bootstrapAdmin, createAuthStore } from "./lib/auth/mod.ts";
import { NoAdminError } from "./lib/auth/bootstrap.ts";
import { InvalidStoredModeError } from "./lib/governance/mode.ts";
import { DatabaseReadOnlyError } from "./lib/errors/mod.ts";
import { createLogger } from "./lib/log/mod.ts";
import { DEFAULT_SAFE_KEYS, redact } from "./lib/phi/mod.ts";
import { DatabaseUnreachableError, DB_START_TIMEOUT_MS, reachOrClose } from "./lib/db/reach.ts";
import { type RedisHandle, RedisUrlError, startRedis } from "./lib/redis/client.ts";
import { failureReason } from "./lib/health/mod.ts";
import { settlesWithin, withTimeout } from "./lib/timeout.ts";
import { VERSION } from "./lib/version.ts";
import { buildIslands } from "./lib/web/build.ts";
import { installProcessHandlers } from "./lib/sentry/process.ts";

const LOG_SAFE_KEYS = [
  ...DEFAULT_SAFE_KEYS,
  "route",
  "method",
  "status",
  "durationMs",
  "requestId",
];

/** Each close step at shutdown (or after a failed start) may take this long. */
const CLOSE_STEP_TIMEOUT_MS = 5_000;

/** Runs one close step; false when it failed or did not finish within `ms` (it is then abandoned). */
async function closeWithin(work: () => Promise<void> | void, ms: number): Promise<boolean> {
  try {
    await withTimeout(Promise.resolve().then(work), ms, () => new Error("timeout"));
    return true;
  } catch {
    return false;
  }
}

function fail(message: string): never {
  Deno.stderr.writeSync(new TextEncoder().encode(message + "\n"));
  Deno.exit(1);
}

function readConfig(): Config {
  try {
    return loadConfigFromProcess(VERSION);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}
const config = readConfig();

// Every record passes the PHI scanner too; the few fields main.ts fills from configuration
// (where the database and Redis are, where we listen) are operator facts, shown as they are.
const CONFIG_FIELDS = new Set(["database", "redis", "url"]);
const logger = createLogger({
  level: config.logLevel,
  format: config.logFormat,
  base: { service: "governance" },
  scrub: (record) => {
    const trusted = Object.fromEntries(
      Object.entries(record).filter(([key]) => CONFIG_FIELDS.has(key)),
    );
    const rest = Object.fromEntries(
      Object.entries(record).filter(([key]) => !CONFIG_FIELDS.has(key)),
    );
    return {
      ...(redact(rest, { safeKeys: LOG_SAFE_KEYS }) as Record<string, unknown>),
      ...trusted,
    };
  },
});
logger.info("starting", { version: VERSION, build: config.build ?? null, env: config.appEnv });

async function openDatabaseOrFail(): Promise<Awaited<ReturnType<typeof openDatabase>>> {
  try {
    return await openDatabase(config);
  } catch (error) {
    // Another process (a second app, `deno task user`) holds the embedded database, or DATA_DIR
    // is not a directory this process may write (one line, no stack trace).
    if (error instanceof DataDirInUseError || error instanceof DataDirUnusableError) {
      fail(error.message);
    }
    throw error;
  }
}
const db = await openDatabaseOrFail();

try {
  // Bounded to DB_START_TIMEOUT_MS (a blackholed host would hang); closes the pool on failure.
  await reachOrClose(db);
} catch (error) {
  if (error instanceof DatabaseUnreachableError) fail(error.message);
  throw error;
}
// Only once the database answered: creating the pool connects to nothing, and an unreachable
// database must not read as opened before its "could not be reached".
logger.info("database opened", { database: db.description });

try {
  // Says so when it must wait for another instance migrating (the wait itself is unbounded).
  const result = await migrate(db, await readMigrations(bundledMigrationsDir()), { logger });
  logger.info("migrations checked", {
    applied: result.applied.length,
    alreadyApplied: result.alreadyApplied.length,
  });
  if (result.unknown.length > 0) {
    logger.warn("database has migrations this build does not know (newer schema)", {
      count: result.unknown.length,
    });
  }
} catch (error) {
  await closeWithin(() => db.close(), CLOSE_STEP_TIMEOUT_MS);
  if (error instanceof MigrationChecksumError) fail(error.message);
  // The SQLSTATE and fixed words (or a timeout's fixed message, or the read-only line); never the
  // server's message, which may quote a statement and its values.
  fail(migrationFailureLine(error));
}

let redis: RedisHandle | undefined;
if (config.redisUrl) {
  try {
    // Never a reason not to start: Redis holds no state, an instance serves without it (readiness
    // does not depend on it), and an instance that could not start during a Redis outage made a
    // rollout (the emergency STANDBY) replace serving pods with crash-looping ones.
    const started = await startRedis(config.redisUrl, logger);
    redis = started.handle;
    if (started.connected) logger.info("redis connected", { redis: redis.description });
    else {
      logger.warn("redis unreachable at start; serving without it, connecting when it comes up", {
        redis: redis.description,
        reason: failureReason(started.error).replace(/^failed: /, ""),
      });
    }
  } catch (error) {
    await closeWithin(() => db.close(), CLOSE_STEP_TIMEOUT_MS);
    // A URL the client refuses is a configuration error, not an outage.
    if (error instanceof RedisUrlError) fail(error.message);
    throw error;
  }
}

const root = new URL("./", import.meta.url);
const { manifest, rebuilt } = await buildIslands({ root });
logger.info(rebuilt ? "island bundles built" : "island bundles up to date", {
  islands: Object.keys(manifest.islands).length,
});

/**
 * A start step that reads the database after the migrations says so once it has waited
 * DB_START_TIMEOUT_MS, and ends the start after DB_STATEMENT_TIMEOUT_MS + 10 s: longer than any
 * one statement may run (past it the server ends the statement and answers with an error, which
 * the step reports as itself), so only a database that stopped answering altogether (a frozen
 * server, a connection stalled on the network) reaches it. Without it the start hung at the mode's
 * first read with no word, not listening, until a probe killed it. With DB_STATEMENT_TIMEOUT_MS=0
 * (no bound on a statement) a statement may wait for a lock for as long as it is held, so the start
 * waits too, having said so. The migrations are not bounded so: one may wait for another
 * instance's (it says so) or run long on a large table.
 */
const startStepBoundMs = config.database.statementTimeoutMs > 0
  ? config.database.statementTimeoutMs + DB_START_TIMEOUT_MS
  : undefined;

/** `work`'s outcome; a warning once it has waited, an exit with one line past the bound. */
async function boundedStartStep<T>(step: string, work: Promise<T>): Promise<T> {
  if (await settlesWithin(work, DB_START_TIMEOUT_MS)) return await work;
  logger.warn("start waiting on the database", {
    step,
    waitedSeconds: DB_START_TIMEOUT_MS / 1000,
    ...(startStepBoundMs ? { exitAfterSeconds: Math.round(startStepBoundMs / 1000) } : {}),
  });
  if (
    startStepBoundMs !== undefined &&
    !(await settlesWithin(work, startStepBoundMs - DB_START_TIMEOUT_MS))
  ) {
    // Nothing is closed: closing waits on the same unanswered connection.
    fail(
      `Database at DATABASE_URL stopped answering during start (${step}): no answer within ` +
        `${Math.round(startStepBoundMs / 1000)} s; check the database's health ` +
        "(docs/operations/TROUBLESHOOTING.md)",
    );
  }
  return await work;
}

let handle: Awaited<ReturnType<typeof createApp>>;
try {
  handle = await boundedStartStep(
    "building the app: governance mode, flags",
    createApp({ config, db, logger, redis, islands: () => manifest }),
  );
} catch (error) {
  await redis?.close();
  await db.close();
  if (error instanceof InvalidStoredModeError) fail(error.message);
  if (error instanceof DatabaseReadOnlyError) {
    // The mode's first read found a standby (or default_transaction_read_only) on a migrated
    // database: as unusable as an unreachable database (docs/operations/TROUBLESHOOTING.md).
    // With migrations pending, migrationFailureLine gave the same line.
    fail(DATABASE_READ_ONLY_START_LINE);
  }
  throw error;
}
const { app, close, closeStreams } = handle;

try {
  const admin = await boundedStartStep(
    "checking the administrator account",
    bootstrapAdmin(config, { auth: handle.services.auth, store: createAuthStore(db) }),
  );
  if (admin.kind === "generated") {
    // Printed once, outside the logger (which would redact it), so the operator can sign in.
    Deno.stderr.writeSync(new TextEncoder().encode(
      `\nDevelopment administrator created: ${admin.email}\n` +
        `Password (shown once, change it at /settings/account): ${admin.password}\n\n`,
    ));
  } else if (admin.kind === "configured" && admin.created) {
    logger.info("administrator created from ADMIN_EMAIL");
  } else if (admin.kind === "configured" && admin.standing !== "active_admin") {
    // Left as it is on purpose (see bootstrapAdmin); say so once, without the address.
    logger.warn(
      "ADMIN_EMAIL names an existing account that is not an active ADMIN; left unchanged",
      {
        standing: admin.standing,
        restore: "deno task user activate|set-role",
      },
    );
  }
} catch (error) {
  await close();
  await redis?.close();
  await db.close();
  if (error instanceof NoAdminError) fail(error.message);
  throw error;
}

// Unhandled rejections and uncaught exceptions are logged (class only) and reported to Sentry.
installProcessHandlers({ errors: handle.services.errors, logger, exit: (code) => Deno.exit(code) });

/** Why the server could not listen, in the words of an operator's fix. */
function listenFailure(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) return "the port is already in use";
  if (error instanceof Deno.errors.AddrNotAvailable) return "the address is not on this machine";
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied (a port below 1024?)";
  }
  if (error instanceof Error && /lookup address|not known/i.test(error.message)) {
    return "the host name does not resolve";
  }
  return error instanceof Error ? error.name : "unknown error";
}

let server: Deno.HttpServer;
try {
  server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) =>
      logger.info("listening", {
        url: `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`,
      }),
  }, (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr }));
} catch (error) {
  // Binding fails synchronously; without this the module's rejection was only logged and the
  // process stayed up without listening (a pod that never gets ready, for no visible reason).
  await close();
  await redis?.close();
  await db.close();
  fail(`Cannot listen on HOST=${config.host} PORT=${config.port}: ${listenFailure(error)}`);
}

/**
 * A signal of the same kind this soon after the first is the same request delivered twice, not a
 * second one: `deno task start` passes a signal on to the app, which also receives it itself when
 * the signal is sent to the whole process group (Ctrl-C in a terminal, `kill -- -<pgid>`, GNU
 * timeout, systemd's default KillMode), so one Ctrl-C skipped the drain. A person who means the
 * second press (exit now) takes longer, or presses again.
 */
const REPEATED_SIGNAL_MS = 500;

let shuttingDown = false;
let firstSignal: { signal: string; at: number } | undefined;
/**
 * Graceful shutdown. Only the drain of in-flight requests is bounded by SHUTDOWN_TIMEOUT_SECONDS:
 * when requests are still running then, it exits 1 ("exiting with requests in flight"). Every
 * other step (streams, app services, error reports, Redis, database) has its own bound
 * (CLOSE_STEP_TIMEOUT_MS; the error flush 2 s) and is abandoned with a warning naming it, and the
 * next step still runs: once every request finished the exit code is 0 even if a dependency did
 * not close in time, because nothing was lost. Worst case after SIGTERM: the drain plus 22 s,
 * which the Kubernetes grace period (deploy/kubernetes/deployment.yaml) covers with the preStop
 * pause.
 */
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) {
    if (
      firstSignal?.signal === signal && performance.now() - firstSignal.at < REPEATED_SIGNAL_MS
    ) {
      logger.debug("signal received twice at once: taken as one", { signal });
      return;
    }
    logger.warn("second signal: exiting now", { signal });
    Deno.exit(1);
  }
  shuttingDown = true;
  firstSignal = { signal, at: performance.now() };
  logger.info("shutting down: draining in-flight requests", {
    signal,
    timeoutS: config.shutdownTimeoutSeconds,
  });
  const notClosed: string[] = [];
  const closeStep = async (name: string, work: () => Promise<void> | void) => {
    if (!(await closeWithin(work, CLOSE_STEP_TIMEOUT_MS))) {
      notClosed.push(name);
      logger.warn("shutdown step did not finish in time; skipped", { step: name });
    }
  };
  // Streams first: they never end by themselves, so draining would wait on them. The event
  // bus, flags, auth and scheduler close only after the drain: a change that commits while
  // draining still publishes its event (other instances and their streams learn of it now).
  await closeStep("closing event streams", closeStreams);
  const drainDeadline = setTimeout(() => {
    logger.error("shutdown timed out: exiting with requests in flight");
    Deno.exit(1);
  }, config.shutdownTimeoutSeconds * 1000);
  try {
    await server.shutdown();
  } finally {
    clearTimeout(drainDeadline);
  }
  await closeStep("closing app services", close);
  await closeStep("flushing error reports", async () => {
    await handle.services.errors.flush(2000);
  });
  await closeStep("closing redis", () => redis?.close());
  await closeStep("closing database", () => db.close());
  logger.info("stopped", notClosed.length > 0 ? { notClosed } : {});
  Deno.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void shutdown(signal));
}
