/** Small server-rendered pieces shared by the form pages. */
import type { Context } from "hono";
import type { VNode } from "preact";
import type { AppEnv } from "../lib/http/types.ts";

/** The hidden CSRF field of the signed-in user's session (forms need it; see lib/auth/middleware.ts). */
export function CsrfField({ c }: { c: Context<AppEnv> }): VNode | null {
  const principal = c.get("principal");
  return principal?.kind === "user"
    ? <input type="hidden" name="csrf_token" value={principal.csrfToken} />
    : null;
}

/**
 * The confirmation named by `?notice=<key>` after a redirect. Chosen from a fixed map by key,
 * so nothing from the URL is reflected into the page.
 */
export function QueryNotice(
  { c, notices }: { c: Context<AppEnv>; notices: Record<string, string> },
): VNode | null {
  const text = notices[c.req.query("notice") ?? ""];
  return text ? <p class="notice notice--ok" role="status">{text}</p> : null;
}

/** An error message for the page (role=alert so screen readers announce it). */
export function ErrorNotice({ message }: { message?: string | undefined }): VNode | null {
  return message ? <p class="notice notice--error" role="alert">{message}</p> : null;
}
