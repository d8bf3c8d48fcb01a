/** Small server-rendered pieces shared by the form pages. */
import type { Context } from "hono";
import type { ComponentChildren, VNode } from "preact";
import type { AppEnv } from "../lib/http/types.ts";

/** The hidden CSRF field of the signed-in user's session (forms need it; see lib/auth/middleware.ts). */
export function CsrfField({ c }: { c: Context<AppEnv> }): VNode | null {
  const principal = c.get("principal");
  return principal?.kind === "user"
    ? <input type="hidden" name="csrf_token" value={principal.csrfToken} />
    : null;
}

/**
 * The confirmation named by `?notice=<key>` after a redirect. Chosen from a fixed map by key,
 * so nothing from the URL is reflected into the page.
 */
export function QueryNotice(
  { c, notices }: { c: Context<AppEnv>; notices: Record<string, string> },
): VNode | null {
  const text = notices[c.req.query("notice") ?? ""];
  return text ? <SuccessNotice>{text}</SuccessNotice> : null;
}

/**
 * What a form's post did, on the page it led to (role=status), focused on load as
 * {@link ErrorNotice} is: a status already in the page when it loads is not announced, so a
 * screen-reader user could not tell "saved" from "nothing was changed".
 */
export function SuccessNotice(
  { children, testId }: { children: ComponentChildren; testId?: string },
): VNode {
  return (
    <p
      class="notice notice--ok"
      role="status"
      tabindex={-1}
      autofocus
      {...(testId ? { "data-testid": testId } : {})}
    >
      {children}
    </p>
  );
}

/**
 * An error message for the page (role=alert), focused on load as {@link ErrorSummary} is: an
 * alert already in the page when it loads is not announced, and a keyboard user would start
 * from the top of a page that refused what they sent.
 */
export function ErrorNotice({ message }: { message?: string | undefined }): VNode | null {
  return message
    ? <p class="notice notice--error" role="alert" tabindex={-1} autofocus>{message}</p>
    : null;
}

/** One message of a form that was refused. */
export interface FormError {
  message: string;
  /**
   * The id of the field (or group of fields) the message is about, if one: the summary links to
   * it, {@link FieldError} shows the message beside it and {@link fieldErrorAttrs} marks it.
   */
  field?: string;
  /**
   * Other fields the same message is about, marked invalid and described by it without a second
   * copy of it (a refused sign-in marks the email and the password alike, never saying which).
   */
  also?: readonly string[];
}

/** The id of the message shown beside `field` ({@link FieldError}). */
export function fieldErrorId(field: string): string {
  return `${field}-error`;
}

function asFormError(error: string | FormError): FormError {
  return typeof error === "string" ? { message: error } : error;
}

/**
 * What went wrong with the form just posted, focused on load (so the browser scrolls it into
 * view), at the top of the page so that neither the eye nor the keyboard has to find it below the
 * lists the page starts with, or at the top of the form itself. A message about one field links
 * to that field; with `formId` (a heading with `tabindex="-1"`) the last link goes to the form,
 * which a summary inside the form does not need. `title` says what was not done ("The flag was
 * not saved:").
 */
export function ErrorSummary(
  { errors, title, formId }: {
    errors: readonly (string | FormError)[];
    title: string;
    formId?: string;
  },
): VNode | null {
  if (errors.length === 0) return null;
  return (
    <div
      class="notice notice--error"
      role="alert"
      tabindex={-1}
      autofocus
      data-testid="form-errors"
      aria-labelledby="form-errors-title"
    >
      <p id="form-errors-title">{title}</p>
      <ul>
        {errors.map(asFormError).map((error) => (
          <li key={error.message}>
            {error.field ? <a href={`#${error.field}`}>{error.message}</a> : error.message}
          </li>
        ))}
      </ul>
      {formId && (
        <p>
          <a href={`#${formId}`}>Go to the form</a>
        </p>
      )}
    </div>
  );
}

/** The messages about `field`, beside it (the field's `aria-describedby` names this element). */
export function FieldError(
  { errors, field }: { errors: readonly FormError[]; field: string },
): VNode | null {
  const mine = errors.filter((error) => error.field === field);
  if (mine.length === 0) return null;
  return (
    <span class="field-error" id={fieldErrorId(field)}>
      {mine.map((error) => error.message).join(" ")}
    </span>
  );
}

/**
 * The attributes of a field: `aria-invalid` and its message first in `aria-describedby` when a
 * message is about `field` (or names it in `also`: then the message shown beside its own field),
 * then the ids of its hints.
 */
export function fieldErrorAttrs(
  errors: readonly FormError[],
  field: string,
  ...hints: string[]
): { "aria-invalid"?: "true"; "aria-describedby"?: string } {
  const messages = [
    ...new Set(
      errors.flatMap((error) =>
        error.field !== undefined && (error.field === field || error.also?.includes(field))
          ? [fieldErrorId(error.field)]
          : []
      ),
    ),
  ];
  const invalid = messages.length > 0;
  const describedBy = [...messages, ...hints].join(" ");
  return {
    ...(invalid ? { "aria-invalid": "true" as const } : {}),
    ...(describedBy ? { "aria-describedby": describedBy } : {}),
  };
}
