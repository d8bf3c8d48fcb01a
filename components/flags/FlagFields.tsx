/** The fields of the create and edit forms of a flag (their ids: FLAG_FIELDS). */
import { APP_ENVS, MODES } from "../../lib/config.ts";
import { FLAG_SCOPES, type FlagView, KEY_PATTERN } from "../../lib/flags/mod.ts";
import { FLAG_FIELDS } from "../../lib/flags/pages/form.ts";
import { htmlPattern } from "../../lib/flags/pages/format.ts";
import { type FormFields, formValue, formValues } from "../../lib/http/form.ts";
import { FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";

/** The edit (or create) fields; values come from `flag` or the form just posted. */
export function FlagFields(
  { flag, form, withKey, errors = [] }: {
    flag?: FlagView | undefined;
    form?: FormFields | undefined;
    withKey?: boolean;
    /** The messages of the refused form, shown beside the fields they are about. */
    errors?: readonly FormError[] | undefined;
  },
) {
  const invalid = (field: string, ...hints: string[]) => fieldErrorAttrs(errors, field, ...hints);
  const value = (name: string, fallback: string) => form ? formValue(form, name) ?? "" : fallback;
  const checked = (name: string, option: string, fallback: boolean) =>
    form ? formValues(form, name).includes(option) : fallback;
  const enabled = form ? formValue(form, "enabled") === "on" : flag?.enabled ?? false;
  return (
    <>
      {withKey && (
        <>
          <label>
            Key
            <input
              type="text"
              id={FLAG_FIELDS.key}
              name="key"
              required
              maxLength={100}
              pattern={htmlPattern(KEY_PATTERN)}
              value={value("key", "")}
              {...invalid(FLAG_FIELDS.key, "key-hint")}
            />
            <span class="field-hint" id="key-hint">
              Lower case: letters, digits,{" "}
              <code>_ . -</code>; starts with a letter. Cannot change later.
            </span>
          </label>
          <FieldError errors={errors} field={FLAG_FIELDS.key} />
        </>
      )}
      <label class="checkbox">
        <input type="checkbox" name="enabled" checked={enabled} /> Enabled
      </label>
      <label>
        Description
        <input
          type="text"
          id={FLAG_FIELDS.description}
          name="description"
          maxLength={500}
          value={value("description", flag?.description ?? "")}
          {...invalid(FLAG_FIELDS.description)}
        />
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.description} />
      <label>
        Scope
        <select name="scope" id={FLAG_FIELDS.scope} {...invalid(FLAG_FIELDS.scope)}>
          {FLAG_SCOPES.map((scope) => (
            <option
              key={scope}
              value={scope}
              selected={value("scope", flag?.scope ?? "product") === scope}
            >
              {scope}
            </option>
          ))}
        </select>
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.scope} />
      <label>
        Rollout (%)
        <input
          type="number"
          id={FLAG_FIELDS.rolloutPercent}
          name="rollout_percent"
          min={0}
          max={100}
          step={1}
          required
          value={value("rollout_percent", String(flag?.rolloutPercent ?? 100))}
          {...invalid(FLAG_FIELDS.rolloutPercent, "rollout-hint")}
        />
        <span class="field-hint" id="rollout-hint">
          The share of users who get the flag. Each user has a fixed bucket from 1 to 100, worked
          out from their id; those in a bucket up to and including this number get it (at 50,
          buckets 1–50), so raising it only adds users and never turns anyone off.
        </span>
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.rolloutPercent} />
      <fieldset>
        <legend>Required modes (none: every mode)</legend>
        <FieldError errors={errors} field={FLAG_FIELDS.requiredModes} />
        {MODES.map((mode, i) => (
          <label class="checkbox" key={mode}>
            <input
              type="checkbox"
              {
                // The first box carries the group's id: a message about the group links to it.
                ...(i === 0 ? { id: FLAG_FIELDS.requiredModes } : {})
              }
              name="required_modes"
              value={mode}
              checked={checked("required_modes", mode, flag?.requiredModes.includes(mode) ?? false)}
              {...invalid(FLAG_FIELDS.requiredModes)}
            />{" "}
            {mode}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Target environments (none: every environment)</legend>
        <FieldError errors={errors} field={FLAG_FIELDS.targetEnvironments} />
        {APP_ENVS.map((env, i) => (
          <label class="checkbox" key={env}>
            <input
              type="checkbox"
              {...(i === 0 ? { id: FLAG_FIELDS.targetEnvironments } : {})}
              name="target_environments"
              value={env}
              checked={checked(
                "target_environments",
                env,
                flag?.targetEnvironments.includes(env) ?? false,
              )}
              {...invalid(FLAG_FIELDS.targetEnvironments)}
            />{" "}
            {env}
          </label>
        ))}
      </fieldset>
      <label>
        Target users
        <textarea
          id={FLAG_FIELDS.targetUsers}
          name="target_users"
          rows={4}
          {...invalid(FLAG_FIELDS.targetUsers, "targets-hint")}
        >
          {value("target_users", flag?.targetUsers.join("\n") ?? "")}
        </textarea>
        <span class="field-hint" id="targets-hint">
          User ids (not email addresses) as listed on{" "}
          <a href="/admin/users">Users</a>, one per line. They get the flag whatever the rollout,
          once it is enabled and not gated.
        </span>
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.targetUsers} />
    </>
  );
}
