/** The page shown for 403, 404, 405, 500 and 503 (database, STANDBY) on HTML routes. */
import type { VNode } from "preact";

export interface ErrorPageProps {
  status: number;
  heading: string;
  message: string;
  requestId?: string;
  /** The page a refused form was sent from (a local path), offered as the way back. */
  back?: string;
}

/**
 * Headings for a reader in place of a problem's short title, which the app's error handler
 * passes as `heading` for pages it could not draw (lib/app.ts, titles in lib/errors/mod.ts).
 */
const READER_HEADINGS = new Map<string, string>([
  ["Standby", "Changes are paused: the platform is in STANDBY"],
]);

export function ErrorPage({ status, heading, message, requestId, back }: ErrorPageProps): VNode {
  return (
    <section class="error-page" aria-labelledby="error-heading">
      <p class="error-page__status">{status}</p>
      <h1 id="error-heading">{READER_HEADINGS.get(heading) ?? heading}</h1>
      <p>{message}</p>
      {requestId && (
        <p class="muted">
          Request id <code>{requestId}</code> — quote it when you contact support.
        </p>
      )}
      <p>
        {back && back !== "/" && (
          <>
            <a class="button" href={back}>Back to the page you were on</a>
            {" "}
          </>
        )}
        <a class="button" href="/">Back to the start page</a>
      </p>
    </section>
  );
}
