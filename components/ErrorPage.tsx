/** The page shown for 403, 404, 405 and 500 on HTML routes. */
import type { VNode } from "preact";

export interface ErrorPageProps {
  status: number;
  heading: string;
  message: string;
  requestId?: string;
}

export function ErrorPage({ status, heading, message, requestId }: ErrorPageProps): VNode {
  return (
    <section class="error-page" aria-labelledby="error-heading">
      <p class="error-page__status">{status}</p>
      <h1 id="error-heading">{heading}</h1>
      <p>{message}</p>
      {requestId && (
        <p class="muted">
          Request id <code>{requestId}</code> — quote it when you contact support.
        </p>
      )}
      <p>
        <a class="button" href="/">Back to the start page</a>
      </p>
    </section>
  );
}
