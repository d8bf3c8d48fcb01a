/**
 * The governance console's plain wording of the modes, derived from the mode policy. Pure.
 */
import type { Mode } from "../config.ts";
import { MODE_POLICY } from "./policy.ts";
import { ACTIONS_BY_CLASS } from "./policy_table.ts";

/**
 * What switching to `mode` does, in the words of the console, from the mode policy itself (so the
 * mode switch's confirmation cannot promise less than the guards do): which changes it refuses,
 * what happens to usage analytics and to calls to outside services.
 */
export function modeEffect(mode: Mode): string {
  const rules = MODE_POLICY[mode];
  const refused = ACTIONS_BY_CLASS.write.map((item) => item.text).join(", ");
  const changes = rules.routes.write
    ? `${mode} accepts every change.`
    : `${mode} refuses changes (${refused}) until an ADMIN changes the mode again; reading, ` +
      "signing in and the governance actions listed below keep working.";
  const analytics = rules.analyticsMode === "DEMO"
    ? "Usage analytics are recorded, marked as demonstration data"
    : rules.analyticsMode === "LIVE"
    ? "Usage analytics are recorded as live data"
    : "No usage analytics are recorded";
  const outbound = rules.outbound
    ? "calls to outside services (error reporting, the analysis worker) are allowed, unless " +
      "the server is set to make none"
    : "every call to outside services (error reporting, the analysis worker) is blocked";
  return `${changes} ${analytics}, and ${outbound}. Flags and experiments limited to other ` +
    "modes are off.";
}
