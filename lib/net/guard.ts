/**
 * The one outbound door. Every call leaving the process goes through
 * {@link OutboundGuard.fetch}: it refuses without attempting when the mode is
 * STANDBY or NO_NETWORK / MOCK_ONLY is set, applies a per-provider timeout and
 * circuit breaker, and counts every attempt.
 */
import type { Clock } from "../clock.ts";
import type { Mode } from "../config.ts";
import { NetworkBlockedError, ServiceUnavailableError } from "../errors/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  DEFAULT_BREAKER,
} from "./breaker.ts";

/** Why outbound calls are blocked right now, or undefined when allowed. */
export type BlockReason = "STANDBY" | "NO_NETWORK" | "MOCK_ONLY";

export interface ProviderPolicy {
  timeoutMs: number;
  breaker: BreakerOptions;
}

export interface OutboundGuardOptions {
  noNetwork: boolean;
  mockOnly: boolean;
  /** The current governance mode (read on every call, never cached). */
  mode: () => Mode;
  metrics: AppMetrics;
  clock: Clock;
  /** The platform fetch; replaceable only for tests of the guard itself. */
  fetchImpl?: typeof fetch;
  defaultPolicy?: Partial<ProviderPolicy>;
  providers?: Record<string, Partial<ProviderPolicy>>;
}

/** Raised when a provider's breaker is open: the call was not attempted. */
export class CircuitOpenError extends ServiceUnavailableError {
  constructor(readonly provider: string) {
    super("The provider is temporarily unavailable (circuit open)", 30);
  }
}

/** Raised when a provider did not answer within its timeout. */
export class OutboundTimeoutError extends ServiceUnavailableError {
  constructor(readonly provider: string) {
    super("The provider did not answer in time", 5);
  }
}

export interface OutboundGuard {
  /** Sends `input` to `provider` if allowed; throws {@link NetworkBlockedError} otherwise. */
  fetch(
    provider: string,
    input: Request | URL | string,
    init?: RequestInit & { timeoutMs?: number },
  ): Promise<Response>;
  blockReason(): BlockReason | undefined;
  breakerStates(): Record<string, BreakerState>;
}

const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** Creates the guard for one app instance. */
export function createOutboundGuard(options: OutboundGuardOptions): OutboundGuard {
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const breakers = new Map<string, CircuitBreaker>();
  const { metrics } = options;

  function policyFor(provider: string): ProviderPolicy {
    const override = options.providers?.[provider] ?? {};
    return {
      timeoutMs: override.timeoutMs ?? options.defaultPolicy?.timeoutMs ?? 5000,
      breaker: { ...DEFAULT_BREAKER, ...options.defaultPolicy?.breaker, ...override.breaker },
    };
  }

  function breakerFor(provider: string): CircuitBreaker {
    let breaker = breakers.get(provider);
    if (!breaker) {
      breaker = new CircuitBreaker(options.clock, policyFor(provider).breaker);
      breakers.set(provider, breaker);
    }
    return breaker;
  }

  function publishBreaker(provider: string, breaker: CircuitBreaker): void {
    const state = breaker.state();
    metrics.breakerState.set(state === "open" ? 1 : state === "half_open" ? 0.5 : 0, { provider });
  }

  // Read at scrape time: a breaker that opened moves on to half-open by the clock alone, and the
  // gauge set only at calls would say "open" until the next call, hours later perhaps.
  metrics.breakerState.readWith(() => {
    for (const [provider, breaker] of breakers) publishBreaker(provider, breaker);
  });

  function blockReason(): BlockReason | undefined {
    if (options.noNetwork) return "NO_NETWORK";
    if (options.mockOnly) return "MOCK_ONLY";
    if (options.mode() === "STANDBY") return "STANDBY";
    return undefined;
  }

  return {
    blockReason,
    breakerStates() {
      return Object.fromEntries([...breakers].map(([name, breaker]) => [name, breaker.state()]));
    },
    async fetch(provider, input, init = {}) {
      if (!PROVIDER_NAME.test(provider)) {
        throw new Error("Provider names are short lower-case identifiers");
      }
      const reason = blockReason();
      if (reason) {
        metrics.externalBlocked.inc({ provider });
        throw new NetworkBlockedError(provider, reason);
      }
      const breaker = breakerFor(provider);
      if (!breaker.tryAcquire()) {
        metrics.externalCalls.inc({ provider, status: "circuit_open" });
        publishBreaker(provider, breaker);
        throw new CircuitOpenError(provider);
      }
      const { timeoutMs = policyFor(provider).timeoutMs, signal: callerSignal, ...rest } = init;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
      try {
        const response = await fetchImpl(input, { ...rest, signal });
        const ok = response.status < 500;
        breaker.record(ok);
        metrics.externalCalls.inc({ provider, status: ok ? "ok" : "error" });
        if (!ok) metrics.externalFailed.inc({ provider });
        return response;
      } catch (error) {
        breaker.record(false);
        const timedOut = timeout.aborted && !callerSignal?.aborted;
        metrics.externalCalls.inc({ provider, status: timedOut ? "timeout" : "error" });
        metrics.externalFailed.inc({ provider });
        if (timedOut) throw new OutboundTimeoutError(provider);
        throw error;
      } finally {
        publishBreaker(provider, breaker);
      }
    },
  };
}
