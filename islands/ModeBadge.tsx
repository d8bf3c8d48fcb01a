/**
 * A live badge of the governance mode. Rendered on the server with the mode
 * at render time, then kept current in the browser by polling `/health`
 * (public, cheap) and on tab focus.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { VNode } from "preact";

export interface ModeBadgeProps extends Record<string, unknown> {
  mode: string;
  pinned: boolean;
  /** Poll interval in seconds. */
  refreshSeconds?: number;
}

const DESCRIPTIONS: Record<string, string> = {
  STANDBY: "Most changes, analytics and outside calls are paused; governance actions still work",
  DEMO: "Demonstration data; analytics stored as DEMO",
  LIVE: "Live operation",
};

export default function ModeBadge({ mode, pinned, refreshSeconds = 15 }: ModeBadgeProps): VNode {
  const current = useSignal(mode);
  const live = useSignal(false);
  const checkedAt = useSignal<string | null>(null);

  useEffect(() => {
    let stopped = false;
    async function refresh() {
      try {
        // Public, and no one's activity: sent without the session cookie.
        const response = await fetch("/health", {
          credentials: "omit",
          headers: { accept: "application/json" },
        });
        if (!response.ok) return;
        const body = await response.json() as { mode?: string };
        if (!stopped && typeof body.mode === "string") {
          current.value = body.mode;
          live.value = true;
          // With its zone: times on the server's pages are in UTC.
          checkedAt.value = new Date().toLocaleTimeString(undefined, { timeZoneName: "short" });
        }
      } catch {
        if (!stopped) live.value = false;
      }
    }
    refresh();
    const timer = setInterval(refresh, refreshSeconds * 1000);
    const onFocus = () => refresh();
    globalThis.addEventListener("focus", onFocus);
    return () => {
      stopped = true;
      clearInterval(timer);
      globalThis.removeEventListener("focus", onFocus);
    };
  }, []);

  // Only the mode is a live region: the time of each check (every few seconds) is not announced.
  return (
    <div class={`mode-badge mode-${current.value.toLowerCase()}`}>
      <span class="mode-badge__now" role="status" aria-live="polite">
        <span class="mode-badge__label">Mode</span>{" "}
        <strong class="mode-badge__value" data-testid="mode-value">{current.value}</strong>{" "}
        {pinned && <span class="mode-badge__pin">pinned by ROS_MODE</span>}{" "}
        <span class="mode-badge__hint">{DESCRIPTIONS[current.value] ?? ""}</span>
      </span>
      <span class="mode-badge__live" data-live={live.value ? "yes" : "no"}>
        {live.value ? `live · checked ${checkedAt.value}` : "server-rendered"}
      </span>
    </div>
  );
}
