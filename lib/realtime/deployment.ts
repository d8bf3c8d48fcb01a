/**
 * The deployment's identity: a random id created once per database (migration 0008,
 * `governance_config['deployment']`). Instances of one deployment share the database and so the
 * id; the Redis bus tags its stream entries with a short hash of it and ignores the entries of
 * another deployment that shares the stream (docs/realtime.md, "One stream per deployment").
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../db/mod.ts";
import type { Logger } from "../log/mod.ts";

/** The `governance_config` key of the row (never `mode`: the mode reader does not see it). */
export const DEPLOYMENT_CONFIG_KEY = "deployment";

/** The id stored in the database; undefined when there is no row or it holds no id. */
export async function readDeploymentId(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ id: string | null }>(
    "SELECT value ->> 'id' AS id FROM governance_config WHERE key = $1",
    [DEPLOYMENT_CONFIG_KEY],
  );
  const id = row?.id;
  return typeof id === "string" && id.length > 0 ? id : undefined;
}

/**
 * The id for the event bus at the start. Without one (no row, or the read failed) the bus tags
 * nothing and accepts every entry, as before the deployment id: the instance still serves, and
 * the warning says why foreign events are not told apart.
 */
export async function loadDeploymentId(
  db: Queryable,
  logger?: Logger,
): Promise<string | undefined> {
  try {
    const id = await readDeploymentId(db);
    if (id === undefined) {
      logger?.warn(
        "deployment id missing (governance_config 'deployment'); events of another deployment " +
          "sharing the event stream are not told apart",
        { stream: "redis" },
      );
    }
    return id;
  } catch (error) {
    logger?.warn(
      "deployment id unreadable; events of another deployment sharing the event stream are " +
        "not told apart",
      { stream: "redis", errorType: error instanceof Error ? error.name : typeof error },
    );
    return undefined;
  }
}

/**
 * Gives the database a new id (a restored copy must not share the id of the database its backup
 * came from). Returns nothing: the id is never printed or logged.
 */
export async function renewDeploymentId(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO governance_config (key, value)
     VALUES ($1, jsonb_build_object('id', gen_random_uuid()::text))
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = NULL, updated_at = now()`,
    [DEPLOYMENT_CONFIG_KEY],
  );
}

/**
 * The short tag of a deployment id on stream entries and in logs: 16 hex digits of its SHA-256
 * (the id itself is never written to the stream or a log).
 */
export function deploymentTag(deploymentId: string): string {
  return createHash("sha256").update(deploymentId).digest("hex").slice(0, 16);
}
