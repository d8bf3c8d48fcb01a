/**
 * /analytics with From after To: says which rule was broken ("From must be on or before To"),
 * answers 400 with the last 30 days, and keeps the dates typed in the inputs so they can be fixed.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

/** The value of the `<input>` named `name`. */
function inputValue(html: string, name: string): string | undefined {
  const tag = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0] ?? "";
  return tag.match(/value="([^"]*)"/)?.[1];
}

Deno.test("/analytics: From after To is named, 400, and the typed dates stay in the inputs", async () => {
  await withTestApp(async (app) => {
    const steward = await signInAs(app, "STEWARD");
    const response = await app.request("/analytics?from=2026-12-01&to=2026-11-01", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /role="alert">From must be on or before To; showing the last 30 days\./);
    assert.equal(inputValue(html, "from"), "2026-12-01");
    assert.equal(inputValue(html, "to"), "2026-11-01");

    const fine = await app.request("/analytics?from=2026-11-01&to=2026-11-02", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(fine.status, 200);
    const ok = await fine.text();
    assert.equal(inputValue(ok, "from"), "2026-11-01");
    assert.equal(inputValue(ok, "to"), "2026-11-02");
  });
});
