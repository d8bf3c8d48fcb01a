/**
 * The pages speak to hospital staff: what they say is true of what the app does (the privacy
 * page names a place to withdraw consent that is still there after a choice; the mode switch
 * says what the chosen mode does, from the mode policy itself), and an engineer's shorthand is
 * replaced by plain words or explained. Server-rendered HTML, in process.
 */
import assert from "node:assert/strict";
import { MODES } from "../lib/config.ts";
import { MODE_POLICY } from "../lib/governance/policy.ts";
import { ACTIONS_BY_CLASS } from "../lib/governance/policy_table.ts";
import { modeEffect } from "../lib/governance/wording.ts";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const HTML = /^text\/html/;

/** The page's text as read: no tags or comments, entities decoded, spaces collapsed. */
function text(html: string): string {
  return html.replace(/<!--.*?-->/gs, "").replace(/<[^>]+>/g, " ")
    .replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replace(/\s+/g, " ");
}

async function page(app: TestApp, path: string, session?: Session): Promise<string> {
  const response = await app.request(path, {
    headers: session ? { cookie: session.cookie } : {},
  });
  assert.equal(response.status, 200, path);
  assert.match(response.headers.get("content-type") ?? "", HTML);
  return await response.text();
}

Deno.test("the privacy page says consent is withdrawn on that page, not from the banner that is gone once a choice is made", async () => {
  await withTestApp(async (app) => {
    const researcher = await signInAs(app, "RESEARCHER");
    const privacy = text(await page(app, "/settings/privacy", researcher));
    assert.doesNotMatch(privacy, /from the banner/);
    assert.match(
      privacy,
      /withdraw at any moment on this page \(Privacy, at the top of every page\)/,
    );
  });
});

Deno.test("modeEffect() says what each mode refuses, records and blocks, as the mode policy does", () => {
  for (const mode of MODES) {
    const rules = MODE_POLICY[mode];
    const effect = modeEffect(mode);
    assert.ok(effect.startsWith(`${mode} `), mode);
    for (const item of ACTIONS_BY_CLASS.write) {
      // Every change the mode refuses is named; a mode that accepts them names none.
      assert.equal(effect.includes(item.text), !rules.routes.write, `${mode}: ${item.text}`);
    }
    assert.equal(/refuses changes/.test(effect), !rules.routes.write, mode);
    assert.equal(/No usage analytics are recorded/.test(effect), rules.analyticsMode === null);
    assert.equal(/marked as demonstration data/.test(effect), rules.analyticsMode === "DEMO");
    assert.equal(/recorded as live data/.test(effect), rules.analyticsMode === "LIVE");
    assert.equal(/call to outside services .* is blocked/.test(effect), !rules.outbound, mode);
  }
});

Deno.test("the mode switch's confirmation carries what each mode does, without JavaScript", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const html = await page(app, "/governance", admin);
    for (const mode of MODES) {
      const span = new RegExp(
        `<span class="mode-switch__effect" data-mode="${mode}">([^<]*)</span>`,
      ).exec(html);
      assert.ok(span, `${mode}: its text is on the page`);
      assert.equal(text(span[1]!).trim(), modeEffect(mode), mode);
    }
    // Inside the label of the confirmation box, so it is read with it.
    const label = /<label class="checkbox mode-switch__confirm">(.*?)<\/label>/s.exec(html);
    assert.ok(label, "the confirmation's label");
    assert.match(text(label[1]!), /STANDBY refuses changes \(adding accounts/);
    assert.doesNotMatch(text(html), /Applies to every instance/);

    // A steward has no switch, and no effects either.
    const steward = await signInAs(app, "STEWARD");
    assert.doesNotMatch(await page(app, "/governance", steward), /mode-switch__effect/);
  });
});

Deno.test("the start, flags and experiments pages explain their terms in plain words", async () => {
  await withTestApp(async (app) => {
    await app.services.experiments.set({
      key: "pricing.page",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, { actor: { type: "system" } });
    const admin = await signInAs(app, "ADMIN");

    const home = text(await page(app, "/"));
    assert.doesNotMatch(home, /fails closed|stops the start|pauses writes, ingestion/);
    assert.match(home, /does not guess: it refuses to start, or switches to STANDBY/);

    const flags = text(await page(app, "/flags", admin));
    assert.doesNotMatch(flags, /Users in buckets 1 to this number/);
    assert.match(flags, /Each user has a fixed bucket from 1 to 100, worked out from their id/);

    const experiments = text(await page(app, "/experiments", admin));
    assert.doesNotMatch(experiments, /assigned a variant by hash|subjects|changes hands/);
    assert.match(experiments, /OFREP \(the OpenFeature remote evaluation interface\)/);
  });
});
