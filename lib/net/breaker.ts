/**
 * A circuit breaker per outbound provider. Pure state machine over an injected
 * clock: CLOSED → (failure rate ≥ threshold over the last `windowSize` calls,
 * with at least `minimumCalls`) → OPEN → (after `coolDownMs`) → HALF_OPEN →
 * one trial call: success closes, failure re-opens.
 */
import type { Clock } from "../clock.ts";

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Failure fraction (0..1) that opens the breaker. */
  failureRateThreshold: number;
  /** Calls remembered for the failure rate. */
  windowSize: number;
  /** Fewest calls in the window before the rate is trusted. */
  minimumCalls: number;
  /** How long the breaker stays open before allowing a trial call. */
  coolDownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  failureRateThreshold: 0.5,
  windowSize: 20,
  minimumCalls: 5,
  coolDownMs: 30_000,
};

export class CircuitBreaker {
  #state: BreakerState = "closed";
  #outcomes: boolean[] = [];
  #openedAt = 0;
  #trialInFlight = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
  ) {}

  /** Current state, moving OPEN → HALF_OPEN when the cool-down has passed. */
  state(): BreakerState {
    if (this.#state === "open" && this.clock.now() - this.#openedAt >= this.options.coolDownMs) {
      this.#state = "half_open";
      this.#trialInFlight = false;
    }
    return this.#state;
  }

  /** Whether a call may be attempted now; in HALF_OPEN only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state();
    if (state === "closed") return true;
    if (state === "open") return false;
    if (this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  /** Records the outcome of an attempted call. */
  record(success: boolean): void {
    const state = this.state();
    if (state === "half_open") {
      this.#trialInFlight = false;
      if (success) {
        this.#state = "closed";
        this.#outcomes = [];
      } else {
        this.#open();
      }
      return;
    }
    if (state === "open") return;
    this.#outcomes.push(success);
    if (this.#outcomes.length > this.options.windowSize) this.#outcomes.shift();
    const failures = this.#outcomes.filter((ok) => !ok).length;
    if (
      this.#outcomes.length >= this.options.minimumCalls &&
      failures / this.#outcomes.length >= this.options.failureRateThreshold
    ) {
      this.#open();
    }
  }

  #open(): void {
    this.#state = "open";
    this.#openedAt = this.clock.now();
    this.#outcomes = [];
  }
}
