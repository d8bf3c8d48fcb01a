/**
 * The analytics consent banner and the page's analytics client, in one island
 * rendered only for signed-in users.
 *
 * - With no choice recorded it shows one sentence, Allow / No thanks and a
 *   link to /settings/privacy. The buttons are plain form posts (they work
 *   without JavaScript); hydrated, they call the consent API instead and the
 *   banner closes without a reload. "No thanks" is stored on the server. It is not
 *   offered on /settings/privacy, the full consent control, whose status is drawn on the
 *   server and would not follow a choice made here (PageAnalytics.consentControl).
 * - A choice the server did not confirm is answered in the banner when the page can say why
 *   (no answer, a 5xx, a 429: an alert, the buttons enabled again; a retry records it at most
 *   once); any other refusal falls back to the plain form post (the server's own page).
 * - A choice made elsewhere closes the open banner: another tab's confirmed choice (told on the
 *   BroadcastChannel) or, when the tab regains focus, one made anywhere; the banner looks up the
 *   stored choice (GET /api/consent/status) and says what it is.
 * - With consent in force it renders nothing visible and starts the client,
 *   which records `ui.page_view` (and the page's own event) and flushes them.
 * - In STANDBY granting is refused (a write) while declining still works: once
 *   hydrated it learns the mode from `/health` (as the mode badge does) and
 *   offers "No thanks" only, with a sentence saying why; a grant refused with
 *   MODE_STANDBY (the mode changed after the check) is answered in place.
 *   Without JavaScript the form post gets the STANDBY page (lib/http/access.ts).
 * - A withdrawal drops the client's queue at once: the submit of a withdrawal form
 *   (`/settings/privacy/revoke`, on this page) stops the client before the page leaves, so
 *   the `pagehide` flush sends nothing, and tells the user's other tabs (BroadcastChannel)
 *   to stop theirs, so no queued or retried batch of events recorded before the withdrawal
 *   (and any erasure) is sent after it. The server refuses such events anyway
 *   (docs/analytics.md, "Erasure sticks"); this keeps them from leaving the browser.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { VNode } from "preact";
import { CONSENT_DECIDED_QUERY } from "../lib/consent/decided.ts";
import type { ConsentBannerProps } from "../lib/consent/page.ts";
import { startAnalytics, stopAnalytics, trackEvent } from "../lib/web/client/analytics.ts";

function start(props: ConsentBannerProps): void {
  startAnalytics({ csrfToken: props.csrfToken });
  trackEvent("ui.page_view", { page: props.page });
  if (props.event) trackEvent(props.event, { page: props.page });
}

/** The channel on which a tab tells the user's other tabs about a consent choice. */
const CONSENT_CHANNEL = "researchflow-consent";
/** Stop the client now (a withdrawal or decline), and look up the choice. */
const WITHDRAWN = "analytics-withdrawn";
/** A grant was recorded: look up the choice. */
const GRANTED = "analytics-granted";
const WITHDRAW_PATH = "/settings/privacy/revoke";

/** Tells the user's other tabs (their banners look up the stored choice and close). */
function broadcast(message: string): void {
  try {
    const channel = new BroadcastChannel(CONSENT_CHANNEL);
    channel.postMessage(message);
    channel.close();
  } catch {
    // No BroadcastChannel: another tab's banner looks the choice up when that tab regains focus.
  }
}

/** Stops this tab's client (its queue is forgotten) and the other tabs' clients. */
function withdrawn(): void {
  stopAnalytics();
  // Without BroadcastChannel the other tabs' clients stop at their next delivery (403).
  broadcast(WITHDRAWN);
}

/** The analytics choice the server holds now (GET /api/consent/status), or null when unknown. */
async function storedChoice(): Promise<{ needsChoice: boolean; state: string } | null> {
  try {
    const response = await fetch("/api/consent/status", {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
    if (!response.ok) return null;
    const body = await response.json() as {
      analytics?: { needsChoice?: unknown; state?: unknown };
    };
    const analytics = body.analytics;
    return typeof analytics?.needsChoice === "boolean" && typeof analytics.state === "string"
      ? { needsChoice: analytics.needsChoice, state: analytics.state }
      : null;
  } catch {
    return null;
  }
}

/** What the banner's place says once a choice made elsewhere closed it. */
export function madeElsewhereNote(state: string): string {
  if (state === "granted") {
    return "You allowed usage analytics elsewhere (in another tab or window, or on another device). You can turn them off at any time in Privacy settings.";
  }
  if (state === "declined") {
    return "You said no to usage analytics elsewhere (in another tab or window, or on another device), so none are collected. You can change this in Privacy settings.";
  }
  return "You turned usage analytics off elsewhere (in another tab or window, or on another device), so none are collected. You can change this in Privacy settings.";
}

/**
 * Whether the state the server holds is the choice this tab made and could not confirm:
 * "granted" for Allow; for "No thanks" "declined", or "revoked" where a grant to an older policy
 * text was in force (the banner asks again then, and saying no withdraws that grant).
 */
export function isOwnChoice(unconfirmed: string | null, stored: string): boolean {
  if (unconfirmed === "granted") return stored === "granted";
  return unconfirmed === "declined" && (stored === "declined" || stored === "revoked");
}

/** True when a submitted form is a withdrawal (or decline) of analytics consent. */
function isWithdrawal(form: EventTarget | null): boolean {
  if (!(form instanceof HTMLFormElement)) return false;
  try {
    return new URL(form.action, location.href).pathname === WITHDRAW_PATH;
  } catch {
    return false;
  }
}

/** What the banner says once a choice is made (in place, or by the form post without JavaScript). */
const GRANTED_NOTE =
  "Usage analytics are on. You can turn them off at any time in Privacy settings.";
const DECLINED_NOTE =
  "No usage analytics will be collected. You can change this in Privacy settings.";

const PAUSED_NOTE =
  "Usage analytics cannot be turned on while the platform is in STANDBY, so nothing was changed.";

/** Whether the platform is in STANDBY, per the public health answer; null when unknown. */
async function inStandby(): Promise<boolean | null> {
  try {
    // Public, and no one's activity: sent without the session cookie.
    const response = await fetch("/health", {
      credentials: "omit",
      headers: { accept: "application/json" },
    });
    if (!response.ok) return null;
    const body = await response.json() as { mode?: unknown };
    return typeof body.mode === "string" ? body.mode === "STANDBY" : null;
  } catch {
    return null;
  }
}

/**
 * The sentence for a choice the server did not confirm, when the page can say so itself: no
 * answer (offline, the server unreachable), a server error (5xx) or too many requests (429).
 * Null for any other refusal, which the plain form post shows as the server's own page (a
 * refused CSRF token or an ended session, a policy text changed since the page was drawn).
 * Retrying is safe: a grant or a decline already in force is not recorded again.
 */
export function unconfirmedNote(status: number | null, offline = false): string | null {
  if (status === null && offline) {
    return "Your choice was not saved: this device is offline. Check your connection and try again.";
  }
  if (status === null) {
    // The request may have reached the server and only its answer been lost (a reset
    // connection, a dropped network): not "was not saved".
    return "Your choice may not have been saved: the server did not answer. Try again; a choice already saved is not recorded twice.";
  }
  if (status === 429) {
    return "Your choice was not saved: too many requests. Wait a moment and try again.";
  }
  if (status >= 500) {
    // A 5xx may come after the choice was stored (a proxy's error, a lost answer): not "nothing
    // was changed". A retry records it at most once.
    return "Your choice may not have been saved: the server answered with an error. Try again; a choice already saved is not recorded twice.";
  }
  return null;
}

/** True when a refused answer is the STANDBY refusal (503 MODE_STANDBY). */
async function refusedForStandby(response: Response): Promise<boolean> {
  if (response.status !== 503) return false;
  try {
    return (await response.json() as { code?: unknown }).code === "MODE_STANDBY";
  } catch {
    return false;
  }
}

export default function ConsentBanner(props: ConsentBannerProps): VNode {
  const open = useSignal(props.ask);
  const busy = useSignal(false);
  // A choice made through the form post without JavaScript is told on the page returned to.
  const note = useSignal(
    props.decided === "granted" ? GRANTED_NOTE : props.decided === "declined" ? DECLINED_NOTE : "",
  );
  const noteRef = useRef<HTMLParagraphElement>(null);
  // A choice the server did not confirm (offline, 5xx, 429), said inside the banner.
  const failure = useSignal("");
  const failureRef = useRef<HTMLParagraphElement>(null);
  // This tab's last choice the server did not confirm ("granted" or "declined"), if any.
  const unconfirmed = useRef<string | null>(null);
  const bannerRef = useRef<HTMLElement>(null);
  // "yes" once hydrated: the buttons then use the API instead of a form post.
  const ready = useSignal(false);
  // STANDBY: granting is paused, so Allow is not offered (declining still works).
  // Known from the page first (no Allow flashing up before the check), then kept current.
  const standby = useSignal(props.standby === true);

  useEffect(() => {
    ready.value = true;
    if (props.decided !== null && props.decided !== undefined) {
      // Returned here after a choice made by the form post (a click before the page was ready, or
      // the fallback): the sentence drawn on the server is focused, as a choice made in place is,
      // since a status already in the page is not announced; and the word leaves the address, so
      // a reload or a bookmark does not say it again.
      queueMicrotask(() => noteRef.current?.focus());
      const url = new URL(location.href);
      url.searchParams.delete(CONSENT_DECIDED_QUERY);
      history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    }
    if (props.active) start(props);
    // A withdrawal in this tab (a plain form post) or in another one stops the client now.
    const onSubmit = (event: Event) => {
      if (isWithdrawal(event.target)) withdrawn();
    };
    document.addEventListener("submit", onSubmit, true);
    let stopped = false;
    // A choice made elsewhere (another tab, window or device) closes this tab's open banner, with
    // the choice the server holds: looked up when another tab says it chose, and when this tab
    // regains focus (a choice on /settings/privacy, whose page may carry no island, or a tab
    // without BroadcastChannel). This tab's client is not started by a grant made elsewhere.
    // One look-up at a time: focus can come and go many times a second.
    let lookingUp = false;
    const lookUp = async () => {
      if (!open.value || busy.value || lookingUp) return;
      lookingUp = true;
      let stored: Awaited<ReturnType<typeof storedChoice>>;
      try {
        stored = await storedChoice();
      } finally {
        lookingUp = false;
      }
      if (stopped || !stored || stored.needsChoice || !open.value || busy.value) return;
      // Focus in the banner (its buttons, its alert) is not dropped to the page's body.
      const hadFocus = bannerRef.current?.contains(document.activeElement) ?? false;
      // This tab's own choice whose answer was lost or an error: saved after all.
      if (isOwnChoice(unconfirmed.current, stored.state)) confirmed(stored.state === "granted");
      else {
        unconfirmed.current = null;
        open.value = false;
        note.value = madeElsewhereNote(stored.state);
      }
      if (hadFocus) queueMicrotask(() => noteRef.current?.focus());
    };
    let channel: BroadcastChannel | null = null;
    try {
      channel = new BroadcastChannel(CONSENT_CHANNEL);
      channel.onmessage = (message) => {
        if (message.data === WITHDRAWN) stopAnalytics();
        if (message.data === WITHDRAWN || message.data === GRANTED) lookUp();
      };
    } catch {
      channel = null;
    }
    const cleanup = () => {
      stopped = true;
      document.removeEventListener("submit", onSubmit, true);
      channel?.close();
    };
    if (!props.ask) return cleanup;
    let checking = false;
    const check = async () => {
      if (checking) return;
      checking = true;
      try {
        const paused = await inStandby();
        if (!stopped && paused !== null) standby.value = paused;
      } finally {
        checking = false;
      }
    };
    check();
    // The mode (and the choice) may change while the page is open: checked again when the tab
    // regains focus.
    const onFocus = () => {
      check();
      lookUp();
    };
    globalThis.addEventListener("focus", onFocus);
    return () => {
      globalThis.removeEventListener("focus", onFocus);
      cleanup();
    };
  }, []);

  async function choose(allow: boolean, event: Event): Promise<void> {
    event.preventDefault();
    if (busy.value) return;
    const form = event.currentTarget as HTMLFormElement;
    busy.value = true;
    failure.value = "";
    let response: Response;
    try {
      response = await fetch(allow ? "/api/consent/grant" : "/api/consent/revoke", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": props.csrfToken },
        credentials: "same-origin",
        body: JSON.stringify(
          allow
            ? { consentType: "analytics", method: "banner", policyVersion: props.policyVersion }
            : { consentType: "analytics", method: "banner", reason: "declined" },
        ),
      });
    } catch {
      // No answer (offline, the server unreachable): said here, not by a form post that would
      // only put the browser's own error page in place of the app.
      fail(unconfirmedNote(null, navigator.onLine === false)!, allow);
      return;
    }
    try {
      if (allow && await refusedForStandby(response)) {
        // Answered here: the plain form post would only meet the same refusal as a page.
        standby.value = true;
        note.value = PAUSED_NOTE;
        queueMicrotask(() => noteRef.current?.focus());
        return;
      }
      if (!response.ok) {
        const sentence = unconfirmedNote(response.status);
        if (sentence) {
          // Not needed (the body may already have been read by the STANDBY check).
          response.body?.cancel().catch(() => {});
          fail(sentence, allow);
          return;
        }
        throw new Error(`consent ${response.status}`);
      }
      confirmed(allow);
      queueMicrotask(() => noteRef.current?.focus());
    } catch {
      // An answer this page cannot act on (a refused CSRF token, an ended session, a changed
      // policy text, not JSON): the plain form post shows the server's own page for it.
      form.submit();
    } finally {
      busy.value = false;
    }
  }

  /** The server holds this tab's choice: the banner closes and says so; the client follows it. */
  function confirmed(allow: boolean): void {
    unconfirmed.current = null;
    open.value = false;
    note.value = allow ? GRANTED_NOTE : DECLINED_NOTE;
    if (allow) {
      start(props);
      broadcast(GRANTED);
    } else withdrawn();
  }

  /**
   * Keeps the banner open with the sentence as an alert, focused, the buttons enabled again, and
   * remembers the choice: a later look-up that finds it stored confirms it as this tab's own.
   */
  function fail(sentence: string, allow: boolean): void {
    busy.value = false;
    failure.value = sentence;
    unconfirmed.current = allow ? "granted" : "declined";
    queueMicrotask(() => failureRef.current?.focus());
  }

  return (
    <div class="consent" data-ready={ready.value ? "yes" : "no"}>
      {open.value && (
        <section
          ref={bannerRef}
          class="consent-banner"
          role="region"
          aria-labelledby="consent-banner-title"
          aria-describedby={standby.value
            ? "consent-banner-text consent-banner-paused"
            : "consent-banner-text"}
          data-testid="consent-banner"
        >
          <h2 id="consent-banner-title" class="consent-banner__title">Usage analytics</h2>
          <p id="consent-banner-text" class="consent-banner__text">{props.summary}</p>
          {standby.value && (
            <p
              id="consent-banner-paused"
              class="consent-banner__text"
              data-testid="consent-paused"
            >
              Consent choices are paused while the platform is in STANDBY: usage analytics cannot be
              turned on until it is back in DEMO or LIVE, and nothing is collected meanwhile. You
              can still say no.
            </p>
          )}
          {failure.value && (
            <p
              class="notice notice--error consent-banner__text"
              role="alert"
              tabIndex={-1}
              ref={failureRef}
              data-testid="consent-failure"
            >
              {failure.value}
            </p>
          )}
          <div class="consent-banner__actions">
            {!standby.value && (
              <form
                method="post"
                action="/settings/privacy/grant"
                onSubmit={(e) => choose(true, e)}
              >
                <input type="hidden" name="csrf_token" value={props.csrfToken} />
                <input type="hidden" name="method" value="banner" />
                <input type="hidden" name="policy_version" value={props.policyVersion} />
                <input type="hidden" name="return_to" value={props.returnTo} />
                <button type="submit" class="button button--primary" disabled={busy.value}>
                  Allow
                </button>
              </form>
            )}
            <form
              method="post"
              action="/settings/privacy/revoke"
              onSubmit={(e) => choose(false, e)}
            >
              <input type="hidden" name="csrf_token" value={props.csrfToken} />
              <input type="hidden" name="method" value="banner" />
              <input type="hidden" name="return_to" value={props.returnTo} />
              <button type="submit" class="button" disabled={busy.value}>No thanks</button>
            </form>
            <a class="consent-banner__link" href="/settings/privacy">Privacy settings</a>
          </div>
        </section>
      )}
      <p
        class={note.value ? "consent-note" : "consent-note consent-note--empty"}
        role="status"
        tabIndex={-1}
        ref={noteRef}
      >
        {note.value}
      </p>
    </div>
  );
}
