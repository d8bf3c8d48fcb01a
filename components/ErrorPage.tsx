/**
 * The page shown for 403, 404, 405, 500 and 503 (database, STANDBY) on HTML routes, and for a
 * browser's request refused with another 4xx (400, 413, 429) that no page answered itself.
 */
import type { ComponentChildren, VNode } from "preact";

export interface ErrorPageProps {
  status: number;
  heading: string;
  message: string;
  requestId?: string;
  /** The page a refused form was sent from (a local path), offered as the way back. */
  back?: string;
  /** More after the message, such as links to where the thing may be found. */
  children?: ComponentChildren;
}

/**
 * Headings for a reader in place of a problem's short title, which the app's error handler
 * passes as `heading` for pages it could not draw (lib/app.ts, titles in lib/errors/mod.ts).
 */
const READER_HEADINGS = new Map<string, string>([
  ["Standby", "Changes are paused: the platform is in STANDBY"],
]);

export function ErrorPage(
  { status, heading, message, requestId, back, children }: ErrorPageProps,
): VNode {
  return (
    <section class="error-page" aria-labelledby="error-heading">
      <p class="error-page__status">{status}</p>
      <h1 id="error-heading">{READER_HEADINGS.get(heading) ?? heading}</h1>
      <p>{message}</p>
      {children}
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

/** What the error page says about a refused request: a heading and a sentence. */
export interface RefusalWording {
  heading: string;
  message: string;
}

/**
 * The error page's words for a request refused with a 4xx code (lib/app.ts draws them for a
 * browser's page or form the route did not answer itself). Fixed sentences chosen by the code:
 * nothing that was sent is repeated, and no API wording ("request body", "through the API").
 */
export function refusalWording(
  code: string,
  status: number,
  retryAfterSeconds?: number,
): RefusalWording {
  switch (code) {
    case "VALIDATION_FAILED":
      return {
        heading: "What was sent could not be accepted",
        message:
          "Something in the form could not be used: a field may hold a character that cannot be stored (such as a control character pasted with the text) or be in the wrong form. Go back to the form, check what was typed and send it again.",
      };
    case "PAYLOAD_TOO_LARGE":
      return {
        heading: "What was sent is too large",
        message:
          "The form held more than the server accepts at once, so it was not used. Go back to the form and send less at a time, for example fewer entries in one paste.",
      };
    case "RATE_LIMITED": {
      const wait = retryAfterSeconds
        ? `${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}`
        : "a minute";
      return {
        heading: "Too many requests",
        message:
          `Too many requests came from this browser or network in a short time, so this one was not handled. Wait ${wait}, then try again.`,
      };
    }
    case "UNSUPPORTED_MEDIA_TYPE":
      return {
        heading: "What was sent could not be read",
        message: "The form arrived in a shape the server cannot read. Go back and send it again.",
      };
    case "NOT_FOUND":
      return {
        heading: "Page not found",
        message:
          "There is nothing at this address. Check the link, or start again from the start page.",
      };
    case "CONFLICT":
      return {
        heading: "The change could not be made",
        message:
          "It clashed with the current state, for example a change made at the same moment by someone else. Go back, reload the page and try again.",
      };
    case "FORBIDDEN":
      return {
        heading: "You do not have access to this page",
        message: "Your role does not allow this. Ask an administrator if you need access.",
      };
    default:
      return {
        heading: "The request could not be completed",
        message: `The request was refused (status ${status}). Go back and try again.`,
      };
  }
}
