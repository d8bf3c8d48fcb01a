/** The (ADMIN) form that creates an experiment on /experiments. */
import type { Context } from "hono";
import { CREATE_FIELDS } from "../../lib/experiments/pages/form.ts";
import { type FormFields, formValue } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { CsrfField, FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";

export function CreateExperimentForm(
  { c, errors, form }: {
    c: Context<AppEnv>;
    errors: FormError[];
    /** The form as submitted, when it is shown again. */
    form: FormFields | undefined;
  },
) {
  return (
    <section aria-labelledby="create-experiment">
      <h2 id="create-experiment" tabindex={-1}>Create an experiment</h2>
      <form method="post" action="/experiments" class="form-card">
        <CsrfField c={c} />
        <label>
          Key
          <input
            type="text"
            id={CREATE_FIELDS.key}
            name="key"
            required
            maxLength={100}
            value={form ? formValue(form, "key") ?? "" : ""}
            {...fieldErrorAttrs(errors, CREATE_FIELDS.key)}
          />
        </label>
        <FieldError errors={errors} field={CREATE_FIELDS.key} />
        <label>
          Description
          <input
            type="text"
            id={CREATE_FIELDS.description}
            name="description"
            maxLength={500}
            value={form ? formValue(form, "description") ?? "" : ""}
            {...fieldErrorAttrs(errors, CREATE_FIELDS.description)}
          />
        </label>
        <FieldError errors={errors} field={CREATE_FIELDS.description} />
        <label>
          Variants
          <textarea
            id={CREATE_FIELDS.variants}
            name="variants"
            rows={3}
            required
            {...fieldErrorAttrs(errors, CREATE_FIELDS.variants, "variants-hint")}
          >
            {form ? formValue(form, "variants") ?? "" : "control=50\ntreatment=50"}
          </textarea>
          <span class="field-hint" id="variants-hint">
            One <code>name=weight</code>{" "}
            per line. Give variants their config objects through the API (<code>
              POST /api/admin/experiments
            </code>, see <a href="/api/docs">API</a>).
          </span>
        </label>
        <FieldError errors={errors} field={CREATE_FIELDS.variants} />
        <label class="checkbox">
          <input
            type="checkbox"
            name="enabled"
            checked={form ? formValue(form, "enabled") === "on" : false}
          />{" "}
          Start running now
        </label>
        <button type="submit" class="button button--primary">Create experiment</button>
      </form>
    </section>
  );
}
