/**
 * Reading a refused form's page as HTML, for the field-error tests: the start tag of a field, the
 * one error summary (focused on load). See tests/form_field_errors_test.ts for the markup rules.
 */
import assert from "node:assert/strict";

/** `text` with the characters a regular expression gives meaning to escaped. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The start tag of the input, text area or select with `id`. */
export function startTag(html: string, id: string): string {
  const tag = new RegExp(`<(input|textarea|select)[^>]*\\sid="${escapeRegExp(id)}"[^>]*>`).exec(
    html,
  );
  assert.ok(tag, `an element with id ${id}`);
  return tag[0];
}

/** The summary of a refused form: one, focused on load. */
export function summaryOf(html: string): string {
  const start = html.indexOf('data-testid="form-errors"');
  assert.ok(start > 0, "an error summary");
  assert.equal(html.indexOf('data-testid="form-errors"', start + 1), -1, "only one");
  const open = html.lastIndexOf("<div", start);
  const summary = html.slice(open, html.indexOf("</div>", start));
  assert.match(summary, /^<div class="notice notice--error" role="alert" tabindex="-1" autofocus/);
  return summary;
}
