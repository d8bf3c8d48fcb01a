/**
 * One experiment's panel on /experiments: state, modes, the sample-ratio check and the variants
 * table, which for ADMIN is the edit form (weights, running, required modes).
 */
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import { MODES } from "../../lib/config.ts";
import type { ExperimentView } from "../../lib/experiments/mod.ts";
import { percent, weightsId } from "../../lib/experiments/pages/form.ts";
import { type FormFields, formValue, formValues } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { versionBehindForm } from "../../lib/web/form_failure.ts";
import { CsrfField, FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";
import { TableScroll } from "../TableScroll.tsx";
import { Srm } from "./SampleRatio.tsx";

export interface ExperimentPanelProps {
  c: Context<AppEnv>;
  experiment: ExperimentView;
  admin: boolean;
  errors: FormError[];
  /** This experiment's edit form as submitted, shown instead of the stored values. */
  edited: FormFields | undefined;
}

export function ExperimentPanel({ c, experiment, admin, errors, edited }: ExperimentPanelProps) {
  const total = experiment.variants.reduce((sum, v) => sum + v.weight, 0);
  // The typed values travel with the version they were based on: after a conflict (or a refused
  // weight while someone else saved), Save again is refused until a reload.
  const basedOn = edited
    ? versionBehindForm(formValue(edited, "version"), experiment.version)
    : experiment.version;
  // Actual share is over the live variants' assignments, those the sample-ratio check counts:
  // people still held in a switched-off variant (re-drawn when they come back) would otherwise
  // lower every live share below its weight's. A switched-off variant has no actual share.
  const assigned = experiment.variants.reduce(
    (sum, v) => sum + (v.weight > 0 ? v.assignments : 0),
    0,
  );
  return (
    <section class="panel" aria-labelledby={`exp-${experiment.key}`}>
      <h2 id={`exp-${experiment.key}`} tabindex={-1}>
        <code>{experiment.key}</code> {experiment.enabled
          ? <span class="badge badge--ok">running</span>
          : <span class="badge">stopped</span>}
      </h2>
      {experiment.description && <p>{experiment.description}</p>}
      <p class="muted">
        Modes: {experiment.requiredModes.join(", ") || "every mode"} · version {experiment.version}
      </p>
      <Srm experiment={experiment} />
      <EditForm admin={admin} c={c} experiment={experiment} basedOn={basedOn}>
        <FieldError errors={errors} field={weightsId(experiment.key)} />
        <TableScroll
          label={`Variants of ${experiment.key}`}
          id={weightsId(experiment.key)}
        >
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">Weight</th>
                <th scope="col">Share</th>
                <th scope="col">Assignments</th>
                <th scope="col">Actual share</th>
              </tr>
            </thead>
            <tbody>
              {experiment.variants.map((variant) => (
                <tr key={variant.key}>
                  <td>
                    <code>{variant.key}</code>
                  </td>
                  <td>
                    {admin
                      ? (
                        <label>
                          <span class="sr-only">Weight of {variant.key}</span>
                          <input
                            type="number"
                            name={`weight:${variant.key}`}
                            min={0}
                            max={10000}
                            step={1}
                            required
                            {...fieldErrorAttrs(errors, weightsId(experiment.key))}
                            value={edited
                              ? formValue(edited, `weight:${variant.key}`) ??
                                String(variant.weight)
                              : String(variant.weight)}
                          />
                        </label>
                      )
                      : variant.weight}
                  </td>
                  <td>{percent(variant.weight, total)}</td>
                  <td>{variant.assignments}</td>
                  <td>{variant.weight > 0 ? percent(variant.assignments, assigned) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
        {experiment.variants.some((v) => v.weight <= 0) && (
          <p class="muted" data-testid="actual-share-note">
            Actual share is over the {assigned}{" "}
            assignment(s) to variants with a weight above 0, those the sample-ratio check counts; a
            switched-off variant (weight 0) has no actual share (—), whatever its assignments.
          </p>
        )}
        {admin && (
          <>
            <label class="checkbox">
              <input
                type="checkbox"
                name="enabled"
                checked={edited ? formValue(edited, "enabled") === "on" : experiment.enabled}
              />{" "}
              Running
            </label>
            <fieldset>
              <legend>Required modes (none: every mode)</legend>
              {MODES.map((mode) => (
                <label class="checkbox" key={mode}>
                  <input
                    type="checkbox"
                    name="required_modes"
                    value={mode}
                    checked={edited
                      ? formValues(edited, "required_modes").includes(mode)
                      : experiment.requiredModes.includes(mode)}
                  />{" "}
                  {mode}
                </label>
              ))}
            </fieldset>
            <button type="submit" class="button button--primary">
              Save {experiment.key}
            </button>
          </>
        )}
      </EditForm>
    </section>
  );
}

/** The variants table's wrapper: the edit form for ADMIN, nothing otherwise. */
function EditForm(
  { admin, c, experiment, basedOn, children }: {
    admin: boolean;
    c: Context<AppEnv>;
    experiment: ExperimentView;
    /** The version the form's values were based on (the posted one when shown again). */
    basedOn: number;
    children: ComponentChildren;
  },
) {
  if (!admin) return <>{children}</>;
  return (
    <form method="post" action={`/experiments/${experiment.key}`}>
      <CsrfField c={c} />
      <input type="hidden" name="version" value={String(basedOn)} />
      {basedOn < experiment.version && (
        <p class="notice notice--warn" role="note" data-testid="stale-form">
          The weights and settings below hold your change, made on version {basedOn}; version{" "}
          {experiment.version} is stored now, so saving them is refused.{" "}
          <a href={`/experiments#exp-${experiment.key}`}>Reload the experiments</a>{" "}
          to see the stored values, then apply your change to them.
        </p>
      )}
      {children}
    </form>
  );
}
