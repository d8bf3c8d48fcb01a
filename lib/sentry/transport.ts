/**
 * The Sentry transport: envelopes leave only through the outbound guard
 * (`services.net.fetch("sentry", …)`), so STANDBY, NO_NETWORK and MOCK_ONLY
 * block them without an attempt (counted in `external_calls_blocked_total`),
 * and the per-provider timeout and circuit breaker protect the app from a slow
 * or failing Sentry.
 *
 * It is also the last gate: an envelope item goes out only if it is an event
 * (or transaction) object that the scrub built, and only if a final PHI scan of
 * it and of the envelope header finds nothing. Anything else the SDK might
 * send on its own — internal error events (`__sentry__`), sessions, client
 * reports, logs, attachments — is dropped here and counted.
 */
import { createTransport } from "@sentry/deno";
import type {
  BaseTransportOptions,
  Envelope,
  EnvelopeItem,
  Transport,
  TransportMakeRequestResponse,
  TransportRequest,
} from "@sentry/core";
import { NetworkBlockedError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { CircuitOpenError, type OutboundGuard, OutboundTimeoutError } from "../net/mod.ts";
import type { ScanResult } from "../phi/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import { settlesWithin } from "../timeout.ts";
import { defaultScanner } from "./scrub.ts";

/** The provider name the guard knows Sentry by (breaker, metrics). */
export const SENTRY_PROVIDER = "sentry";

/** Why the transport did not deliver an envelope item (`sentry_events_dropped_total{reason}`). */
export type TransportDropReason =
  | "not_scrubbed"
  | "phi_detected"
  | "network_blocked"
  | "circuit_open"
  | "timeout"
  | "transport_error"
  | "rejected"
  | "rate_limited"
  | "queue_overflow";

export interface GuardedTransportDeps {
  net: OutboundGuard;
  metrics: AppMetrics;
  /** True for event objects the scrub built (the reporter keeps them in a WeakSet). */
  isScrubbed: (event: object) => boolean;
  logger?: Logger;
  /** Final scan of each item; lib/phi by default. */
  scanner?: (value: unknown) => ScanResult;
  /** Per-request timeout (the guard's default otherwise). */
  timeoutMs?: number;
}

const SENDABLE_ITEMS = new Set(["event", "transaction"]);

/** Maps a failed request to its drop reason. */
export function transportFailureReason(error: unknown): TransportDropReason {
  if (error instanceof NetworkBlockedError) return "network_blocked";
  if (error instanceof CircuitOpenError) return "circuit_open";
  if (error instanceof OutboundTimeoutError) return "timeout";
  return "transport_error";
}

/**
 * A transport factory for the SDK's `transport` option.
 *
 * @example
 * ```ts
 * new DenoClient({ ..., transport: makeGuardedTransport({ net, metrics, isScrubbed }) });
 * ```
 */
export function makeGuardedTransport(
  deps: GuardedTransportDeps,
): (options: BaseTransportOptions) => Transport {
  const scanner = deps.scanner ?? defaultScanner;
  const dropped = (reason: TransportDropReason, count = 1) => {
    deps.metrics.sentryDropped.inc({ reason }, count);
    deps.logger?.warn("sentry envelope item dropped", { reason, count });
  };

  return (options) => {
    function makeRequest(request: TransportRequest): PromiseLike<TransportMakeRequestResponse> {
      return deps.net.fetch(SENTRY_PROVIDER, options.url, {
        method: "POST",
        body: request.body as BodyInit,
        headers: { "content-type": "application/x-sentry-envelope", ...options.headers },
        ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
      }).then(
        async (response) => {
          await response.body?.cancel();
          if (response.status >= 400 && response.status !== 429) dropped("rejected");
          return {
            statusCode: response.status,
            headers: {
              "x-sentry-rate-limits": response.headers.get("x-sentry-rate-limits"),
              "retry-after": response.headers.get("retry-after"),
            },
          };
        },
        (error: unknown) => {
          dropped(transportFailureReason(error));
          throw error;
        },
      );
    }

    const inner = createTransport({
      ...options,
      // Network failures are counted in makeRequest (with their cause); the SDK's own drops here.
      recordDroppedEvent: (reason, category, count) => {
        if (reason === "ratelimit_backoff") dropped("rate_limited", count);
        else if (reason === "queue_overflow") dropped("queue_overflow", count);
        options.recordDroppedEvent(reason, category, count);
      },
    }, makeRequest);

    return {
      send(envelope: Envelope) {
        try {
          const [headers, items] = envelope;
          const kept: EnvelopeItem[] = [];
          for (const item of items as EnvelopeItem[]) {
            const [itemHeader, payload] = item;
            const type = (itemHeader as { type?: unknown }).type;
            if (
              typeof type !== "string" || !SENDABLE_ITEMS.has(type) ||
              typeof payload !== "object" || payload === null || !deps.isScrubbed(payload)
            ) {
              dropped("not_scrubbed");
              continue;
            }
            if (scanner({ headers, payload }).found) {
              dropped("phi_detected");
              continue;
            }
            kept.push(item);
          }
          if (kept.length === 0) return Promise.resolve({});
          return inner.send([headers, kept] as unknown as Envelope);
        } catch {
          dropped("transport_error");
          return Promise.resolve({});
        }
      },
      // The SDK's own drain leaves its timeout timer running; this one is cleared when done.
      flush(timeout?: number) {
        if (!timeout) return inner.flush();
        let drained = false;
        const draining = Promise.resolve(inner.flush()).then((done) => {
          drained = done;
        });
        // True only when the queue drained in time; a late or failed drain is false.
        return settlesWithin(draining, timeout).then((inTime) => inTime && drained);
      },
    };
  };
}
