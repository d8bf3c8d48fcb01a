/**
 * What an administration page shows besides its data (an error, the status, headers, the form's
 * input), and how a refused form or a failed action becomes that. Pure: no I/O.
 */
import type { FormError } from "../../components/forms.tsx";
import { AppError } from "../errors/mod.ts";
import type { FormFields } from "../http/form.ts";
import type { FormFailure } from "../web/form_failure.ts";

/** What a page shows besides its data: an error, the status, headers and the form's input. */
export interface PageState {
  /** An error not about one field (STANDBY, a busy database, a lock), as a notice. */
  error?: string;
  /**
   * The messages of a form refused for what was typed, each about its field when it is one:
   * shown in a summary at the top of the form (`errorAt`), focused on load, linked to the fields.
   */
  errors?: FormError[];
  /**
   * The form the error belongs to, when it is shown in that form rather than at the top:
   * `create` (the page's create form) or `password:<user id>` (that row's set-password form).
   */
  errorAt?: string;
  status?: number;
  headers?: Record<string, string>;
  /** The create form as submitted (never a password field). */
  form?: FormFields;
}

/**
 * The page state for a failed action (lib/web/form_failure.ts), its error in `errorAt`'s form:
 * about the field of `fields` the service named (`failure.paths`), when one; CONFLICT is about
 * `fields.conflict`'s field (an account's email in use).
 */
export function failed(
  failure: FormFailure & { paths?: readonly string[] },
  form?: FormFields,
  errorAt?: string,
  fields: Record<string, string> = {},
): PageState {
  const path = (failure.paths ?? []).find((path) => Object.hasOwn(fields, path)) ??
    (failure.code === "CONFLICT" && fields.conflict ? "conflict" : undefined);
  const field = failure.status < 500 && path !== undefined ? fields[path] : undefined;
  return {
    ...(field ? { errors: [{ message: failure.message, field }] } : { error: failure.message }),
    status: failure.status,
    headers: failure.headers,
    ...(form ? { form } : {}),
    ...(errorAt ? { errorAt } : {}),
  };
}

/** The top-of-page error, unless it belongs in one of the page's forms. */
export function topError(state: PageState): string | undefined {
  return state.errorAt ? undefined : state.error;
}

/** The field messages of the form `at` (none when another form was refused). */
export function errorsAt(state: PageState, at: string): FormError[] {
  return state.errorAt === at ? state.errors ?? [] : [];
}

/** One message per field of a refused form, from the schema's issues; never the value typed. */
export function issueErrors(
  issues: readonly { path: PropertyKey[]; code: string; format?: unknown; message: string }[],
  fields: Record<string, string>,
  message: (name: string, issue: { code: string; format?: unknown; message: string }) => string,
): FormError[] {
  const errors = new Map<string, FormError>();
  for (const issue of issues) {
    const name = String(issue.path[0] ?? "");
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!errors.has(name)) {
      errors.set(name, { message: message(name, issue), ...(field ? { field } : {}) });
    }
  }
  return [...errors.values()];
}

/** The paths of the fields a domain error names (`$.email`), if any. */
export function issuePaths(error: unknown): string[] {
  return error instanceof AppError ? (error.details.issues ?? []).map((issue) => issue.path) : [];
}

/**
 * `state`, with an error for the set-password form of an account not listed (any more) moved to
 * the top of the page: that form is not drawn, so its field messages become one notice.
 */
export function passwordErrorOnTop(state: PageState, listedIds: readonly string[]): PageState {
  if (!state.errorAt?.startsWith("password:")) return state;
  if (listedIds.some((id) => state.errorAt === `password:${id}`)) return state;
  const { errors, ...rest } = state;
  return {
    ...rest,
    errorAt: undefined,
    error: state.error ?? errors?.map((error) => error.message).join(" "),
  };
}
