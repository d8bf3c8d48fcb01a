/**
 * Process-level capture: unhandled promise rejections and uncaught exceptions
 * go through the same reporter (and scrub) as route errors. Installed once by
 * main.ts on `globalThis`; tests install it on their own EventTarget.
 */
import type { Logger } from "../log/mod.ts";
import type { ErrorReporter } from "./reporter.ts";

export interface ProcessHandlerDeps {
  errors: ErrorReporter;
  logger: Logger;
  /** Ends the process after an uncaught exception (Deno.exit in main.ts). */
  exit: (code: number) => void;
  /** Where the events fire; globalThis by default. */
  target?: EventTarget;
  /** How long an uncaught exception's report may take to leave before the exit. */
  flushTimeoutMs?: number;
}

function errorType(value: unknown): string {
  return value instanceof Error ? value.name : typeof value;
}

/**
 * Listens for `unhandledrejection` (reported; the process keeps running, as
 * before) and `error` (an uncaught exception: reported, flushed within the
 * timeout, then the process exits with 1 as Deno would have). Logs carry the
 * error's class only. Returns a function that removes both listeners.
 */
export function installProcessHandlers(deps: ProcessHandlerDeps): () => void {
  const target = deps.target ?? globalThis;
  let exiting = false;
  const onRejection = (event: Event) => {
    event.preventDefault();
    const reason = (event as PromiseRejectionEvent).reason;
    deps.logger.error("unhandled rejection", { errorType: errorType(reason) });
    deps.errors.capture(reason, { source: "unhandled_rejection" });
  };
  const onError = (event: Event) => {
    event.preventDefault();
    if (exiting) return;
    exiting = true;
    const error = (event as ErrorEvent).error;
    deps.logger.error("uncaught exception: exiting", { errorType: errorType(error) });
    deps.errors.capture(error, { source: "uncaught_exception" });
    deps.errors.flush(deps.flushTimeoutMs ?? 2000).finally(() => deps.exit(1));
  };
  target.addEventListener("unhandledrejection", onRejection);
  target.addEventListener("error", onError);
  return () => {
    target.removeEventListener("unhandledrejection", onRejection);
    target.removeEventListener("error", onError);
  };
}
