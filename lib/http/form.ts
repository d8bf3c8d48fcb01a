/**
 * Reading HTML form posts: every field as a string or a list of strings
 * (repeated names such as checkboxes), files dropped. Pages validate the
 * result with zod like any other input.
 */
import type { Context } from "hono";
import { ValidationError } from "../errors/mod.ts";
import type { AppEnv } from "./types.ts";

export type FormFields = Record<string, string | string[]>;

/**
 * The posted form fields (urlencoded or multipart), text only. A body that cannot be parsed
 * (multipart without a boundary, a broken part) is bad input: ValidationError, not a 500.
 */
export async function readForm(c: Context<AppEnv>): Promise<FormFields> {
  let body: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    throw new ValidationError("The form could not be read");
  }
  const out: FormFields = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") out[key] = value;
    else if (Array.isArray(value)) {
      out[key] = value.filter((v): v is string => typeof v === "string");
    }
  }
  return out;
}

/** Each field's first value, for forms whose schema expects one value per name. */
export function firstValues(form: FormFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(form)) {
    const value = formValue(form, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The first value of a field. */
export function formValue(form: FormFields, name: string): string | undefined {
  const value = form[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a field (none, one or many). */
export function formValues(form: FormFields, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
