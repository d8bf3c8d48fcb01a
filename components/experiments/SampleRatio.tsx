/** The sample-ratio part of an experiment's panel on /experiments (ExperimentPanel.tsx). */
import { type ExperimentView, SRM_THRESHOLD } from "../../lib/experiments/mod.ts";
import { pValueText } from "../../lib/experiments/pages/form.ts";

/** The sample-ratio check of an experiment, and a plain note of people left in switched-off variants. */
export function Srm({ experiment }: { experiment: ExperimentView }) {
  const srm = experiment.srm;
  if (!srm) return <p class="muted">Assignment counts are unavailable right now.</p>;
  return (
    <>
      <SrmCheck srm={srm} />
      {srm.zeroWeight > 0 && (
        <p class="muted" data-testid="srm-switched-off">
          {srm.zeroWeight === 1
            ? "1 person is still recorded in a switched-off variant; they are moved to a live variant when they next come back."
            : `${srm.zeroWeight} people are still recorded in switched-off variants; each is moved to a live variant when they next come back.`}
          {" "}
          They are left out of the sample-ratio check.
        </p>
      )}
    </>
  );
}

/** The sample-ratio check over the variants with a weight above 0. */
export function SrmCheck({ srm }: { srm: NonNullable<ExperimentView["srm"]> }) {
  const removed = srm.removed > 0 && (
    <>
      {" "}
      {srm.removed} assignment(s) to removed variants are left out.
    </>
  );
  const cause = (
    <>
      Do not trust an outcome analysis of this experiment until the cause is found (weights changed
      mid-run, broken assignment or logging).
    </>
  );
  switch (srm.outcome) {
    case "one_variant":
      return (
        <p class="muted">
          {srm.counted}{" "}
          assignment(s); only one variant has a weight above 0, so there is no ratio to check.
          {removed}
        </p>
      );
    case "too_few":
      return (
        <p class="muted">
          {srm.counted}{" "}
          assignment(s): too few for the sample-ratio check (every variant needs about 5
          expected).{removed}
        </p>
      );
    case "tested":
      break;
  }
  const p = srm.pValue === null ? "" : pValueText(srm.pValue);
  // The test that gave p (srmCheck: exact at small samples, chi-square above).
  const exact = srm.test === "exact";
  if (srm.mismatch) {
    return (
      <p class="notice notice--warn" role="alert" data-testid="srm-warning">
        <strong>Sample ratio mismatch</strong>{" "}
        (the split between variants is further from the weights than chance explains). The{" "}
        {srm.counted} assignments do not fit the weights ({exact
          ? "exact test"
          : `chi-square ${srm.statistic?.toFixed(1)}`}, {p}; the warning is for p &lt;{" "}
        {SRM_THRESHOLD}). {cause}
        {removed}
      </p>
    );
  }
  return (
    <p class="muted">
      No sample-ratio mismatch detected in the {srm.counted} assignments ({p}) by{" "}
      {exact ? "an exact test" : "a chi-square test"}.{removed}
    </p>
  );
}
