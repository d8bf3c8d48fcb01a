/**
 * Reading HTML form posts: every field as a string or a list of strings
 * (repeated names such as checkboxes), files dropped. Pages validate the
 * result with zod like any other input.
 */
import type { Context } from "hono";
import type { AppEnv } from "./types.ts";

export type FormFields = Record<string, string | string[]>;

/** The posted form fields (urlencoded or multipart), text only. */
export async function readForm(c: Context<AppEnv>): Promise<FormFields> {
  const body = await c.req.parseBody({ all: true });
  const out: FormFields = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") out[key] = value;
    else if (Array.isArray(value)) {
      out[key] = value.filter((v): v is string => typeof v === "string");
    }
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
