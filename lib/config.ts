/**
 * The one reader of the environment. Every variable the app honours is parsed
 * and validated here into a typed, frozen {@link Config}; every other module
 * receives the config (or the part it needs) as a dependency.
 *
 * An invalid value stops the start with one line naming the variable and what
 * it accepts. Values are never echoed: they may be secrets.
 */
import { z } from "zod";
import { isAcceptedEmail, passwordProblem } from "./auth/account_rules.ts";
import { isAcceptedRedisUrl, REDIS_URL_EXPECTATION } from "./redis/url.ts";
import { type EventConstant, eventConstantProblem } from "./sentry/scrub.ts";

export const MODES = ["STANDBY", "DEMO", "LIVE"] as const;
export type Mode = (typeof MODES)[number];

export const APP_ENVS = ["development", "staging", "production"] as const;
export type AppEnv = (typeof APP_ENVS)[number];

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Raised when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly variable: string, readonly expectation: string) {
    super(`Invalid configuration: ${variable} ${expectation}`);
    this.name = "ConfigError";
  }
}

/** The most proxies TRUST_PROXY may name (and the deepest X-Forwarded-For is walked). */
export const MAX_TRUSTED_PROXIES = 10;

/** The shortest METRICS_TOKEN accepted: long enough that guessing it is hopeless. */
export const METRICS_TOKEN_MIN_LENGTH = 32;

/**
 * How every placeholder in the shipped examples starts (deploy/kubernetes/secret.example.yaml).
 * Outside development a secret setting with such a value stops the start.
 */
export const PLACEHOLDER_PREFIX = "replace-with-";

/**
 * Example secret values shipped in the repository that are not `replace-with-…` placeholders
 * (bench/ingest.ts, bench/analytics_summary.ts), refused outside development like them: they
 * are public.
 */
const EXAMPLE_SECRETS: Readonly<Record<string, readonly string[]>> = {
  ANALYTICS_IP_SALT: ["bench-salt-0123456789abcdef"],
};

/**
 * User and password of example connection URLs: an earlier deploy/kubernetes/secret.example.yaml
 * (`USER:PASSWORD`) and docs/configuration.md (`user:pass`). The local compose.yaml stack's
 * `researchflow:researchflow` is not among them: that stack runs as `staging` by default.
 */
const EXAMPLE_URL_CREDENTIALS: readonly (readonly [string, string])[] = [
  ["USER", "PASSWORD"],
  ["user", "pass"],
];

/** The settings that hold a secret (the URLs through their user and password). */
const SECRET_SETTINGS = ["ADMIN_PASSWORD", "ANALYTICS_IP_SALT", "METRICS_TOKEN"] as const;
const SECRET_URL_SETTINGS = ["DATABASE_URL", "REDIS_URL"] as const;

function isPlaceholder(value: string): boolean {
  return value.trim().toLowerCase().startsWith(PLACEHOLDER_PREFIX);
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** True when a connection URL still carries a placeholder or example user and password. */
function hasExampleCredentials(raw: string): boolean {
  const parsed = new URL(raw);
  const user = decoded(parsed.username);
  const password = decoded(parsed.password);
  return isPlaceholder(user) || isPlaceholder(password) ||
    EXAMPLE_URL_CREDENTIALS.some(([u, p]) => u === user && p === password);
}

/**
 * The first secret setting that still holds a shipped example value: a `replace-with-…`
 * placeholder or another example from the repository. Only the variable is returned.
 */
function exampleSecretIn(e: Env): string | undefined {
  for (const variable of SECRET_SETTINGS) {
    const value = e[variable];
    if (value === undefined) continue;
    if (isPlaceholder(value) || EXAMPLE_SECRETS[variable]?.includes(value.trim())) return variable;
  }
  for (const variable of SECRET_URL_SETTINGS) {
    const value = e[variable];
    if (value !== undefined && hasExampleCredentials(value)) return variable;
  }
  return undefined;
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

const bool = (fallback: boolean) =>
  z.string().optional().transform((raw, ctx) => {
    // Empty is unset, as for every other setting: `STRICT_PHI_ON_UPLOAD=` keeps its default (on)
    // rather than silently turning the safeguard off.
    if (raw === undefined || raw.trim() === "") return fallback;
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    ctx.addIssue({ code: "custom", message: "must be one of true, false, 1, 0, yes, no, on, off" });
    return z.NEVER;
  });

const int = (fallback: number, min: number, max: number) =>
  z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return value;
  });

/** Milliseconds: 0 (off) or a whole number from `min` to `max`. */
const millis = (fallback: number, min: number, max: number) =>
  z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || (value !== 0 && (value < min || value > max))) {
      ctx.addIssue({
        code: "custom",
        message: `must be 0 (off) or a whole number of milliseconds from ${min} to ${max}`,
      });
      return z.NEVER;
    }
    return value;
  });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return undefined;
    const value = raw.trim();
    if (!(values as readonly string[]).includes(value)) {
      ctx.addIssue({ code: "custom", message: `must be one of ${values.join(", ")}` });
      return z.NEVER;
    }
    return value as T[number];
  });

/** TRUST_PROXY: a boolean word (true: one proxy) or the number of trusted proxies, 0 when none. */
const proxyHops = (max: number) =>
  z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return 0;
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return 1;
    if (FALSE_WORDS.has(word)) return 0;
    const value = /^\d{1,2}$/.test(word) ? Number(word) : Number.NaN;
    if (!(value >= 1 && value <= max)) {
      ctx.addIssue({
        code: "custom",
        message: `must be true, false, or the number of trusted proxies from 1 to ${max}`,
      });
      return z.NEVER;
    }
    return value;
  });

const url = (protocols: readonly string[]) =>
  z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return undefined;
    try {
      const parsed = new URL(raw.trim());
      if (!protocols.includes(parsed.protocol)) throw new Error("protocol");
      return raw.trim();
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `must be a URL with protocol ${
          protocols.map((p) => p.replace(":", "")).join(" or ")
        }`,
      });
      return z.NEVER;
    }
  });

/** REDIS_URL: the form the Redis client accepts (lib/redis/url.ts, the rule RedisUrlError uses). */
const redisUrl = () =>
  z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return undefined;
    if (!isAcceptedRedisUrl(raw.trim())) {
      ctx.addIssue({ code: "custom", message: REDIS_URL_EXPECTATION });
      return z.NEVER;
    }
    return raw.trim();
  });

/** Free text: surrounding white space is dropped; empty or white space only is unset. */
const text = () =>
  z.string().optional().transform((raw) => {
    const value = raw?.trim();
    return value === undefined || value === "" ? undefined : value;
  });

/**
 * A secret: kept as written, since a space can be part of a password; empty or white space only
 * is unset, as for every other setting.
 */
const secret = () =>
  z.string().optional().transform((raw) =>
    raw === undefined || raw.trim() === "" ? undefined : raw
  );

const list = () =>
  z.string().optional().transform((raw) =>
    (raw ?? "").split(",").map((item) => item.trim()).filter((item) => item.length > 0)
  );

const IPV4 = z.ipv4();
const IPV6 = z.ipv6();

/** An IP address or a CIDR range (v4 /0-32, v6 /0-128). */
export function isIpRule(rule: string): boolean {
  const [address, bits, extra] = rule.split("/");
  if (extra !== undefined || address === undefined) return false;
  const v4 = IPV4.safeParse(address).success;
  const v6 = !v4 && IPV6.safeParse(address).success;
  if (!v4 && !v6) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (v4 ? 32 : 128);
}

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * What HOST accepts: an IPv4 address, an IPv6 address (bracketed or not, with a zone such as
 * `%eth0`), or a host name of labels of letters, digits, `-` and `_` separated by dots. Anything
 * else (a space, a scheme, a port) made the server fail at listen with a URIError.
 */
export function isHostAddress(host: string): boolean {
  if (IPV4.safeParse(host).success) return true;
  const bracketed = /^\[(.*)\]$/.exec(host);
  const [address, zone, extra] = (bracketed?.[1] ?? host).split("%");
  if (
    address !== undefined && extra === undefined && IPV6.safeParse(address).success &&
    (zone === undefined || /^[A-Za-z0-9_.-]+$/.test(zone))
  ) {
    return true;
  }
  if (bracketed !== null || host.length > 253) return false;
  return host.replace(/\.$/, "").split(".").every((label) => HOST_LABEL.test(label));
}

const hostText = () =>
  text().superRefine((host, ctx) => {
    if (host !== undefined && !isHostAddress(host)) {
      ctx.addIssue({
        code: "custom",
        message:
          "must be an IP address or a host name (letters, digits, - and _, separated by dots)",
      });
    }
  });

/**
 * A comma-separated list of addresses and CIDR ranges; the error never repeats a value. A
 * `replace-with-…` entry (deploy/kubernetes/configmap.yaml ships one for TRUSTED_PROXY_IPS) is
 * named as the placeholder it is, in every environment: unlike a secret it cannot stand in for
 * a value even in development, since it is no address.
 */
const ipList = () =>
  list().superRefine((rules, ctx) => {
    if (rules.some(isPlaceholder)) {
      ctx.addIssue({ code: "custom", message: "is still the example placeholder" });
    } else if (rules.some((rule) => !isIpRule(rule))) {
      ctx.addIssue({ code: "custom", message: "must list IP addresses or CIDR ranges" });
    }
  });

/**
 * A comma-separated list of web origins (`https://ward.example.org`, `http://localhost:5173`),
 * or `*` alone. Each is stored as its origin (`https://ward.example.org`); a path, query,
 * credentials or another scheme is refused, and the error never repeats a value.
 */
const originList = () =>
  list().transform((items, ctx) => {
    if (items.length === 1 && items[0] === "*") return items;
    const origins: string[] = [];
    for (const item of items) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(item);
      } catch {
        parsed = undefined;
      }
      const plain = parsed !== undefined && (parsed.protocol === "https:" ||
        parsed.protocol === "http:") &&
        parsed.username === "" && parsed.password === "" &&
        parsed.search === "" && parsed.hash === "" && /^[^/]+:\/\/[^/]+\/?$/.test(item);
      if (!plain) {
        ctx.addIssue({
          code: "custom",
          message: "must list origins such as https://app.example.org (no path), or be * alone",
        });
        return z.NEVER;
      }
      origins.push(parsed!.origin);
    }
    return origins;
  });

const envSchema = z.object({
  PORT: int(8000, 0, 65535),
  HOST: hostText(),
  APP_ENV: oneOf(APP_ENVS),
  PUBLIC_URL: url(["http:", "https:"]),
  DATABASE_URL: url(["postgres:", "postgresql:"]),
  DATA_DIR: text(),
  EMBEDDED_DATABASE: bool(false),
  DB_STATEMENT_TIMEOUT_MS: millis(15_000, 100, 3_600_000),
  DB_LOCK_TIMEOUT_MS: millis(5_000, 100, 3_600_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: millis(60_000, 1_000, 86_400_000),
  REDIS_URL: redisUrl(),
  ROS_MODE: oneOf(MODES),
  GOVERNANCE_MODE: oneOf(MODES),
  NO_NETWORK: bool(false),
  MOCK_ONLY: bool(false),
  ALLOW_UPLOADS: bool(false),
  STRICT_PHI_ON_UPLOAD: bool(true),
  LOG_LEVEL: oneOf(LOG_LEVELS),
  LOG_FORMAT: oneOf(["json", "text"] as const),
  WORKER_URL: url(["http:", "https:"]),
  WORKER_CALLBACK_URL: url(["http:", "https:"]),
  SENTRY_DSN: url(["http:", "https:"]),
  SENTRY_ENVIRONMENT: text(),
  SENTRY_RELEASE: text(),
  APP_BUILD: z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return undefined;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw.trim())) {
      ctx.addIssue({ code: "custom", message: "must be 1-64 of A-Z a-z 0-9 . _ - (a commit id)" });
      return z.NEVER;
    }
    return raw.trim();
  }),
  SENTRY_TRACES_SAMPLE_RATE: z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return 0;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      ctx.addIssue({ code: "custom", message: "must be a number from 0 to 1" });
      return z.NEVER;
    }
    return value;
  }),
  ANALYTICS_IP_SALT: secret(),
  ANALYTICS_EMIT: oneOf(["on", "off"] as const),
  ANALYTICS_RETENTION_DAYS: int(395, 1, 3650),
  TRUST_PROXY: proxyHops(MAX_TRUSTED_PROXIES),
  TRUSTED_PROXY_IPS: ipList(),
  BODY_LIMIT_BYTES: int(1_048_576, 1024, 104_857_600),
  SHUTDOWN_TIMEOUT_SECONDS: int(30, 1, 600),
  ADMIN_EMAIL: text(),
  ADMIN_PASSWORD: secret(),
  SESSION_IDLE_MINUTES: int(30, 1, 1440),
  SESSION_ABSOLUTE_HOURS: int(12, 1, 720),
  RATE_LIMIT_PER_MIN: int(600, 0, 1_000_000),
  RATE_LIMIT_OFREP_PER_MIN: int(60_000, 0, 10_000_000),
  OFREP_CORS_ORIGINS: originList(),
  ALLOW_IPS: ipList(),
  DENY_IPS: ipList(),
  METRICS_TOKEN: secret(),
  METRICS_ALLOW_IPS: ipList(),
  SSE_HEARTBEAT_SECONDS: int(25, 1, 300),
  SSE_REVALIDATE_SECONDS: int(60, 1, 3600),
  SSE_MAX_CONNECTIONS: int(10_000, 1, 1_000_000),
  SSE_MAX_CONNECTIONS_PER_USER: int(10, 1, 10_000),
  EVENT_HISTORY_SIZE: int(1000, 10, 1_000_000),
  JOB_STALL_AFTER_MINUTES: int(30, 0, 10_080),
  JOB_RETENTION_DAYS: int(365, 1, 3650),
  EVENT_STREAM_KEY: z.string().optional().transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return undefined;
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(raw.trim())) {
      ctx.addIssue({ code: "custom", message: "must be 1-128 of A-Z a-z 0-9 _ . : -" });
      return z.NEVER;
    }
    return raw.trim();
  }),
});

type Env = z.output<typeof envSchema>;

/** The validated, typed configuration of one process. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly appEnv: AppEnv;
  /** Public origin (scheme://host[:port]) when the app sits behind a proxy; used for Origin checks. */
  readonly publicUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /**
   * Server-side bounds on every connection to `DATABASE_URL`, in ms (0: the server's own
   * setting); PGlite enforces none of them (docs/configuration.md, "Database timeouts").
   */
  readonly database: {
    /** `DB_STATEMENT_TIMEOUT_MS` → `statement_timeout`. */
    readonly statementTimeoutMs: number;
    /** `DB_LOCK_TIMEOUT_MS` → `lock_timeout`. */
    readonly lockTimeoutMs: number;
    /** `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS` → `idle_in_transaction_session_timeout`. */
    readonly idleInTransactionTimeoutMs: number;
  };
  readonly redisUrl: string | undefined;
  /** Operator's emergency mode; when set the mode is pinned. */
  readonly rosMode: Mode | undefined;
  /** Legacy default mode, below the database value in precedence. */
  readonly governanceMode: Mode | undefined;
  readonly noNetwork: boolean;
  readonly mockOnly: boolean;
  readonly allowUploads: boolean;
  readonly strictPhiOnUpload: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: "json" | "text";
  readonly workerUrl: string | undefined;
  readonly sentry: {
    readonly dsn: string | undefined;
    readonly environment: string;
    readonly release: string;
    readonly tracesSampleRate: number;
  };
  readonly analytics: {
    readonly ipSalt: string | undefined;
    readonly emit: boolean;
    readonly retentionDays: number;
  };
  /**
   * How many proxies in front of the app append to `X-Forwarded-For`
   * (`TRUST_PROXY`: true is 1, false is 0): the switch for reading the header at all and the
   * deepest the client is looked for from the right. 0: the socket's peer.
   */
  readonly trustProxy: number;
  /**
   * `TRUSTED_PROXY_IPS`: the peers whose `X-Forwarded-For` is believed, and the addresses
   * skipped in it as further proxies (lib/http/client_ip.ts). Empty with `trustProxy` above 0:
   * any peer is believed, which only development accepts.
   */
  readonly trustedProxyIps: readonly string[];
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutSeconds: number;
  readonly auth: {
    readonly adminEmail: string | undefined;
    readonly adminPassword: string | undefined;
    readonly sessionIdleMinutes: number;
    readonly sessionAbsoluteHours: number;
  };
  readonly security: {
    readonly rateLimitPerMin: number;
    /** Flag evaluations per minute per signed-in caller on `/ofrep/*` (its own budget). */
    readonly ofrepRateLimitPerMin: number;
    /** Web origins allowed to call `/ofrep/*` from a browser (`*` for any); empty: none. */
    readonly ofrepCorsOrigins: readonly string[];
    readonly allowIps: readonly string[];
    readonly denyIps: readonly string[];
  };
  readonly metrics: {
    readonly token: string | undefined;
    readonly allowIps: readonly string[];
  };
  readonly realtime: {
    readonly heartbeatSeconds: number;
    /** How often an open stream re-checks its caller's session or token. */
    readonly revalidateSeconds: number;
    readonly maxConnections: number;
    readonly maxConnectionsPerUser: number;
    readonly historySize: number;
    /** The Redis stream the event bus uses (`EVENT_STREAM_KEY`). */
    readonly streamKey: string;
  };
  readonly jobs: {
    /** An unfinished job silent for longer than this is shown as stalled (0: never). */
    readonly stallAfterMinutes: number;
    /**
     * A finished job (`completed`, `failed`) whose last change is older than this many days is
     * deleted by the retention chore; unfinished jobs are never deleted.
     */
    readonly retentionDays: number;
  };
  /** `FEATURE_<KEY>=true|false` overrides, keyed by the normalized upper-case key. */
  readonly featureOverrides: Readonly<Record<string, boolean>>;
  readonly version: string;
  /** What was built: APP_BUILD (the image's commit, set at `docker build`), or undefined. */
  readonly build: string | undefined;
}

/** `FEATURE_<KEY>` env name for a flag key: upper-cased, non-alphanumerics → `_`. */
export function featureOverrideName(flagKey: string): string {
  return `FEATURE_${flagKey.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

function parseFeatureOverrides(env: Record<string, string | undefined>): Record<string, boolean> {
  const overrides: Record<string, boolean> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("FEATURE_") || raw === undefined) continue;
    const word = raw.trim().toLowerCase();
    if (word === "true") overrides[name] = true;
    else if (word === "false") overrides[name] = false;
    else throw new ConfigError(name, "must be true or false");
  }
  return overrides;
}

const SENTRY_CONSTANT_EXAMPLES: Record<EventConstant, string> = {
  release: "researchflow-governance@1.2.3 or researchflow-governance@1.0.0-beta",
  environment: "production or staging-eu",
};

/**
 * Stops the start when the scrub would drop every event because of `value` (the PHI scanner
 * reads `app@1.0.0.beta` or `dev@laptop.local` as an e-mail address), or leave it out of every
 * event. Checked whether or not SENTRY_DSN is set, so turning Sentry on later (in an incident)
 * cannot be what stops the start. The line names the variable and the finding type, never the
 * value.
 */
function checkSentryConstant(variable: string, field: EventConstant, value: string): void {
  const problem = eventConstantProblem(field, value);
  if (problem === undefined) return;
  if (problem.kind === "shape") {
    throw new ConfigError(
      variable,
      "must be 1-200 of A-Z a-z 0-9 _ . @ + : / - (Sentry events would leave it out)",
    );
  }
  throw new ConfigError(
    variable,
    `is read as ${problem.findings.join(", ")} by the PHI scanner, so every Sentry event would ` +
      `be dropped; use a form such as ${SENTRY_CONSTANT_EXAMPLES[field]}`,
  );
}

/**
 * Parses an environment map into a {@link Config}.
 * Throws {@link ConfigError} naming the first invalid variable.
 *
 * @example
 * const config = loadConfig({ PORT: "8080", ROS_MODE: "STANDBY" });
 * config.rosMode; // "STANDBY"
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: { version?: string } = {},
): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    throw new ConfigError(variable, issue?.message ?? "is invalid");
  }
  const e: Env = result.data;
  const appEnv: AppEnv = e.APP_ENV ?? "development";
  if (e.WORKER_URL && e.WORKER_CALLBACK_URL && e.WORKER_URL !== e.WORKER_CALLBACK_URL) {
    throw new ConfigError("WORKER_CALLBACK_URL", "must equal WORKER_URL when both are set");
  }
  if (e.EMBEDDED_DATABASE && e.DATABASE_URL !== undefined) {
    throw new ConfigError(
      "EMBEDDED_DATABASE",
      "must not be true when DATABASE_URL is set (unset one of them)",
    );
  }
  if (appEnv !== "development" && !e.ANALYTICS_IP_SALT) {
    throw new ConfigError("ANALYTICS_IP_SALT", "must be set outside development");
  }
  // Before the length rules: a copied placeholder is named as such, whatever its length.
  const example = appEnv === "development" ? undefined : exampleSecretIn(e);
  if (example !== undefined) {
    throw new ConfigError(example, "is still the example placeholder");
  }
  // Believing X-Forwarded-For from any peer lets whoever reaches the app directly, past the
  // proxies, pick its own address: into METRICS_ALLOW_IPS, out of DENY_IPS and every per-client
  // lock-out and budget. Development keeps that for a laptop behind a local proxy.
  if (appEnv !== "development" && e.TRUST_PROXY > 0 && e.TRUSTED_PROXY_IPS.length === 0) {
    throw new ConfigError(
      "TRUSTED_PROXY_IPS",
      "must list the proxies' addresses or CIDR ranges when TRUST_PROXY is on outside development",
    );
  }
  // The CSRF check compares a browser's Origin with this site's. Behind the TLS-terminating
  // proxy production runs behind, the app sees http://<Host> while browsers send
  // Origin: https://<Host>: without PUBLIC_URL every sign-in and form would be refused as
  // cross-site (and the Host header would decide what this site is).
  if (appEnv === "production") {
    if (e.PUBLIC_URL === undefined) {
      throw new ConfigError(
        "PUBLIC_URL",
        "must be set in production: the https:// address users open (https://governance.example.org)",
      );
    }
    const publicUrl = new URL(e.PUBLIC_URL);
    if (isPlaceholder(publicUrl.hostname)) {
      throw new ConfigError("PUBLIC_URL", "is still the example placeholder");
    }
    if (publicUrl.protocol !== "https:") {
      throw new ConfigError(
        "PUBLIC_URL",
        "must be an https:// address in production (session cookies are Secure)",
      );
    }
  }
  // Surrounding white space is kept in the salt (trimming one in use would change every hash)
  // but not counted: it adds nothing a guess has to find.
  if (e.ANALYTICS_IP_SALT !== undefined && e.ANALYTICS_IP_SALT.trim().length < 16) {
    throw new ConfigError("ANALYTICS_IP_SALT", "must be at least 16 characters");
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError("ADMIN_PASSWORD", "must be set together with ADMIN_EMAIL");
  }
  // The account rules, checked here: failing them at account creation would stop the start
  // half-way with a stack trace instead of this one line.
  if (e.ADMIN_PASSWORD !== undefined) {
    const problem = passwordProblem(e.ADMIN_PASSWORD);
    if (problem !== undefined) {
      throw new ConfigError("ADMIN_PASSWORD", `breaks the account password rule: ${problem}`);
    }
  }
  if (e.ADMIN_EMAIL !== undefined && !isAcceptedEmail(e.ADMIN_EMAIL.toLowerCase())) {
    throw new ConfigError("ADMIN_EMAIL", "must be an email address (at most 254 characters)");
  }
  if (e.METRICS_TOKEN !== undefined && e.METRICS_TOKEN.length < METRICS_TOKEN_MIN_LENGTH) {
    throw new ConfigError(
      "METRICS_TOKEN",
      `must be at least ${METRICS_TOKEN_MIN_LENGTH} characters`,
    );
  }
  if (e.METRICS_TOKEN !== undefined && /\s/.test(e.METRICS_TOKEN)) {
    throw new ConfigError("METRICS_TOKEN", "must not contain spaces or line breaks");
  }
  // Last, so every other refusal is named first. Without a server each production or staging
  // instance would run on a database of its own (its own mode, audit log and administrator) and
  // report ready: a dropped or misspelled secret must stop the start. Staging is deployed like
  // production (replicas, the same manifests); compose.yaml's staging stack sets DATABASE_URL.
  // A single instance on the embedded database is a choice made explicitly.
  if (appEnv !== "development" && e.DATABASE_URL === undefined && !e.EMBEDDED_DATABASE) {
    throw new ConfigError(
      "DATABASE_URL",
      `must be set in ${appEnv} (or set EMBEDDED_DATABASE=true to run a single instance on ` +
        "the embedded database under DATA_DIR)",
    );
  }
  const version = options.version ?? "0.0.0";
  const sentryEnvironment = e.SENTRY_ENVIRONMENT ?? appEnv;
  // Each build its own release, so Sentry tells a regression from an old error.
  const sentryRelease = e.SENTRY_RELEASE ??
    `researchflow-governance@${version}${e.APP_BUILD ? `+${e.APP_BUILD}` : ""}`;
  checkSentryConstant("SENTRY_RELEASE", "release", sentryRelease);
  checkSentryConstant("SENTRY_ENVIRONMENT", "environment", sentryEnvironment);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST ?? "0.0.0.0",
    appEnv,
    publicUrl: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : undefined,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR ?? "./.data",
    database: {
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: e.DB_LOCK_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    redisUrl: e.REDIS_URL,
    rosMode: e.ROS_MODE,
    governanceMode: e.GOVERNANCE_MODE,
    noNetwork: e.NO_NETWORK,
    mockOnly: e.MOCK_ONLY,
    allowUploads: e.ALLOW_UPLOADS,
    strictPhiOnUpload: e.STRICT_PHI_ON_UPLOAD,
    logLevel: e.LOG_LEVEL ?? "info",
    logFormat: e.LOG_FORMAT ?? (appEnv === "production" ? "json" : "text"),
    workerUrl: e.WORKER_URL ?? e.WORKER_CALLBACK_URL,
    sentry: {
      dsn: e.SENTRY_DSN,
      environment: sentryEnvironment,
      release: sentryRelease,
      tracesSampleRate: e.SENTRY_TRACES_SAMPLE_RATE,
    },
    analytics: {
      ipSalt: e.ANALYTICS_IP_SALT,
      emit: (e.ANALYTICS_EMIT ?? "on") === "on",
      retentionDays: e.ANALYTICS_RETENTION_DAYS,
    },
    trustProxy: e.TRUST_PROXY,
    trustedProxyIps: e.TRUSTED_PROXY_IPS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    auth: {
      adminEmail: e.ADMIN_EMAIL,
      adminPassword: e.ADMIN_PASSWORD,
      sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
      sessionAbsoluteHours: e.SESSION_ABSOLUTE_HOURS,
    },
    security: {
      rateLimitPerMin: e.RATE_LIMIT_PER_MIN,
      ofrepRateLimitPerMin: e.RATE_LIMIT_OFREP_PER_MIN,
      ofrepCorsOrigins: e.OFREP_CORS_ORIGINS,
      allowIps: e.ALLOW_IPS,
      denyIps: e.DENY_IPS,
    },
    metrics: { token: e.METRICS_TOKEN, allowIps: e.METRICS_ALLOW_IPS },
    realtime: {
      heartbeatSeconds: e.SSE_HEARTBEAT_SECONDS,
      revalidateSeconds: e.SSE_REVALIDATE_SECONDS,
      maxConnections: e.SSE_MAX_CONNECTIONS,
      maxConnectionsPerUser: e.SSE_MAX_CONNECTIONS_PER_USER,
      historySize: e.EVENT_HISTORY_SIZE,
      streamKey: e.EVENT_STREAM_KEY ?? "researchflow:events",
    },
    jobs: {
      stallAfterMinutes: e.JOB_STALL_AFTER_MINUTES,
      retentionDays: e.JOB_RETENTION_DAYS,
    },
    featureOverrides: parseFeatureOverrides(env),
    version,
    build: e.APP_BUILD,
  });
}

/** A config for tests and tools: development defaults plus the given variables. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ APP_ENV: "development", LOG_LEVEL: "error", ...env }, { version: "test" });
}

/** Reads the process environment (the only place in the app that does). */
export function loadConfigFromProcess(version: string): Config {
  return loadConfig(Deno.env.toObject(), { version });
}
