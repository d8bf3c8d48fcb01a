/**
 * A live badge of the governance mode. Rendered on the server with the mode at render time, then
 * kept current in the browser:
 *
 * - signed in (`signedIn`), over the event stream's governance topic ({@link MODE_STREAM_URL}:
 *   its `hello` and `governance.mode_changed`), so a change shows within a moment; while the
 *   stream is down, `lib/realtime/live_client.ts` polls the caller's governance state
 *   ({@link MODE_STATE_URL}) every `refreshSeconds` and retries the stream. Both ask for no flags
 *   (`flags=none`): the badge shows the mode only, and every signed-in page carries it;
 * - signed out, or once the session has ended, by polling `/health` (public, cheap) every
 *   `refreshSeconds` and on tab focus.
 *
 * The line under the mode says which of these it is doing and when the mode shown was last
 * confirmed, so nobody takes a 15-second-old answer for a live one.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { VNode } from "preact";
import { connectLive, fetchState } from "../lib/realtime/live_client.ts";
import type { AppEvent } from "../lib/realtime/types.ts";

/** The badge's stream: governance events, a hello with the mode and no flags. */
export const MODE_STREAM_URL = "/api/stream?topic=governance&flags=none";
/** The badge's poll while the stream is down: the mode, no flags. */
export const MODE_STATE_URL = "/api/governance/state?flags=none";

export interface ModeBadgeProps extends Record<string, unknown> {
  mode: string;
  pinned: boolean;
  /** Whether the reader is signed in: only then can the badge open the event stream. */
  signedIn?: boolean;
  /** Seconds between checks when there is no stream (signed out, or the stream is down). */
  refreshSeconds?: number;
}

/**
 * Where the mode shown comes from:
 * - `page`: the page as loaded (before the first answer, or no check yet);
 * - `connecting`: the stream is being opened;
 * - `stream`: the stream is open, every change arrives as it happens;
 * - `poll`: checked every `refreshSeconds` (`streamDown` says whether a stream was wanted);
 * - `failed`: the last check got no answer.
 */
type Source = "page" | "connecting" | "stream" | "poll" | "failed";

const DESCRIPTIONS: Record<string, string> = {
  STANDBY: "Most changes, usage analytics and calls to outside services are paused; governance " +
    "actions still work",
  DEMO: "For demonstrations; usage analytics are recorded as demonstration data",
  LIVE: "Normal operation; usage analytics are recorded as live data",
};

/** The time now, with its zone: times on the server's pages are in UTC. */
function timeNow(): string {
  return new Date().toLocaleTimeString(undefined, { timeZoneName: "short" });
}

/** What the badge says about how current the mode is. */
export function freshnessText(
  source: Source,
  confirmedAt: string | null,
  streamDown: boolean,
  refreshSeconds: number,
): string {
  switch (source) {
    case "page":
      return "As of page load";
    case "connecting":
      return `As of ${confirmedAt ?? "page load"} · connecting for live updates`;
    case "stream":
      return `Live: follows each change · confirmed ${confirmedAt}`;
    case "poll":
      return `${streamDown ? "Live updates unavailable · checked" : "Checked"} ${confirmedAt}` +
        `, again every ${refreshSeconds} s`;
    case "failed":
      return confirmedAt
        ? `Not confirmed since ${confirmedAt}: the server did not answer`
        : "As of page load: the server did not answer";
  }
}

export default function ModeBadge(
  { mode, pinned, signedIn = false, refreshSeconds = 15 }: ModeBadgeProps,
): VNode {
  const current = useSignal(mode);
  const isPinned = useSignal(pinned);
  const source = useSignal<Source>("page");
  const streamDown = useSignal(false);
  const confirmedAt = useSignal<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let stopStream: (() => void) | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;

    function show(next: { mode?: unknown; pinned?: unknown }, from: Source): void {
      if (stopped) return;
      if (typeof next.mode === "string") current.value = next.mode;
      if (typeof next.pinned === "boolean") isPinned.value = next.pinned;
      source.value = from;
      confirmedAt.value = timeNow();
    }

    async function checkHealth(): Promise<void> {
      try {
        // Public, and no one's activity: sent without the session cookie.
        const response = await fetch("/health", {
          credentials: "omit",
          headers: { accept: "application/json" },
        });
        if (!response.ok) throw new Error(`health ${response.status}`);
        show(await response.json() as { mode?: unknown }, "poll");
      } catch {
        if (!stopped) source.value = "failed";
      }
    }

    const onFocus = () => checkHealth();
    /** Without a session: `/health` now, every `refreshSeconds` and when the tab regains focus. */
    function pollHealth(): void {
      streamDown.value = false;
      checkHealth();
      timer = setInterval(checkHealth, refreshSeconds * 1000);
      globalThis.addEventListener("focus", onFocus);
    }

    if (signedIn) {
      stopStream = connectLive({
        url: MODE_STREAM_URL,
        events: ["governance.mode_changed"],
        pollMs: refreshSeconds * 1000,
        onStatus(status) {
          if (stopped) return;
          // Also after a live stream was let go (a hidden tab, lib/realtime/live_client.ts) and
          // opens again: "Live" would claim a stream that is not there yet.
          if (
            status === "connecting" && (source.value === "page" || source.value === "stream")
          ) source.value = "connecting";
          if (status === "polling") streamDown.value = true;
          if (status === "live") streamDown.value = false;
          // The session ended: the mode is public, so the badge goes on with /health.
          if (status === "signed_out") pollHealth();
        },
        onHello: (data) => show(data, "stream"),
        onEvent(event: AppEvent) {
          // The event names the stored mode. The stream's instance passes it on only while it
          // follows that mode; one pinned by ROS_MODE (its hello said so) does not, and an older
          // one that still does would show a mode it is not in.
          if (event.type === "governance.mode_changed" && !isPinned.value) {
            show({ mode: event.payload.mode }, "stream");
          }
        },
        async poll() {
          try {
            const response = await fetchState(MODE_STATE_URL);
            if (!response) throw new Error("state unavailable");
            show(await response.json() as { mode?: unknown; pinned?: unknown }, "poll");
          } catch (error) {
            if (!stopped) source.value = "failed";
            throw error;
          }
        },
      });
    } else {
      pollHealth();
    }
    return () => {
      stopped = true;
      stopStream?.();
      if (timer !== undefined) clearInterval(timer);
      globalThis.removeEventListener("focus", onFocus);
    };
  }, []);

  // Only the mode is a live region: the time of each check is not announced.
  // data-live: "yes" once the mode shown has been confirmed by the stream or a check.
  const confirmed = source.value === "stream" || source.value === "poll";
  return (
    <div class={`mode-badge mode-${current.value.toLowerCase()}`}>
      <span class="mode-badge__now" role="status" aria-live="polite">
        <span class="mode-badge__label">Mode</span>{" "}
        <strong class="mode-badge__value" data-testid="mode-value">{current.value}</strong>{" "}
        {isPinned.value && <span class="mode-badge__pin">pinned by ROS_MODE</span>}{" "}
        <span class="mode-badge__hint">{DESCRIPTIONS[current.value] ?? ""}</span>
      </span>
      <span
        class="mode-badge__live"
        data-live={confirmed ? "yes" : "no"}
        data-source={source.value}
      >
        {freshnessText(source.value, confirmedAt.value, streamDown.value, refreshSeconds)}
      </span>
    </div>
  );
}
