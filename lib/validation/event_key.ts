/**
 * Keys that ride on events: a flag's key is the `flagKey` of every `governance.flag_changed`, an
 * experiment's the `experimentKey` of `experiment.changed` and the
 * `experiment_key` of the analytics exposure. The bus guard (lib/realtime/payload_guard.ts) and
 * analytics (lib/analytics/rules.ts) scan every payload value as a whole value with
 * `safeKeys: []`, so a key in which the PHI scanner finds a date or an address-like number
 * (`checkout-2025-03-01`, `android-14.0.0.1`) would be accepted by the key pattern and then every
 * event about it refused: no live update reaches the other instances and no exposure is stored.
 * A new key is therefore checked at write time with that same scan: under a payload field name
 * (none is technical or sensitive) a string is scanned exactly as it is on its own.
 *
 * @example
 * ```ts
 * import { eventKeyPhiTypes } from "./event_key.ts";
 * eventKeyPhiTypes("checkout_2025_q1"); // []
 * eventKeyPhiTypes("checkout-2025-03-01"); // ["DATE"]
 * ```
 */
import { ValidationError } from "../errors/mod.ts";
import type { PhiType } from "../phi/mod.ts";
import { phiTypesIn } from "./no_phi.ts";

/** The identifier types the bus guard would find in `key` as a payload value; none when safe. */
export function eventKeyPhiTypes(key: string): PhiType[] {
  return phiTypesIn(key);
}

/** The refusal as the admin reads it (API detail and form page): the types, never the key. */
export function eventKeyMessage(types: readonly PhiType[]): string {
  return `The key reads as PHI to the scanner that guards live updates and analytics (found: ${
    types.join(", ")
  }), so every event about it would be refused; choose a key without a date, an address-like ` +
    "number (numbers joined by dots) or another identifier, such as checkout_2025_q1";
}

/**
 * Throws a ValidationError (400 VALIDATION_FAILED, path `$.key`) when a new flag or experiment
 * key holds something the bus guard refuses. Only for keys being created: a key stored before
 * this check keeps working and can still be changed (switched off) and archived.
 */
export function checkNewEventKey(key: string): void {
  const types = eventKeyPhiTypes(key);
  if (types.length === 0) return;
  const message = eventKeyMessage(types);
  throw new ValidationError(message, [{ path: "$.key", message }]);
}
