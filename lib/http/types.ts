/** Types shared by the HTTP layer: the Hono environment of every request. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "../auth/principal.ts";
import type { AnalyticsConsent } from "../consent/consent.ts";
import type { ErrorCode } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";

export interface AppVariables {
  requestId: string;
  /** The caller, when authenticated; set by the auth middleware. */
  principal: Principal | null;
  /** True when a presented credential could not be checked (database unreachable). */
  authUnavailable?: boolean;
  /** The session cookie's secret, if the request carried one; set by the auth middleware. */
  sessionSecret?: string;
  logger: Logger;
  /** Resolved once per request; see client_ip.ts. */
  clientIp: string;
  /** The signed-in user's analytics consent, looked up before pages render (lib/consent/page.ts). */
  consent?: AnalyticsConsent;
  /** The `code` of the problem+json answer, when the request was answered with one. */
  problemCode?: ErrorCode;
  /** True when the static file handler answered with a file (lib/web/static.ts): route `static`. */
  staticFile?: boolean;
}

/** Passed by `Deno.serve` as the second argument of `fetch`. */
export interface AppBindings {
  remoteAddr?: Deno.NetAddr;
}

export interface AppEnv {
  Variables: AppVariables;
  Bindings: AppBindings;
}

export type AppHono = OpenAPIHono<AppEnv>;
