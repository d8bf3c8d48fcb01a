/**
 * Browser error reporting for pages with islands: uncaught errors and
 * unhandled rejections are posted to `POST /api/errors` on the app's own
 * origin (the CSP allows nothing else); the server scrubs them and forwards
 * them to Sentry or drops them. No third party is contacted from the browser.
 *
 * Only signed-in pages report (the endpoint needs the session and the CSRF
 * token from `<meta name="csrf-token">`). Each distinct error is sent once,
 * at most {@link MAX_REPORTS} per page load; fields are cut to the server's
 * limits. Reporting failures are swallowed: reporting must never cause errors.
 */
import { BACKGROUND_REQUEST_HEADER } from "../../http/background.ts";

/** Most reports one page load sends. */
export const MAX_REPORTS = 10;
const ENDPOINT = "/api/errors";
const LIMITS = { type: 200, message: 2000, stack: 10_000, route: 2048 } as const;
const INSTALLED = Symbol.for("researchflow.errorReporter");

/** The body of one report (what the server's zod schema accepts). */
export interface ErrorReport {
  type: string;
  message: string;
  stack?: string;
  route: string;
}

function cut(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** A report for a thrown value; non-Error values are described by their type only. */
export function toReport(value: unknown, route: string, fallbackMessage = ""): ErrorReport {
  const report: ErrorReport = {
    type: "Error",
    message: "",
    route: cut(route || "/", LIMITS.route),
  };
  if (value instanceof Error) {
    report.type = cut(value.name || "Error", LIMITS.type);
    report.message = cut(String(value.message ?? ""), LIMITS.message);
    if (typeof value.stack === "string") report.stack = cut(value.stack, LIMITS.stack);
  } else if (value === undefined || value === null) {
    report.message = cut(fallbackMessage, LIMITS.message);
  } else {
    report.type = "NonErrorValue";
    report.message = `A value of type ${typeof value} was thrown`;
  }
  return report;
}

/** A key identifying "the same error" for de-duplication. */
export function reportKey(report: ErrorReport): string {
  const firstFrame = (report.stack ?? "").split("\n").find((line) => /^\s+at /.test(line)) ?? "";
  return `${report.type}\n${report.message}\n${firstFrame.trim()}`;
}

/**
 * Starts reporting on this page (once per page, whichever island calls it).
 * Returns false when the page cannot report (no session token).
 */
export function installErrorReporter(): boolean {
  const scope = globalThis as typeof globalThis & { [INSTALLED]?: boolean };
  if (scope[INSTALLED] !== undefined) return scope[INSTALLED];
  const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
  scope[INSTALLED] = token !== "";
  if (!token) return false;

  const seen = new Set<string>();
  function send(value: unknown, fallbackMessage?: string): void {
    try {
      if (seen.size >= MAX_REPORTS) return;
      const report = toReport(value, location.pathname, fallbackMessage);
      const key = reportKey(report);
      if (seen.has(key)) return;
      seen.add(key);
      fetch(ENDPOINT, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: {
          "content-type": "application/json",
          "x-csrf-token": token,
          // An error report is not the user's activity (lib/http/background.ts).
          [BACKGROUND_REQUEST_HEADER]: "1",
        },
        body: JSON.stringify(report),
      }).catch(() => {});
    } catch {
      // Never let reporting throw.
    }
  }

  globalThis.addEventListener("error", (event) => send(event.error, event.message));
  globalThis.addEventListener("unhandledrejection", (event) => send(event.reason));
  return true;
}
