/**
 * The live governance panel on /governance: the mode (and why, when pinned),
 * the flags, and a connection indicator, kept current over
 * `/api/stream?topic=governance` (hello and governance.* events), falling
 * back to polling `/api/governance/state` every 30 s while the stream is down.
 *
 * For ADMIN the mode switch is a plain form (POST /governance/mode with the
 * CSRF field and a required confirmation), so it works without JavaScript;
 * hydrated, it calls the API instead and waits for the change to arrive
 * through the stream (or the next poll) rather than guessing.
 */
import { useSignal } from "@preact/signals";
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";
import type { FlagMetaView } from "../lib/context.ts";
import { connectLive, fetchState, type LiveStatus } from "../lib/realtime/live_client.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { LiveHeader } from "./shared/LiveHeader.tsx";

export interface GovernancePanelProps extends Record<string, unknown> {
  mode: string;
  pinned: boolean;
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: FlagMetaView[];
  /** Present for ADMIN only: shows the mode switch. */
  csrfToken?: string;
  /** Poll interval while the stream is down, in seconds. */
  pollSeconds?: number;
}

const MODES = ["STANDBY", "DEMO", "LIVE"] as const;

const MODE_TEXT: Record<string, string> = {
  STANDBY: "Writes, ingestion and outbound calls are paused.",
  DEMO: "Demonstration data; analytics are stored as DEMO.",
  LIVE: "Live operation.",
};

interface StateBody {
  mode: string;
  pinned: boolean;
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: FlagMetaView[];
}

export default function GovernancePanel(props: GovernancePanelProps): VNode {
  const mode = useSignal(props.mode);
  const pinned = useSignal(props.pinned);
  const pinnedReason = useSignal(props.pinnedReason);
  const flagsMeta = useSignal(props.flagsMeta);
  const flags = useSignal(props.flags);
  const status = useSignal<LiveStatus | "server">("server");
  const updatedAt = useSignal<string | null>(null);
  const message = useSignal<{ kind: "ok" | "error"; text: string } | null>(null);
  const busy = useSignal(false);
  /** Flag toggles need JavaScript; they appear only once hydrated (no dead buttons). */
  const hydrated = useSignal(false);
  const isAdmin = props.csrfToken !== undefined;
  const pollSeconds = props.pollSeconds ?? 30;

  function applyState(body: Partial<StateBody>): void {
    if (typeof body.mode === "string") mode.value = body.mode;
    if (typeof body.pinned === "boolean") pinned.value = body.pinned;
    if (body.pinnedReason !== undefined) pinnedReason.value = body.pinnedReason;
    if (body.flags) flags.value = body.flags;
    if (body.flagsMeta) flagsMeta.value = body.flagsMeta;
    updatedAt.value = new Date().toLocaleTimeString();
  }

  async function poll(): Promise<void> {
    const response = await fetchState("/api/governance/state");
    if (response) applyState(await response.json() as StateBody);
  }

  useEffect(() => {
    hydrated.value = true;
    return connectLive({
      url: "/api/stream?topic=governance",
      events: ["governance.mode_changed", "governance.flag_changed"],
      pollMs: pollSeconds * 1000,
      onStatus: (next) => (status.value = next),
      onHello: (data) => applyState(data as Partial<StateBody>),
      poll,
      onEvent(event: AppEvent) {
        if (event.type === "governance.mode_changed") {
          applyState({ mode: String(event.payload.mode) });
          if (message.value?.kind === "ok") message.value = null;
        } else if (event.type === "governance.flag_changed") {
          const key = String(event.payload.flagKey);
          flagsMeta.value = flagsMeta.value.map((flag) =>
            flag.key === key ? { ...flag, enabled: event.payload.enabled === true } : flag
          );
          // Evaluated values depend on targeting and rollout: refetch them.
          poll().catch(() => {});
        }
      },
    });
  }, []);

  async function onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const requested = String(data.get("mode") ?? "");
    if (data.get("confirm") !== "yes") {
      message.value = { kind: "error", text: "Tick the confirmation box to change the mode." };
      return;
    }
    busy.value = true;
    message.value = null;
    try {
      const response = await fetch("/api/governance/mode", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "x-csrf-token": props.csrfToken ?? "",
        },
        body: JSON.stringify({ mode: requested }),
      });
      if (response.ok) {
        form.reset();
        message.value = {
          kind: "ok",
          text: `Change to ${requested} accepted; the panel updates when it takes effect.`,
        };
        if (status.value !== "live") await poll();
      } else {
        const problem = await response.json().catch(() => ({})) as { detail?: string };
        message.value = {
          kind: "error",
          text: problem.detail ?? `The change was refused (${response.status}).`,
        };
      }
    } catch {
      message.value = { kind: "error", text: "The server could not be reached; try again." };
    } finally {
      busy.value = false;
    }
  }

  async function toggleFlag(key: string, enabled: boolean): Promise<void> {
    busy.value = true;
    message.value = null;
    try {
      const response = await fetch(`/api/governance/flags/${encodeURIComponent(key)}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "x-csrf-token": props.csrfToken ?? "",
        },
        body: JSON.stringify({ enabled }),
      });
      if (response.ok) {
        message.value = { kind: "ok", text: `Flag ${key} change accepted.` };
        if (status.value !== "live") await poll();
      } else {
        const problem = await response.json().catch(() => ({})) as { detail?: string };
        message.value = {
          kind: "error",
          text: problem.detail ?? `The flag change was refused (${response.status}).`,
        };
      }
    } catch {
      message.value = { kind: "error", text: "The server could not be reached; try again." };
    } finally {
      busy.value = false;
    }
  }

  const current = mode.value;
  const showToggles = isAdmin && hydrated.value;
  return (
    <section class="governance-panel panel" aria-labelledby="governance-panel-title">
      <LiveHeader id="governance-panel-title" title="Current mode" status={status.value} />
      <div class="governance-panel__mode">
        {/* Only the mode is announced: the time of each poll stays out of the live region. */}
        <div role="status" aria-live="polite" class="governance-panel__mode-now">
          <strong
            class={`mode-pill mode-pill--${current.toLowerCase()}`}
            data-testid="governance-mode"
          >
            {current}
          </strong>{" "}
          <span>{MODE_TEXT[current] ?? ""}</span>
        </div>
        {updatedAt.value && <span class="muted">Updated {updatedAt.value}</span>}
      </div>
      {pinned.value && (
        <p class="notice notice--warn" data-testid="pinned-reason">
          <strong>Pinned.</strong> {pinnedReason.value}
        </p>
      )}

      {isAdmin && !pinned.value && (
        <form
          method="post"
          action="/governance/mode"
          class="mode-switch"
          onSubmit={onSubmit}
          aria-describedby="mode-switch-help"
        >
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <fieldset>
            <legend>Change the mode</legend>
            <p id="mode-switch-help" class="field-hint">
              Applies to every instance within a second. STANDBY pauses writes, ingestion and
              outbound calls until an ADMIN changes it back.
            </p>
            <div class="mode-switch__options">
              {MODES.map((option) => (
                <label class="checkbox" key={option}>
                  <input
                    type="radio"
                    name="mode"
                    value={option}
                    required
                    disabled={option === current}
                  />{" "}
                  {option}
                  {option === current ? " (current)" : ""}
                </label>
              ))}
            </div>
            <label class="checkbox">
              <input type="checkbox" name="confirm" value="yes" required />{" "}
              I understand this changes the mode for every user and service
            </label>
            <button type="submit" class="button button--danger" disabled={busy.value}>
              Change mode
            </button>
          </fieldset>
        </form>
      )}
      {message.value && (
        <p
          class={`notice notice--${message.value.kind === "ok" ? "ok" : "error"}`}
          role={message.value.kind === "error" ? "alert" : "status"}
          data-testid="mode-switch-message"
        >
          {message.value.text}
        </p>
      )}

      <h3>Flags</h3>
      {flagsMeta.value.length === 0
        ? <p class="muted">No flags are defined.</p>
        : (
          <table class="data" data-testid="flags-table">
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Enabled</th>
                <th scope="col">For you</th>
                {showToggles && <th scope="col">Change</th>}
              </tr>
            </thead>
            <tbody>
              {flagsMeta.value.map((flag) => (
                <tr key={flag.key} data-flag={flag.key}>
                  <td>
                    <code>{flag.key}</code>
                    {flag.description && <div class="muted">{flag.description}</div>}
                  </td>
                  <td>
                    <span class={`badge ${flag.enabled ? "badge--ok" : ""}`}>
                      {flag.enabled ? "on" : "off"}
                    </span>
                    {flag.override !== null && (
                      <span class="badge badge--warn">override {String(flag.override)}</span>
                    )}
                  </td>
                  <td>{flags.value[flag.key] ? "on" : "off"}</td>
                  {showToggles && (
                    <td>
                      {/* Name: the visible words, then the key (WCAG 2.5.3). */}
                      <button
                        type="button"
                        class="button button--quiet"
                        disabled={busy.value}
                        onClick={() => toggleFlag(flag.key, !flag.enabled)}
                      >
                        Turn {flag.enabled ? "off" : "on"}
                        <span class="sr-only">{` ${flag.key}`}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}
