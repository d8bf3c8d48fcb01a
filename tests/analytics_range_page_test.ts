/**
 * /analytics with From after To, or a range too wide: says which rule was broken ("From must be
 * on or before To") in a summary focused on load that links to the field, and beside the From
 * field, both dates marked invalid (WCAG 3.3.1, 3.3.3); answers 400 with the last 30 days, and
 * keeps the dates typed in the inputs so they can be fixed.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

/** The start tag of the `<input>` named `name`. */
function inputTag(html: string, name: string): string {
  return html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0] ?? "";
}

/** The value of the `<input>` named `name`. */
function inputValue(html: string, name: string): string | undefined {
  return inputTag(html, name).match(/value="([^"]*)"/)?.[1];
}

/** Asserts the range fields are marked with `message`, beside From and linked from the summary. */
function assertRangeMarked(html: string, message: string): void {
  const from = inputTag(html, "from");
  const to = inputTag(html, "to");
  assert.match(from, /id="range-from"/);
  assert.match(from, /aria-invalid="true"/);
  assert.match(from, /aria-describedby="range-from-error"/);
  assert.match(to, /aria-invalid="true"/);
  assert.match(to, /aria-describedby="range-from-error"/);
  assert.ok(
    html.includes(`<span class="field-error" id="range-from-error">${message}</span>`),
    "the message beside the From field",
  );
  assert.match(html, /data-testid="form-errors"[^>]*>[\s\S]*?showing the last 30 days/);
  assert.ok(html.includes(`<a href="#range-from">${message}</a>`), "the summary links to From");
}

Deno.test("/analytics: From after To is named, 400, and the typed dates stay in the inputs", async () => {
  await withTestApp(async (app) => {
    const steward = await signInAs(app, "STEWARD");
    const response = await app.request("/analytics?from=2026-12-01&to=2026-11-01", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(response.status, 400);
    const html = await response.text();
    assertRangeMarked(html, "From must be on or before To.");
    assert.equal(inputValue(html, "from"), "2026-12-01");
    assert.equal(inputValue(html, "to"), "2026-11-01");

    const wide = await app.request("/analytics?from=2024-01-01&to=2026-11-01", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(wide.status, 400);
    const wideHtml = await wide.text();
    assertRangeMarked(wideHtml, "The range may cover at most 400 days, From and To included.");
    assert.equal(inputValue(wideHtml, "from"), "2024-01-01");
    assert.equal(inputValue(wideHtml, "to"), "2026-11-01");

    const fine = await app.request("/analytics?from=2026-11-01&to=2026-11-02", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(fine.status, 200);
    const ok = await fine.text();
    assert.doesNotMatch(inputTag(ok, "from"), /aria-invalid/);
    assert.doesNotMatch(ok, /data-testid="form-errors"/);
    assert.equal(inputValue(ok, "from"), "2026-11-01");
    assert.equal(inputValue(ok, "to"), "2026-11-02");
  });
});
