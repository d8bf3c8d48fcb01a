/**
 * What a flag page shows besides the flags (errors, the form's input, status and headers), and
 * how a failed action becomes that. Pure: no I/O.
 */
import type { FormError } from "../../../components/forms.tsx";
import type { FormFields } from "../../http/form.ts";
import type { FormFailure } from "../../web/form_failure.ts";

/** What a page shows besides the flags: errors, the form's input, status and headers. */
export interface PageState {
  errors?: FormError[];
  form?: FormFields;
  status?: number;
  headers?: Record<string, string>;
}

/**
 * The page state for a failed action: its message (about `failure.field` when the service
 * refused one field), status and headers (lib/web/form_failure.ts).
 */
export function failed(failure: FormFailure & { field?: string }, form?: FormFields): PageState {
  return {
    errors: [{ message: failure.message, ...(failure.field ? { field: failure.field } : {}) }],
    status: failure.status,
    headers: failure.headers,
    ...(form ? { form } : {}),
  };
}
