/** The experiments page (/experiments): every experiment's panel and the (ADMIN) create form. */
import type { Context } from "hono";
import type { ExperimentView } from "../../lib/experiments/mod.ts";
import { NOTICES } from "../../lib/experiments/pages/messages.ts";
import type { FormFields } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { ErrorSummary, type FormError, QueryNotice } from "../forms.tsx";
import { CreateExperimentForm } from "./CreateExperimentForm.tsx";
import { ExperimentPanel } from "./ExperimentPanel.tsx";

/** What a refused form leaves on the page when it is shown again. */
export interface ExperimentsPageState {
  errors?: FormError[];
  /** The heading of the form the errors are about (the summary's "Go to the form"). */
  formId?: string;
  /** The create form as submitted. */
  form?: FormFields;
  /** An experiment's edit form as submitted, shown again instead of the stored values. */
  edited?: { key: string; form: FormFields };
}

export interface ExperimentsViewProps {
  c: Context<AppEnv>;
  list: ExperimentView[];
  admin: boolean;
  state: ExperimentsPageState;
}

export function ExperimentsView({ c, list, admin, state }: ExperimentsViewProps) {
  const errors = state.errors ?? [];
  return (
    <>
      <h1>Experiments</h1>
      <p class="lede">
        The first time someone uses a running experiment in this app, they are put in a variant
        worked out from their id (the same person always lands in the same place) and they keep it,
        even when the weights change later. Other services that ask through OFREP (the OpenFeature
        remote evaluation interface) keep no record: for their users each answer follows the current
        weights, so changing the weights moves some of those users to another variant. The
        assignments kept here are counted and checked against the weights.
      </p>
      <QueryNotice c={c} notices={NOTICES} />
      <ErrorSummary
        errors={errors}
        title="The experiment was not saved:"
        formId={state.formId ?? "create-experiment"}
      />
      {list.length === 0 && <p class="muted">No experiments yet.</p>}
      {list.map((experiment) => (
        <ExperimentPanel
          key={experiment.key}
          c={c}
          experiment={experiment}
          admin={admin}
          errors={errors}
          edited={state.edited?.key === experiment.key ? state.edited.form : undefined}
        />
      ))}
      {admin && <CreateExperimentForm c={c} errors={errors} form={state.form} />}
    </>
  );
}
