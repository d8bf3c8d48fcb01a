/** The "Why is it on or off?" tool's question, read from the detail page's query. Pure: no I/O. */
import { APP_ENVS, type AppEnv as Environment, type Mode, MODES } from "../../config.ts";

/** Whom and where the tool asks about; what is not given (or not valid) is left out. */
export interface WhyQuery {
  userId: string | undefined;
  sessionId: string | undefined;
  mode: Mode | undefined;
  env: Environment | undefined;
}

/**
 * The question in the query `query` reads: ids trimmed and cut to 255 characters (empty: none),
 * a mode or environment only when it is one of the known ones.
 */
export function whyQuery(query: (name: string) => string | undefined): WhyQuery {
  const text = (name: string) => {
    const value = (query(name) ?? "").trim();
    return value === "" ? undefined : value.slice(0, 255);
  };
  const mode = query("mode");
  const env = query("env");
  return {
    userId: text("userId"),
    sessionId: text("sessionId"),
    mode: (MODES as readonly string[]).includes(mode ?? "") ? mode as Mode : undefined,
    env: (APP_ENVS as readonly string[]).includes(env ?? "") ? env as Environment : undefined,
  };
}
