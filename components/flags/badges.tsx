/** The badges of a flag's state: the stored switch (and a gate keeping it off here), an override. */
import type { AppEnv as Environment, Mode } from "../../lib/config.ts";
import type { FlagStatus, FlagView } from "../../lib/flags/mod.ts";

/** A server-environment override (FEATURE_…) forcing the flag on or off, if one is set. */
export function OverrideBadge({ flag }: { flag: FlagView }) {
  if (flag.override === null) return null;
  return (
    <span
      class={flag.override ? "badge badge--warn" : "badge badge--danger"}
      title={`${flag.overrideName}=${flag.override} is set in the server's environment`}
    >
      {flag.override ? "forced on" : "forced off"} by {flag.overrideName}
    </span>
  );
}

/** Where flags are evaluated by default: this instance's mode and environment. */
export interface Here {
  mode: Mode;
  environment: Environment;
  status(key: string): FlagStatus;
}

/**
 * The stored switch and, when a gate keeps an enabled flag off here and now, the state it
 * evaluates to: "enabled, off in DEMO (needs LIVE)". Overrides have their own badge.
 */
export function StateBadge({ flag, here }: { flag: FlagView; here: Here }) {
  if (!flag.enabled) return <span class="badge">disabled</span>;
  const { reason } = here.status(flag.key);
  if (reason === "MODE_GATED" || reason === "ENVIRONMENT_GATED") {
    const [now, needs] = reason === "MODE_GATED"
      ? [here.mode, flag.requiredModes]
      : [here.environment, flag.targetEnvironments];
    return (
      <span class="badge badge--warn" data-testid="state-gated">
        enabled, off in {now} (needs {needs.join(" or ")})
      </span>
    );
  }
  return <span class="badge badge--ok">enabled</span>;
}
