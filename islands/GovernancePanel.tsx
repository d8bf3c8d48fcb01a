/**
 * The live governance panel on /governance: the mode (and why, when pinned),
 * the flags that matter to governance, a connection indicator and the recent governance log, kept
 * current over {@link PANEL_STREAM_URL} (hello and governance.* events), falling back to polling
 * {@link PANEL_STATE_URL} every 30 s while the stream is down. When the mode changes, the log is
 * refetched (`GET /governance` as JSON), because the event names no actor.
 *
 * The flags are the `panel` view (lib/governance/state.ts): every flag while there are at most 50,
 * otherwise the governance-scope flags, the first 50 by key, with a line saying how many there
 * are and a link to /flags, which lists them all. A hospital deployment holds thousands of flags;
 * the console never asks for them all: its stream, its poll, the mode change and the flag toggle
 * all ask for the `panel` view ({@link PANEL_STREAM_URL}, {@link PANEL_STATE_URL},
 * {@link panelToggleUrl}).
 *
 * For ADMIN the mode switch is a plain form (POST /governance/mode with the
 * CSRF field and a required confirmation), so it works without JavaScript;
 * hydrated, it calls the API instead and shows the state the server answers.
 * Turning a flag on or off (hydrated only) asks for a second click in place,
 * because it changes the flag for every user and service at once.
 */
import { useSignal } from "@preact/signals";
import type { VNode } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { TableScroll } from "../components/TableScroll.tsx";
import type { FlagMetaView } from "../lib/context.ts";
import type { FlagsListed } from "../lib/governance/state.ts";
import { connectLive, fetchState, type LiveStatus } from "../lib/realtime/live_client.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { applyFlagChange, flagChangeOf, mergeFlagsState } from "./shared/flag_versions.ts";
import { LiveHeader } from "./shared/LiveHeader.tsx";

/**
 * A flag row: the server sends its `version` (lib/flags/service.ts), which orders what the panel
 * hears (events can arrive out of order) and goes back with a toggle.
 */
type FlagMeta = FlagMetaView;

/** The panel's stream: governance events, a hello with the panel's flags (bounded). */
export const PANEL_STREAM_URL = "/api/stream?topic=governance&flags=panel";
/** The panel's poll (stream down, a change heard, a conflict): the panel's flags (bounded). */
export const PANEL_STATE_URL = "/api/governance/state?flags=panel";
/** The mode change, answered with the panel's flags. */
const MODE_CHANGE_URL = "/api/governance/mode?flags=panel";
/** A flag's on/off change, answered with the panel's flags (bounded). */
export function panelToggleUrl(key: string): string {
  return `/api/governance/flags/${encodeURIComponent(key)}?flags=panel`;
}

/** Numbers as the server's pages write them (the same on the server and in any browser). */
const count = new Intl.NumberFormat("en-US");

/** One row of the governance log as the console shows it (built by routes/governance.tsx). */
export interface GovernanceLogRow {
  id: number;
  /** ISO time, for `<time datetime>`. */
  at: string;
  /** `YYYY-MM-DD HH:MM:SS UTC` */
  when: string;
  change: string;
  details: string;
  by: string;
}

export interface GovernancePanelProps extends Record<string, unknown> {
  mode: string;
  /** This server's APP_ENV: an enabled flag targeting other environments is off here. */
  environment?: string;
  pinned: boolean;
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: FlagMeta[];
  /** Which flags `flagsMeta` lists (the `panel` view); absent: every flag. */
  flagsListed?: FlagsListed;
  /** The newest governance log rows, newest first. */
  log?: GovernanceLogRow[];
  /** Present for ADMIN only: shows the mode switch. */
  csrfToken?: string;
  /**
   * What each mode does, in plain words (built by routes/governance.tsx from the mode policy),
   * shown beside the mode switch's confirmation for the mode chosen.
   */
  modeEffects?: Record<string, string>;
  /** Poll interval while the stream is down, in seconds. */
  pollSeconds?: number;
}

const MODES = ["STANDBY", "DEMO", "LIVE"] as const;

const MODE_TEXT: Record<string, string> = {
  STANDBY: "Most changes, usage analytics and calls to outside services are paused; " +
    "governance actions still work.",
  DEMO: "For demonstrations; usage analytics are recorded as demonstration data.",
  LIVE: "Normal operation; usage analytics are recorded as live data.",
};

interface StateBody {
  mode: string;
  pinned: boolean;
  pinnedReason: string | null;
  flags: Record<string, boolean>;
  flagsMeta: FlagMeta[];
  flagsListed?: FlagsListed;
}

/** What the panel says when it lists only some flags, or null when it lists them all. */
export function listedText(listed: FlagsListed | undefined, shown: number): string | null {
  if (!listed || listed.scope !== "governance") return null;
  const all = `${count.format(listed.total)} flags in all`;
  if (listed.matching === 0) return `No governance flags (scope governance); ${all}.`;
  return shown < listed.matching
    ? `Showing the governance flags: the first ${count.format(shown)} of the ` +
      `${count.format(listed.matching)} governance flags (${all}).`
    : `Showing the ${count.format(shown)} governance flags (${all}).`;
}

/** How many times a state answer that lagged behind an event is asked again (1 s apart). */
const LAGGING_RETRIES = 3;

interface Message {
  kind: "ok" | "error";
  text: string;
  /** For a confirmed mode change: the mode it reports (cleared when another one arrives). */
  mode?: string;
}

/**
 * What the chosen mode does, inside the confirmation's label. Hydrated (`chosen` not undefined),
 * only the chosen mode's text. On the server's page, which must work without JavaScript, every
 * mode's text, and the stylesheet shows the one whose radio button is checked (`:has()`;
 * a browser without it shows all three).
 */
function ModeEffect(
  { effects, chosen }: { effects: Record<string, string>; chosen: string | null | undefined },
): VNode {
  if (chosen !== undefined) {
    return (
      <span class="mode-switch__effect" data-testid="mode-effect">
        {chosen === null ? "Choose a mode above to see what it does." : effects[chosen] ?? ""}
      </span>
    );
  }
  return (
    <>
      <span class="mode-switch__effect mode-switch__effect--none">
        Choose a mode above to see what it does.
      </span>
      {MODES.map((option) => (
        <span class="mode-switch__effect" data-mode={option} key={option}>
          {effects[option] ?? ""}
        </span>
      ))}
    </>
  );
}

/** The time now, with its zone: the log beside it is in UTC. */
function timeNow(): string {
  return new Date().toLocaleTimeString(undefined, { timeZoneName: "short" });
}

/** Runs `fn` after the render the signal changes just scheduled. */
function afterRender(fn: () => void): void {
  setTimeout(fn, 0);
}

/**
 * The gate keeping an enabled flag off here and now, in lib/flags/evaluate.ts's order (an
 * override first, then mode, then environment), or null: what /flags says as "enabled, off in DEMO (needs LIVE)".
 */
export function gateOf(
  flag: FlagMeta,
  mode: string,
  environment: string | undefined,
): { now: string; needs: readonly string[] } | null {
  // A FEATURE_<KEY> override decides before any gate (the evaluation's rule 1): its own badge
  // says so.
  if (!flag.enabled || flag.override !== null) return null;
  if (flag.requiredModes.length > 0 && !(flag.requiredModes as readonly string[]).includes(mode)) {
    return { now: mode, needs: flag.requiredModes };
  }
  if (
    environment !== undefined && flag.targetEnvironments.length > 0 &&
    !(flag.targetEnvironments as readonly string[]).includes(environment)
  ) return { now: environment, needs: flag.targetEnvironments };
  return null;
}

export default function GovernancePanel(props: GovernancePanelProps): VNode {
  const mode = useSignal(props.mode);
  const pinned = useSignal(props.pinned);
  const pinnedReason = useSignal(props.pinnedReason);
  const flagsMeta = useSignal(props.flagsMeta);
  const flags = useSignal(props.flags);
  const flagsListed = useSignal(props.flagsListed);
  const log = useSignal(props.log ?? []);
  const status = useSignal<LiveStatus | "server">("server");
  const updatedAt = useSignal<string | null>(null);
  const message = useSignal<Message | null>(null);
  const busy = useSignal(false);
  /** The flag whose on/off change waits for its second click. */
  const confirming = useSignal<string | null>(null);
  /** Flag toggles need JavaScript; they appear only once hydrated (no dead buttons). */
  const hydrated = useSignal(false);
  /** The mode picked in the switch, not yet submitted (hydrated only). */
  const chosen = useSignal<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const messageRef = useRef<HTMLParagraphElement>(null);
  /**
   * When the stream last told of a change (performance.now()), so that a request's answer older
   * than that event does not overwrite it: another administrator's change can land between this
   * panel's request and its answer.
   */
  const lastModeEvent = useRef<{ at: number; mode: string } | null>(null);
  /** The version at which each flag was seen archived: older news of it is dropped. */
  const archivedAt = useRef(new Map<string, number>());
  /** Asks left for a state answer that lagged behind an event (see LAGGING_RETRIES). */
  const laggingRetries = useRef(LAGGING_RETRIES);
  const isAdmin = props.csrfToken !== undefined;
  const pollSeconds = props.pollSeconds ?? 30;

  async function refreshLog(): Promise<void> {
    // The page itself answers its log rows as JSON; a signed-out session gets the sign-in page.
    const response = await fetchState("/governance").catch(() => null);
    if (!response) return;
    if (!(response.headers.get("content-type") ?? "").includes("application/json")) {
      await response.body?.cancel();
      return;
    }
    const body = await response.json().catch(() => null) as { log?: GovernanceLogRow[] } | null;
    if (Array.isArray(body?.log)) log.value = body.log;
  }

  function applyState(body: Partial<StateBody>): void {
    if (typeof body.mode === "string" && body.mode !== mode.value) {
      mode.value = body.mode;
      refreshLog();
      // A confirmation of this panel's own change stays; one overtaken by another change goes,
      // whether the news came by the stream, a poll or a reconnect's hello.
      if (message.value?.kind === "ok" && message.value.mode && message.value.mode !== body.mode) {
        message.value = null;
      }
    }
    if (typeof body.pinned === "boolean") pinned.value = body.pinned;
    if (body.pinnedReason !== undefined) pinnedReason.value = body.pinnedReason;
    if (body.flags && body.flagsMeta) {
      // Flag by flag, the newer version wins: this answer may be older than an event applied
      // already (an instance that has not re-read the database yet answered it).
      const merged = mergeFlagsState(
        { flags: flags.value, flagsMeta: flagsMeta.value },
        { flags: body.flags, flagsMeta: body.flagsMeta },
        archivedAt.current,
      );
      flags.value = merged.flags;
      flagsMeta.value = merged.flagsMeta;
      if (body.flagsListed) flagsListed.value = body.flagsListed;
      if (!merged.behind) {
        laggingRetries.current = LAGGING_RETRIES;
      } else if (laggingRetries.current > 0) {
        // The values for this user of a flag that moved on are not known yet: ask again.
        laggingRetries.current--;
        setTimeout(() => poll().catch(() => {}), 1000);
      }
    }
    updatedAt.value = timeNow();
  }

  async function poll(): Promise<void> {
    const response = await fetchState(PANEL_STATE_URL);
    if (response) applyState(await response.json() as StateBody);
  }

  /** Keeps the keyboard where the result is said (the button was disabled meanwhile). */
  function focusMessage(): void {
    afterRender(() => messageRef.current?.focus());
  }

  useEffect(() => {
    hydrated.value = true;
    return connectLive({
      url: PANEL_STREAM_URL,
      events: ["governance.mode_changed", "governance.flag_changed"],
      pollMs: pollSeconds * 1000,
      onStatus: (next) => (status.value = next),
      onHello: (data) => applyState(data as Partial<StateBody>),
      poll,
      onEvent(event: AppEvent) {
        if (event.type === "governance.mode_changed") {
          // The event names the stored mode, which a pinned instance (the hello said pinned) does
          // not follow; its server leaves the event out, an older one may not.
          if (pinned.value) return;
          const next = String(event.payload.mode);
          lastModeEvent.current = { at: performance.now(), mode: next };
          applyState({ mode: next });
        } else if (event.type === "governance.flag_changed") {
          const change = flagChangeOf(event.payload);
          if (!change) return;
          const next = applyFlagChange(
            { flags: flags.value, flagsMeta: flagsMeta.value },
            change,
            archivedAt.current,
          );
          // Older than what the panel shows (delivered out of order): it changes nothing.
          if (!next) return;
          flags.value = next.flags;
          flagsMeta.value = next.flagsMeta;
          laggingRetries.current = LAGGING_RETRIES;
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
    const sentAt = performance.now();
    try {
      const response = await fetch(MODE_CHANGE_URL, {
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
        chosen.value = null;
        // The answer is the state after the change: shown at once, whether the stream's event
        // came before it or comes after (the event then changes nothing).
        const state = await response.json() as StateBody;
        const later = lastModeEvent.current;
        if (later && later.at > sentAt && later.mode !== state.mode) {
          // Another change landed after this one: the stream's news is newer than the answer.
          message.value = {
            kind: "ok",
            text:
              `Your change to ${state.mode} was made, then overtaken: the mode is now ${later.mode}.`,
            mode: later.mode,
          };
        } else {
          applyState(state);
          message.value = {
            kind: "ok",
            text:
              `The mode is now ${state.mode} for every user and service; every server of the service follows within a second.`,
            mode: state.mode,
          };
        }
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
      focusMessage();
    }
  }

  function askToggle(key: string): void {
    confirming.value = key;
    message.value = null;
    afterRender(() => root.current?.querySelector<HTMLElement>("[data-confirm-toggle]")?.focus());
  }

  function cancelToggle(key: string): void {
    confirming.value = null;
    afterRender(() =>
      [...root.current?.querySelectorAll<HTMLElement>("[data-toggle]") ?? []]
        .find((button) => button.dataset.toggle === key)?.focus()
    );
  }

  /**
   * Turns a flag on or off, based on the version this panel shows: when another administrator
   * changed the flag meanwhile, the server refuses (409) instead of overwriting a change this
   * administrator never saw, and the panel shows the current state.
   */
  async function toggleFlag(flag: FlagMeta, enabled: boolean): Promise<void> {
    const key = flag.key;
    busy.value = true;
    message.value = null;
    const sentAt = performance.now();
    try {
      const response = await fetch(panelToggleUrl(key), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "x-csrf-token": props.csrfToken ?? "",
        },
        body: JSON.stringify({
          enabled,
          version: flag.version,
        }),
      });
      if (response.ok) {
        const state = await response.json() as StateBody;
        if ((lastModeEvent.current?.at ?? -Infinity) > sentAt) {
          // The stream told of a mode change after this request: the answer may be older than
          // it (the mode has no version), so the state is read afresh instead.
          poll().catch(() => {});
        } else {
          // The answer lists the panel's flags, as a poll does; flags in it older than events
          // heard meanwhile are kept out by version.
          applyState(state);
        }
        message.value = {
          kind: "ok",
          text: `Flag ${key} is now turned ${enabled ? "on" : "off"} for every user and service.`,
        };
      } else if (response.status === 409) {
        await response.body?.cancel();
        message.value = {
          kind: "error",
          text: `Someone changed ${key} after this page showed it; your change was not made. ` +
            "The panel now shows its current state: check it, then change it again if needed.",
        };
        poll().catch(() => {});
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
      confirming.value = null;
      focusMessage();
    }
  }

  const current = mode.value;
  const gates = Object.fromEntries(
    flagsMeta.value.map((flag) => [flag.key, gateOf(flag, current, props.environment)]),
  );
  const showToggles = isAdmin && hydrated.value;
  return (
    <div ref={root}>
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
          {updatedAt.value && (
            <span class="muted" data-testid="governance-updated">Updated {updatedAt.value}</span>
          )}
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
                The new mode applies to every user and service, on every server of the service,
                within a second, until an ADMIN changes it again. “What each mode allows”, below,
                lists everything each mode allows and refuses.
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
                      onChange={() => (chosen.value = option)}
                    />{" "}
                    {option}
                    {option === current ? " (current)" : ""}
                  </label>
                ))}
              </div>
              <label class="checkbox mode-switch__confirm">
                <input type="checkbox" name="confirm" value="yes" required />{" "}
                <span>
                  I understand that this changes the mode for every user and service.
                  <ModeEffect
                    effects={props.modeEffects ?? {}}
                    chosen={hydrated.value ? chosen.value : undefined}
                  />
                </span>
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
            tabIndex={-1}
            ref={messageRef}
          >
            {message.value.text}
          </p>
        )}

        <h3>Flags</h3>
        {listedText(flagsListed.value, flagsMeta.value.length) && (
          <p class="muted" data-testid="flags-listed">
            {listedText(flagsListed.value, flagsMeta.value.length)}{" "}
            <a href="/flags">Every flag is on the Flags page</a>.
          </p>
        )}
        {flagsMeta.value.length === 0
          ? (flagsListed.value?.scope === "governance"
            ? null
            : <p class="muted">No flags are defined.</p>)
          : (
            <TableScroll label="Flags">
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
                        {gates[flag.key]
                          ? (
                            // On, but gated out of the mode in force or this environment (the
                            // evaluation's order): say what it is here and now.
                            <span class="badge badge--warn" data-testid="flag-gated">
                              on, off in {gates[flag.key]!.now} (needs{" "}
                              {gates[flag.key]!.needs.join(" or ")})
                            </span>
                          )
                          : (
                            <span class={`badge ${flag.enabled ? "badge--ok" : ""}`}>
                              {flag.enabled ? "on" : "off"}
                            </span>
                          )}
                        {flag.override !== null && (
                          // Set in the server's environment (FEATURE_<KEY>): beats the switch.
                          <span class="badge badge--warn">
                            forced {flag.override ? "on" : "off"} by the server's settings
                          </span>
                        )}
                      </td>
                      <td>{flags.value[flag.key] ? "on" : "off"}</td>
                      {showToggles && (
                        <td>
                          {confirming.value === flag.key
                            ? (
                              <div
                                class="inline-confirm"
                                role="group"
                                aria-labelledby={`confirm-${flag.key}`}
                              >
                                <p id={`confirm-${flag.key}`}>
                                  {flag.enabled
                                    ? `Turn ${flag.key} off for every user and service?`
                                    : `Turn ${flag.key} on? Users get it as its rollout, targets and gates say.`}
                                  {" "}
                                  It applies on every instance within a second; you can change it
                                  back here.
                                </p>
                                <button
                                  type="button"
                                  class="button button--danger"
                                  data-confirm-toggle
                                  disabled={busy.value}
                                  onClick={() => toggleFlag(flag, !flag.enabled)}
                                >
                                  Turn {flag.enabled ? "off" : "on"} now
                                  <span class="sr-only">{` ${flag.key}`}</span>
                                </button>{" "}
                                <button
                                  type="button"
                                  class="button button--quiet"
                                  disabled={busy.value}
                                  onClick={() => cancelToggle(flag.key)}
                                >
                                  Cancel
                                </button>
                              </div>
                            )
                            : (
                              // Name: the visible words, then the key (WCAG 2.5.3).
                              <button
                                type="button"
                                class="button button--quiet"
                                data-toggle={flag.key}
                                disabled={busy.value}
                                onClick={() => askToggle(flag.key)}
                              >
                                Turn {flag.enabled ? "off" : "on"}…
                                <span class="sr-only">{` ${flag.key}`}</span>
                              </button>
                            )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
      </section>

      <section aria-labelledby="governance-log-title">
        <h2 id="governance-log-title">Recent governance log</h2>
        {log.value.length === 0
          ? <p class="muted" data-testid="governance-log-empty">No governance changes yet.</p>
          : (
            <TableScroll label="Recent governance log">
              <table class="data" data-testid="governance-log">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Change</th>
                    <th scope="col">Details</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {log.value.map((entry) => (
                    <tr key={entry.id}>
                      <td>
                        <time datetime={entry.at}>{entry.when}</time>
                      </td>
                      <td>{entry.change}</td>
                      <td>{entry.details}</td>
                      <td>{entry.by}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
      </section>
    </div>
  );
}
