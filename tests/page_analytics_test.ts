import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

/** The ConsentBanner island's props on a page (it carries the analytics client's instructions). */
async function bannerProps(
  app: TestApp,
  session: Session,
  path: string,
): Promise<Record<string, unknown> | undefined> {
  const html = await (await app.request(path, { headers: session.headers() })).text();
  const island = /<rf-island data-island="ConsentBanner" data-props="([^"]+)">/.exec(html);
  if (!island) return undefined;
  const props = new RegExp(`<script type="application/json" id="${island[1]}">([^<]*)</script>`)
    .exec(html);
  return JSON.parse(props![1]!);
}

Deno.test("the governance console tells the analytics client to send governance.console_view, active only with consent", async () => {
  const app = await buildTestApp();
  try {
    const steward = await signInAs(app, "STEWARD");
    const before = await bannerProps(app, steward, "/governance");
    assert.equal(
      before?.active,
      false,
      "without consent the client stays silent (the banner asks)",
    );

    const grant = await app.request("/api/consent/grant", {
      method: "POST",
      headers: steward.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ consentType: "analytics" }),
    });
    assert.equal(grant.status, 200);
    await grant.body?.cancel();

    const after = await bannerProps(app, steward, "/governance");
    assert.equal(after?.active, true);
    assert.equal(after?.event, "governance.console_view");
    assert.equal(after?.page, "governance");
    const home = await bannerProps(app, steward, "/");
    assert.equal(home?.event, null, "other pages send only ui.page_view");
  } finally {
    await app.dispose();
  }
});
