/**
 * Readiness: real dependency checks run in parallel, each with its own
 * timeout. A failing check says why in a fixed vocabulary, never with the
 * underlying error text (it could hold a URL with credentials).
 */
import { NetworkBlockedError } from "../errors/mod.ts";
import { CircuitOpenError } from "../net/guard.ts";
import { withTimeout } from "../timeout.ts";

/** "ok", "skipped" (not configured), "blocked" (outbound refused by mode), or "failed: <why>". */
export type CheckStatus = "ok" | "skipped" | "blocked" | "degraded" | `failed: ${string}`;

export interface ReadinessCheck {
  name: string;
  /** Resolves with the status, or rejects (mapped to a failure reason). */
  run(signal: AbortSignal): Promise<CheckStatus>;
  /** Whether a failure makes the instance not ready (default true). */
  critical?: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckStatus>;
}

class CheckTimeout extends Error {}

/**
 * The metric labels of a check's state: `result` is the state without its reason, `reason` the
 * reason of a failure as a label value ("auth_failed", "timeout", "status_503", "circuit_open"), so an alert can
 * tell a refused password (no retry mends it) from an outage. Reasons come from the fixed
 * vocabulary of {@link failureReason} and the worker's status codes: a bounded label set.
 */
export function statusLabels(status: CheckStatus): { result: string; reason?: string } {
  const [result, reason] = status.split(": ", 2) as [string, string | undefined];
  return reason === undefined ? { result } : { result, reason: reason.replaceAll(" ", "_") };
}

/** A short, secret-free reason for a failed check. */
export function failureReason(error: unknown): `failed: ${string}` {
  if (error instanceof CheckTimeout) return "failed: timeout";
  // The outbound guard refused without calling: the provider's breaker is open after failures
  // (for 30 s, then one trial call). Not "unavailable": the calls before it say what failed.
  if (error instanceof CircuitOpenError) return "failed: circuit open";
  // Deno's fetch says only "fetch failed"; the reason is in `cause` (refused, DNS, reset).
  const describe = (e: unknown): string =>
    e instanceof Error
      ? `${e.name} ${e.message} ${String((e as { code?: unknown }).code ?? "")}`
      : "";
  const text = error instanceof Error ? `${describe(error)} ${describe(error.cause)}` : "";
  // Redis refused the credentials in the URL (WRONGPASS: wrong user or password; NOAUTH: none
  // given where one is required) or they lack a permission the connection needs (NOPERM): not an
  // outage, and no retry mends it until the password or the server changes.
  const refused = (e: unknown) =>
    e instanceof Error && /^(?:WRONGPASS|NOAUTH|NOPERM)\b/.test(e.message);
  if (refused(error) || (error instanceof Error && refused(error.cause))) {
    return "failed: auth failed";
  }
  if (/ECONNREFUSED|ConnectionRefused|connection refused/i.test(text)) {
    return "failed: connection refused";
  }
  if (/timeout|timed out/i.test(text)) return "failed: timeout";
  if (/ENOTFOUND|getaddrinfo|dns/i.test(text)) return "failed: host not found";
  if (/closed|ClientClosed|socket|ECONNRESET|disconnected|offline/i.test(text)) {
    return "failed: connection lost";
  }
  return "failed: unavailable";
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckStatus> {
  const controller = new AbortController();
  try {
    return await withTimeout(check.run(controller.signal), timeoutMs, () => {
      controller.abort();
      return new CheckTimeout();
    });
  } catch (error) {
    if (error instanceof NetworkBlockedError) return "blocked";
    return failureReason(error);
  }
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = 2000,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  const report: ReadinessReport = { ready: true, checks: {} };
  checks.forEach((check, i) => {
    const status = results[i]!;
    report.checks[check.name] = status;
    if (status.startsWith("failed") && check.critical !== false) report.ready = false;
  });
  return report;
}

/**
 * One readiness run shared by every caller that asks while it runs. The readiness endpoint is
 * public and not rate limited (probes must always get through), and each run asks the database,
 * Redis and the worker: without this, a flood of concurrent requests became as many rounds of
 * dependency checks. `fresh` tells the caller whether its call started the run (count it once).
 */
export function sharedReadiness(
  run: () => Promise<ReadinessReport>,
): () => Promise<{ report: ReadinessReport; fresh: boolean }> {
  let inflight: Promise<ReadinessReport> | null = null;
  return async () => {
    if (inflight) return { report: await inflight, fresh: false };
    inflight = run().finally(() => {
      inflight = null;
    });
    return { report: await inflight, fresh: true };
  };
}
