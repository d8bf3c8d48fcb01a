/**
 * `deno task user <command>`: account and API-token administration from the
 * shell, against the configured database (DATABASE_URL, or PGlite in DATA_DIR).
 * Every change is written to the audit log as actor "system".
 */
import { parseArgs } from "node:util";
import { createAuditLog } from "../lib/audit/mod.ts";
import {
  createAuthService,
  createAuthStore,
  type Role,
  ROLES,
  type Scope,
  SCOPES,
} from "../lib/auth/mod.ts";
import { randomSecret } from "../lib/auth/tokens.ts";
import { systemClock } from "../lib/clock.ts";
import { ConfigError, loadConfigFromProcess } from "../lib/config.ts";
import { DataDirInUseError } from "../lib/db/data_dir_lock.ts";
import { bundledMigrationsDir, migrate, openDatabase, readMigrations } from "../lib/db/mod.ts";
import { AppError } from "../lib/errors/mod.ts";
import { VERSION } from "../lib/version.ts";

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
Scopes: ${SCOPES.join(", ")}`;

const encoder = new TextEncoder();
const out = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
const fail = (line: string): never => {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
  Deno.exit(1);
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

const { positionals, values } = parseArgs({
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
const [command, ...args] = positionals;
if (!command || values.help) {
  out(USAGE);
  Deno.exit(command ? 0 : 1);
}

let config;
try {
  config = loadConfigFromProcess(VERSION);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
let db;
try {
  db = await openDatabase(config);
} catch (error) {
  // PGlite in DATA_DIR is single-process: writing beside a running app would be lost.
  if (error instanceof DataDirInUseError) fail(error.message);
  throw error;
}
await migrate(db, await readMigrations(bundledMigrationsDir()));
const store = createAuthStore(db);
const auth = createAuthService({
  store,
  audit: createAuditLog({ db }),
  clock: systemClock,
  sessionIdleMinutes: config.auth.sessionIdleMinutes,
  sessionAbsoluteHours: config.auth.sessionAbsoluteHours,
});
const system = { type: "system" as const };

async function userByEmail(email: string | undefined) {
  if (!email) fail("Give the account's email");
  const user = await auth.findUserByEmail(email!);
  if (!user) fail("No account with that email");
  return user!;
}

try {
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
      await auth.updateUser(user.id, { role: role(args[1]) }, system);
      out(`${user.email} is now ${args[1]}`);
      break;
    }
    case "deactivate":
    case "activate": {
      const user = await userByEmail(args[0]);
      await auth.updateUser(user.id, { active: command === "activate" }, system);
      out(
        `${user.email} ${command === "activate" ? "reactivated" : "deactivated (sessions ended)"}`,
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
    default:
      fail(`Unknown command\n\n${USAGE}`);
  }
} catch (error) {
  if (error instanceof AppError) fail(error.message);
  throw error;
} finally {
  await db.close();
}
