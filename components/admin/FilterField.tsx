import { FieldError, fieldErrorAttrs, type FormError } from "../forms.tsx";

/**
 * A text field of a GET filter form, showing the value filtered by (as typed, escaped by the
 * renderer). A message of `errors` about `id` marks it (`aria-invalid`, `aria-describedby`) and
 * stands beside it, outside the label: the field's description, not its name.
 */
export function FilterField(
  { label, name, id, value, errors = [] }: {
    label: string;
    name: string;
    /** The field's id: the error summary links to it, its message is `${id}-error`. */
    id: string;
    value: string | undefined;
    errors?: readonly FormError[];
  },
) {
  return (
    <div>
      <label>
        {label}
        <input
          type="text"
          name={name}
          id={id}
          value={value ?? ""}
          {...fieldErrorAttrs(errors, id)}
        />
      </label>
      <FieldError errors={errors} field={id} />
    </div>
  );
}
