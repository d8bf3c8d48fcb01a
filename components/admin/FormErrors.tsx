import { ErrorNotice, ErrorSummary } from "../forms.tsx";
import type { PageState } from "../../lib/admin/page_state.ts";

/**
 * The errors of the form `at`, at its top: the summary of what was typed wrong (focused on load,
 * so the browser scrolls the form into view; each message links to its field), or the notice of
 * an error not about a field.
 */
export function FormErrors({ state, at, title }: { state: PageState; at: string; title: string }) {
  if (state.errorAt !== at) return null;
  return state.errors?.length
    ? <ErrorSummary errors={state.errors} title={title} />
    : <ErrorNotice message={state.error} />;
}
