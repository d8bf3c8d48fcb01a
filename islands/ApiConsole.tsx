/**
 * "Try it" for the API reference: pick an operation, fill the path, query and
 * JSON body, send it with the page's session (and CSRF token), read the answer.
 * It sends with fetch only: server-rendered (no JavaScript), Send is disabled and
 * a note says the console needs JavaScript; hydrated, Send is enabled and the
 * note is gone.
 */
import { useSignal } from "@preact/signals";
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";

const NEEDS_JS_ID = "api-console-needs-js";

export interface ApiConsoleProps extends Record<string, unknown> {
  operations: Array<
    { id: string; method: string; path: string; summary: string; hasBody: boolean }
  >;
  csrfToken: string | null;
}

export default function ApiConsole({ operations, csrfToken }: ApiConsoleProps): VNode {
  const selected = useSignal(operations[0]?.id ?? "");
  const path = useSignal(operations[0]?.path ?? "");
  const body = useSignal("{\n}");
  const result = useSignal<{ status: number; text: string } | null>(null);
  const busy = useSignal(false);
  /** Hydrated: the console can send (it has no form submission of its own to fall back on). */
  const live = useSignal(false);
  useEffect(() => {
    live.value = true;
  }, []);
  const op = operations.find((o) => o.id === selected.value);

  async function send(event: Event) {
    event.preventDefault();
    if (!op) return;
    busy.value = true;
    try {
      const headers: Record<string, string> = { accept: "application/json" };
      if (op.hasBody) headers["content-type"] = "application/json";
      if (csrfToken && op.method !== "GET") headers["x-csrf-token"] = csrfToken;
      const response = await fetch(path.value, {
        method: op.method,
        headers,
        credentials: "same-origin",
        body: op.hasBody ? body.value : undefined,
      });
      const text = await response.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not JSON: show as is
      }
      result.value = { status: response.status, text: pretty.slice(0, 20_000) };
    } catch {
      result.value = { status: 0, text: "The request could not be sent (network error)." };
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="api-console" onSubmit={send} aria-label="Try the API">
      <h2>Try it</h2>
      <p class="muted">
        Requests use your browser session{csrfToken
          ? " and its CSRF token"
          : " (you are not signed in)"}.
      </p>
      <label>
        Operation
        <select
          value={selected.value}
          onChange={(e) => {
            const id = (e.currentTarget as HTMLSelectElement).value;
            selected.value = id;
            path.value = operations.find((o) => o.id === id)?.path ?? "";
            result.value = null;
          }}
        >
          {operations.map((o) => <option key={o.id} value={o.id}>{`${o.method} ${o.path}`}
          </option>)}
        </select>
      </label>
      <label>
        <span>
          Path and query (replace <code>{"{placeholders}"}</code>)
        </span>
        <input
          type="text"
          value={path.value}
          onInput={(e) => (path.value = (e.currentTarget as HTMLInputElement).value)}
          spellcheck={false}
        />
      </label>
      {op?.hasBody && (
        <label>
          JSON body
          <textarea
            rows={6}
            value={body.value}
            onInput={(e) => (body.value = (e.currentTarget as HTMLTextAreaElement).value)}
            spellcheck={false}
          />
        </label>
      )}
      <button
        type="submit"
        class="button button--primary"
        disabled={!live.value || busy.value}
        aria-describedby={live.value ? undefined : NEEDS_JS_ID}
      >
        {busy.value ? "Sending…" : "Send"}
      </button>
      {!live.value && (
        <p class="field-hint" id={NEEDS_JS_ID} data-testid={NEEDS_JS_ID}>
          The console needs JavaScript to send requests; the reference below reads the same without
          it.
        </p>
      )}
      {result.value && (
        <div class="api-console__result" aria-live="polite">
          <p>
            Status <strong data-testid="api-console-status">{result.value.status}</strong>
          </p>
          <pre>{result.value.text}</pre>
        </div>
      )}
    </form>
  );
}
