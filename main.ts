/**
 * Process entry: config → database → migrations → Redis → island bundles →
 * app → Deno.serve, with graceful shutdown on SIGINT/SIGTERM.
 * This is the only module that opens connections.
 */
import { createApp } from "./lib/app.ts";
import { type Config, ConfigError, loadConfigFromProcess } from "./lib/config.ts";
import {
  bundledMigrationsDir,
  migrate,
  MigrationChecksumError,
  openDatabase,
  readMigrations,
} from "./lib/db/mod.ts";
import { bootstrapAdmin, createAuthStore } from "./lib/auth/mod.ts";
import { NoAdminError } from "./lib/auth/bootstrap.ts";
import { InvalidStoredModeError } from "./lib/governance/mode.ts";
import { createLogger } from "./lib/log/mod.ts";
import { DEFAULT_SAFE_KEYS, redact } from "./lib/phi/mod.ts";
import { openRedis, type RedisHandle } from "./lib/redis/client.ts";
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
logger.info("starting", { version: VERSION, env: config.appEnv });

const db = await openDatabase(config);
logger.info("database opened", { database: db.description });

try {
  const result = await migrate(db, await readMigrations(bundledMigrationsDir()));
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
  await db.close();
  if (error instanceof MigrationChecksumError) fail(error.message);
  fail(`Migrations failed: ${error instanceof Error ? error.name : "error"}`);
}

let redis: RedisHandle | undefined;
if (config.redisUrl) {
  try {
    redis = await openRedis(config.redisUrl, logger);
    logger.info("redis connected", { redis: redis.description });
  } catch {
    await db.close();
    fail(
      "Redis at REDIS_URL could not be reached at start; check the URL and that Redis is running",
    );
  }
}

const root = new URL("./", import.meta.url);
const { manifest, rebuilt } = await buildIslands({ root });
logger.info(rebuilt ? "island bundles built" : "island bundles up to date", {
  islands: Object.keys(manifest.islands).length,
});

let handle: Awaited<ReturnType<typeof createApp>>;
try {
  handle = await createApp({ config, db, logger, redis, islands: () => manifest });
} catch (error) {
  await redis?.close();
  await db.close();
  if (error instanceof InvalidStoredModeError) fail(error.message);
  throw error;
}
const { app, close } = handle;

try {
  const admin = await bootstrapAdmin(config, {
    auth: handle.services.auth,
    store: createAuthStore(db),
  });
  if (admin.kind === "generated") {
    // Printed once, outside the logger (which would redact it), so the operator can sign in.
    Deno.stderr.writeSync(new TextEncoder().encode(
      `\nDevelopment administrator created: ${admin.email}\n` +
        `Password (shown once, change it at /admin/users): ${admin.password}\n\n`,
    ));
  } else if (admin.kind === "configured" && admin.created) {
    logger.info("administrator created from ADMIN_EMAIL");
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

const server = Deno.serve({
  port: config.port,
  hostname: config.host,
  onListen: ({ hostname, port }) =>
    logger.info("listening", {
      url: `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`,
    }),
}, (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr }));

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) {
    logger.warn("second signal: exiting now", { signal });
    Deno.exit(1);
  }
  shuttingDown = true;
  logger.info("shutting down: draining in-flight requests", {
    signal,
    timeoutS: config.shutdownTimeoutSeconds,
  });
  const deadline = setTimeout(() => {
    logger.error("shutdown timed out: exiting with requests in flight");
    Deno.exit(1);
  }, config.shutdownTimeoutSeconds * 1000);
  try {
    await close();
    await server.shutdown();
    await handle.services.errors.flush(2000);
    await redis?.close();
    await db.close();
    logger.info("stopped");
  } finally {
    clearTimeout(deadline);
  }
  Deno.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void shutdown(signal));
}
