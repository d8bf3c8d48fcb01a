/**
 * Reading a Content-Type header: the media type without its parameters, and whether it is JSON.
 * One reading for every place that decides how a body is parsed (the UTF-8 check, OFREP, the
 * validation paths, forms), so they cannot disagree about what is JSON.
 */

/** The media type, lower case, parameters (`; charset=…`) dropped; "" when there is none. */
export function mediaTypeOf(contentType: string | undefined): string {
  return contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
}

/** `application/json` and `application/<anything>+json`, as Hono's JSON validator reads them. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

/** True when a Content-Type header (or a bare media type) is JSON. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  return JSON_MEDIA_TYPE.test(mediaTypeOf(contentType));
}
