export {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  DEFAULT_BREAKER,
} from "./breaker.ts";
export {
  type BlockReason,
  CircuitOpenError,
  createOutboundGuard,
  type OutboundGuard,
  type OutboundGuardOptions,
  OutboundTimeoutError,
  type ProviderPolicy,
} from "./guard.ts";
export { NetworkBlockedError } from "../errors/mod.ts";
