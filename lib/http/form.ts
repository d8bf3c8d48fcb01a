/**
 * Reading HTML form posts: every field as a string or a list of strings
 * (repeated names such as checkboxes), files dropped. Pages validate the
 * result with zod like any other input.
 */
import type { Context } from "hono";
import { ValidationError } from "../errors/mod.ts";
import { decodeUtf8, isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../validation/text.ts";
import { mediaTypeOf } from "./media_type.ts";
import type { AppEnv } from "./types.ts";

export type FormFields = Record<string, string | string[]>;

/**
 * The posted form fields (urlencoded or multipart), text only. A body that cannot be parsed
 * (multipart without a boundary, a broken part) is bad input: ValidationError, not a 500. So is
 * text the JSON API refuses (lib/validation/text.ts): bytes that are not UTF-8, which the
 * platform's form parser would turn into U+FFFD and a page would store, and NUL.
 */
export async function readForm(c: Context<AppEnv>): Promise<FormFields> {
  let body: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    // Hono caches the body: the CSRF check and the page both read it, and parseBody below
    // parses these same bytes.
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (!isUtf8Form(mediaTypeOf(c.req.header("content-type")), bytes)) {
      throw new ValidationError(UNSTORABLE_TEXT_MESSAGE);
    }
    body = await c.req.parseBody({ all: true });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError("The form could not be read");
  }
  const out: FormFields = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") out[key] = value;
    else if (Array.isArray(value)) {
      out[key] = value.filter((v): v is string => typeof v === "string");
    }
    // The names too: a page may echo or store a field it looks up by a posted name.
    const texts = [key, ...(Array.isArray(out[key]) ? out[key] : [out[key] ?? ""])];
    if (!texts.every(isStorableText)) throw new ValidationError(UNSTORABLE_TEXT_MESSAGE);
  }
  return out;
}

/**
 * True when a form body's text is UTF-8. Urlencoded: the body with its percent-escapes decoded
 * to bytes, the bytes each name and value is decoded from (the WHATWG urlencoded parser decodes
 * them loosely). Checking the whole body at once is the same as checking each field: the
 * separators `&` `=` `+` are ASCII, so no valid sequence spans them and a cut one stays invalid.
 * Multipart: the raw body, parts included; no page takes files (readForm drops them), so a
 * binary part is refused with the rest. Other media types parse to nothing: true.
 */
export function isUtf8Form(mediaType: string, body: Uint8Array): boolean {
  let bytes: Uint8Array;
  if (mediaType === "application/x-www-form-urlencoded") bytes = percentDecode(body);
  else if (mediaType === "multipart/form-data") bytes = body;
  else return true;
  return decodeUtf8(bytes) !== undefined;
}

/** WHATWG percent-decode: `%` and two hex digits is that byte; any other `%` stays as it is. */
function percentDecode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const high = input[i] === 0x25 ? hexValue(input[i + 1]) : -1;
    const low = high >= 0 ? hexValue(input[i + 2]) : -1;
    if (low >= 0) {
      out[n++] = high * 16 + low;
      i += 2;
    } else out[n++] = input[i]!;
  }
  return out.subarray(0, n);
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
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
