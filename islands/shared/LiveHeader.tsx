/**
 * The heading of a live panel with its connection indicator (shared by the
 * governance and jobs islands; rendered on the server and in the browser).
 */
import type { VNode } from "preact";
import type { LiveStatus } from "../../lib/realtime/live_client.ts";

const STATUS_TEXT: Record<LiveStatus | "server", string> = {
  server: "Not connected yet: showing the state when the page loaded",
  connecting: "Connecting…",
  live: "Live",
  polling: "Stream down; checking periodically",
  signed_out: "Signed out; updates stopped",
};

export function LiveHeader(
  { id, title, status }: { id: string; title: string; status: LiveStatus | "server" },
): VNode {
  return (
    <div class="governance-panel__head">
      <h2 id={id}>{title}</h2>
      <span
        class={`live-indicator live-indicator--${status}`}
        data-testid="live-status"
        data-status={status}
      >
        {STATUS_TEXT[status]}
        {status === "signed_out" && (
          <>
            {" "}
            <a href={signInAgainHref()}>Sign in again</a>
          </>
        )}
      </span>
    </div>
  );
}

/**
 * The sign-in page, back to this page afterwards (only ever rendered in the browser). The path
 * only, as the server's return paths (lib/http/access.ts `signInPath`): the query and fragment
 * may hold what was typed, which is not copied into another address.
 */
function signInAgainHref(): string {
  const here = globalThis.location?.pathname || "/";
  return `/login?next=${encodeURIComponent(here)}`;
}
