/**
 * The analytics consent banner and the page's analytics client, in one island
 * rendered only for signed-in users.
 *
 * - With no choice recorded it shows one sentence, Allow / No thanks and a
 *   link to /settings/privacy. The buttons are plain form posts (they work
 *   without JavaScript); hydrated, they call the consent API instead and the
 *   banner closes without a reload. "No thanks" is stored on the server.
 * - With consent in force it renders nothing visible and starts the client,
 *   which records `ui.page_view` (and the page's own event) and flushes them.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { VNode } from "preact";
import type { ConsentBannerProps } from "../lib/consent/page.ts";
import { startAnalytics, stopAnalytics, trackEvent } from "../lib/web/client/analytics.ts";

function start(props: ConsentBannerProps): void {
  startAnalytics({ csrfToken: props.csrfToken });
  trackEvent("ui.page_view", { page: props.page });
  if (props.event) trackEvent(props.event, { page: props.page });
}

export default function ConsentBanner(props: ConsentBannerProps): VNode {
  const open = useSignal(props.ask);
  const busy = useSignal(false);
  const note = useSignal("");
  const noteRef = useRef<HTMLParagraphElement>(null);
  // "yes" once hydrated: the buttons then use the API instead of a form post.
  const ready = useSignal(false);

  useEffect(() => {
    ready.value = true;
    if (props.active) start(props);
  }, []);

  async function choose(allow: boolean, event: Event): Promise<void> {
    event.preventDefault();
    if (busy.value) return;
    const form = event.currentTarget as HTMLFormElement;
    busy.value = true;
    try {
      const response = await fetch(allow ? "/api/consent/grant" : "/api/consent/revoke", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": props.csrfToken },
        credentials: "same-origin",
        body: JSON.stringify(
          allow
            ? { consentType: "analytics", method: "banner", policyVersion: props.policyVersion }
            : { consentType: "analytics", method: "banner", reason: "declined" },
        ),
      });
      if (!response.ok) throw new Error(`consent ${response.status}`);
      open.value = false;
      note.value = allow
        ? "Usage analytics are on. You can turn them off at any time in Privacy settings."
        : "No usage analytics will be collected. You can change this in Privacy settings.";
      if (allow) start(props);
      else stopAnalytics();
      queueMicrotask(() => noteRef.current?.focus());
    } catch {
      // The plain form post still works (and shows the server's answer).
      form.submit();
    } finally {
      busy.value = false;
    }
  }

  return (
    <div class="consent" data-ready={ready.value ? "yes" : "no"}>
      {open.value && (
        <section
          class="consent-banner"
          role="region"
          aria-labelledby="consent-banner-title"
          aria-describedby="consent-banner-text"
          data-testid="consent-banner"
        >
          <h2 id="consent-banner-title" class="consent-banner__title">Usage analytics</h2>
          <p id="consent-banner-text" class="consent-banner__text">{props.summary}</p>
          <div class="consent-banner__actions">
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
