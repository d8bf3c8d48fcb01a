/**
 * Consent on pages: a middleware that looks up the signed-in user's analytics
 * consent before a page renders (the renderer is synchronous), and the props
 * of the ConsentBanner island derived from it. Anonymous pages get nothing,
 * so they ship no script.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { type EventName, isAllowedEventName } from "../analytics/allowlist.ts";
import { safeNextPath } from "../http/access.ts";
import { wantsApi } from "../http/problem.ts";
import type { AppEnv } from "../http/types.ts";
import { settlesWithin, type TimeoutTimers } from "../timeout.ts";
import { type AnalyticsConsent, CONSENT_POLICIES, gpcSignal } from "./consent.ts";
import { CONSENT_DECIDED_QUERY, type ConsentDecided } from "./decided.ts";

/** What a page says about its analytics (an optional part of the page options). */
export interface PageAnalytics {
  /** The page key sent with `ui.page_view` (default: derived from the route pattern). */
  page?: string;
  /** An extra event the page emits on view, e.g. `governance.console_view`. */
  event?: EventName;
  /**
   * The page is the consent control itself (/settings/privacy): the banner is not offered on it,
   * so the page never shows a state other than the stored one (the banner's choice, made in
   * place, would leave the page's server-drawn status behind). The client still runs there.
   */
  consentControl?: boolean;
}

/** Props of the ConsentBanner island; identifiers and fixed texts only (they are in the page). */
export interface ConsentBannerProps extends Record<string, unknown> {
  /** Show the banner: no choice yet (or a grant to an older policy) and no GPC signal. */
  ask: boolean;
  /** Analytics consent in force: start the client. */
  active: boolean;
  csrfToken: string;
  page: string;
  event: EventName | null;
  summary: string;
  policyVersion: string;
  /** Where the no-JavaScript forms return to. */
  returnTo: string;
  /** The mode was STANDBY when the page was drawn: granting is paused, so Allow is not offered. */
  standby: boolean;
  /**
   * The choice the banner's form post just made, without JavaScript (the page returned to carries
   * `?consent=granted|declined`), when it is still the one in force: the banner says so, as it
   * does when the choice is made in place. Null otherwise.
   */
  decided: ConsentDecided | null;
}

export { CONSENT_DECIDED_QUERY, type ConsentDecided };

/** A page key from a route pattern: `/admin/users/:id` → `admin_users_id`, `/` → `home`. */
export function pageKeyOf(pattern: string): string {
  const key = pattern.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return (key || "home").slice(0, 64);
}

function routePattern(c: Context<AppEnv>): string {
  try {
    const pattern = routePath(c);
    return pattern && pattern !== "/*" && pattern !== "*" ? pattern : "unmatched";
  } catch {
    return "unmatched";
  }
}

/** The banner props for a page render, or null when the island has nothing to do. */
export function bannerPropsFor(
  c: Context<AppEnv>,
  analytics: PageAnalytics | undefined,
  status: number,
  mode: string,
): ConsentBannerProps | null {
  const principal = c.get("principal");
  const consent = c.get("consent");
  if (principal?.kind !== "user" || !consent) return null;
  const ask = consent.needsChoice && !consent.gpc.signal && analytics?.consentControl !== true;
  // Not under Global Privacy Control: there no banner choice is asked for or said.
  const decided = consent.gpc.signal
    ? null
    : decidedChoice(c.req.query(CONSENT_DECIDED_QUERY), consent.effective, ask);
  if (!ask && !consent.effective && decided === null) return null;
  const page = analytics?.page ??
    (status >= 400 ? `error_${status}` : pageKeyOf(routePattern(c)));
  const event = analytics?.event && isAllowedEventName(analytics.event) ? analytics.event : null;
  return {
    ask,
    active: consent.effective,
    csrfToken: principal.csrfToken,
    page,
    event,
    summary: CONSENT_POLICIES.analytics.summary,
    policyVersion: CONSENT_POLICIES.analytics.version,
    // An error page's path may be anything a browser asked for (`/patients/<name>/<mrn>`): it is
    // not repeated into the banner's forms, which return home instead.
    returnTo: status >= 400 ? "/" : safeNextPath(c.req.path),
    standby: mode === "STANDBY",
    decided,
  };
}

/**
 * The banner choice a page was returned to after, when the state in force still agrees (a
 * bookmarked or reloaded `?consent=granted` after a withdrawal says nothing); null otherwise.
 */
function decidedChoice(
  query: string | undefined,
  effective: boolean,
  ask: boolean,
): ConsentDecided | null {
  if (ask) return null;
  if (query === "granted" && effective) return "granted";
  if (query === "declined" && !effective) return "declined";
  return null;
}

/** How long a page waits for the user's analytics consent before rendering without it. */
export const CONSENT_PAGE_READ_TIMEOUT_MS = 500;

/**
 * Looks up the analytics consent of a signed-in user on page requests (GET,
 * HEAD) and puts it on the context as `consent`. A failure, or no answer within
 * the bound, leaves it unset: no banner and no analytics (fail closed).
 */
export function consentContext(
  options: {
    consent: { analytics(userId: string, o: { gpc: boolean }): Promise<AnalyticsConsent> };
    /** How long a page waits for the read (default CONSENT_PAGE_READ_TIMEOUT_MS). */
    timeoutMs?: number;
    timers?: TimeoutTimers;
  },
): MiddlewareHandler<AppEnv> {
  const timeoutMs = options.timeoutMs ?? CONSENT_PAGE_READ_TIMEOUT_MS;
  return async function consentContextMiddleware(c, next) {
    const principal = c.get("principal");
    if (
      principal?.kind === "user" && (c.req.method === "GET" || c.req.method === "HEAD") &&
      !wantsApi(c)
    ) {
      const logger = c.get("logger");
      let late = false;
      const read = options.consent.analytics(principal.id, {
        gpc: gpcSignal(c.req.header("sec-gpc")),
      }).then(
        (consent) => {
          // Too late for this page (already rendered without it): not used.
          if (!late) c.set("consent", consent);
        },
        (error) => {
          logger.warn("consent state unavailable", {
            errorType: error instanceof Error ? error.name : typeof error,
          });
        },
      );
      // Only the banner and the analytics client need it: the page does not wait for a stalled
      // database past the bound, and renders as when the read fails. The read goes on (a GPC
      // signal first seen is still recorded).
      if (!await settlesWithin(read, timeoutMs, options.timers)) {
        late = true;
        logger.warn("consent state unavailable", { errorType: "TimeoutError" });
      }
    }
    await next();
  };
}
