/** /flags and /experiments as plain HTML forms (no JavaScript), in process. */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { startTag } from "./helpers/form_markup.ts";

const HTML = /^text\/html/;
const ACTOR = { actor: { type: "system" as const } };

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

Deno.test("/flags lists flags with state, rollout, gates, targets and override badges", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("beta.search", {
      enabled: true,
      rolloutPercent: 25,
      requiredModes: ["LIVE"],
      targetUsers: ["u1", "u2"],
      description: "Faster search",
    }, ACTOR);
    await app.services.flags.set("kill.switch", { enabled: true }, ACTOR);
    const steward = await signInAs(app, "STEWARD");
    const response = await app.request("/flags", { headers: { cookie: steward.cookie } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", HTML);
    const html = await response.text();
    assert.match(html, /<a href="\/flags\/beta.search">beta.search<\/a>/);
    assert.match(html, /25%/);
    assert.match(html, /modes: LIVE/);
    assert.match(
      html,
      /forced off<!-- -->\s*by<!-- -->\s*FEATURE_KILL_SWITCH|forced off by FEATURE_KILL_SWITCH/,
    );
    assert.ok(!html.includes("Create a flag"), "stewards see no create form");
    assert.match(html, /href="\/flags" aria-current="page"/);

    const researcher = await signInAs(app, "RESEARCHER");
    const forbidden = await app.request("/flags", { headers: { cookie: researcher.cookie } });
    assert.equal(forbidden.status, 403);
    const anonymous = await app.request("/flags");
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get("location"), "/login?next=%2Fflags");
  }, { FEATURE_KILL_SWITCH: "false" });
});

Deno.test("an ADMIN creates, edits (versioned) and archives a flag with plain form posts", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const created = await postForm(app, admin, "/flags", [
      ["key", "new.checkout"],
      ["enabled", "on"],
      ["description", "New checkout"],
      ["scope", "product"],
      ["rollout_percent", "10"],
      ["required_modes", "DEMO"],
      ["required_modes", "LIVE"],
      ["target_users", "user-a\nuser-b"],
    ]);
    assert.equal(created.status, 303);
    assert.equal(created.headers.get("location"), "/flags/new.checkout?notice=created");
    const flag = app.services.flags.get("new.checkout")!;
    assert.deepEqual(
      [flag.enabled, flag.rolloutPercent, flag.requiredModes, flag.targetUsers],
      [true, 10, ["DEMO", "LIVE"], ["user-a", "user-b"]],
    );

    const detail = await app.request("/flags/new.checkout?notice=created", {
      headers: { cookie: admin.cookie },
    });
    assert.equal(detail.status, 200);
    const html = await detail.text();
    assert.match(html, /The flag was created\./);
    assert.match(html, /name="version" value="1"/);
    assert.match(html, /<rf-island data-island="FlagRolloutPreview"/);

    const saved = await postForm(app, admin, "/flags/new.checkout", [
      ["version", "1"],
      ["enabled", "on"],
      ["rollout_percent", "20"],
      ["target_users", ""],
    ]);
    assert.equal(saved.status, 303);
    assert.equal(app.services.flags.get("new.checkout")!.rolloutPercent, 20);

    const stale = await postForm(app, admin, "/flags/new.checkout", [["version", "1"], [
      "rollout_percent",
      "90",
    ]]);
    assert.equal(stale.status, 409);
    assert.match(await stale.text(), /Someone changed this flag/);

    const invalid = await postForm(app, admin, "/flags/new.checkout", [
      ["version", "2"],
      ["rollout_percent", "150"],
      ["target_users", "someone@example.org"],
    ]);
    assert.equal(invalid.status, 400);
    const invalidHtml = await invalid.text();
    assert.match(invalidHtml, /Rollout: a whole number from 0 to 100\./);
    assert.match(invalidHtml, /Target users: ids only/);

    const duplicate = await postForm(app, admin, "/flags", [["key", "new.checkout"], [
      "rollout_percent",
      "1",
    ]]);
    assert.equal(duplicate.status, 400);
    assert.match(await duplicate.text(), /exists already/);

    const archived = await postForm(app, admin, "/flags/new.checkout/archive", [["version", "2"]]);
    assert.equal(archived.status, 303);
    assert.equal(archived.headers.get("location"), "/flags?notice=archived&flag=new.checkout");
    assert.equal(app.services.flags.get("new.checkout"), undefined);
    const gone = await app.request("/flags/new.checkout", { headers: { cookie: admin.cookie } });
    assert.equal(gone.status, 404);
    assert.match(gone.headers.get("content-type") ?? "", HTML);
    await gone.body?.cancel();

    const noCsrf = await app.request("/flags", {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "key=sneaky&rollout_percent=1",
    });
    assert.equal(noCsrf.status, 403);
    await noCsrf.body?.cancel();
    assert.equal(app.services.flags.get("sneaky"), undefined);
  });
});

Deno.test("the Why? form on /flags/:key explains the answer server-side", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("gated", { enabled: true, requiredModes: ["LIVE"] }, ACTOR);
    const steward = await signInAs(app, "STEWARD");
    const response = await app.request("/flags/gated?why=1&userId=u-1&mode=DEMO&env=development", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /data-testid="why-answer"/);
    assert.match(
      html,
      /The flag only applies in LIVE mode and the platform is in DEMO, so it is off\./,
    );
    assert.match(html, /Only administrators can change flags\./);
    const live = await (await app.request("/flags/gated?why=1&userId=u-1&mode=LIVE", {
      headers: { cookie: steward.cookie },
    })).text();
    assert.match(live, /The rollout is 100%, so the flag is on for everyone\./);
  });
});

Deno.test("/experiments shows weights, counts per variant and the SRM warning; ADMIN edits weights", async () => {
  await withTestApp(async (app) => {
    await app.services.experiments.set({
      key: "pricing.page",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, ACTOR);
    // 300 vs 100 assignments for a 50/50 split: a sample-ratio mismatch.
    await app.db.exec(`
      INSERT INTO experiment_assignments (experiment_key, session_id, variant)
      SELECT 'pricing.page', 's-a-' || g, 'A' FROM generate_series(1, 300) g;
      INSERT INTO experiment_assignments (experiment_key, session_id, variant)
      SELECT 'pricing.page', 's-b-' || g, 'B' FROM generate_series(1, 100) g;
    `);
    const steward = await signInAs(app, "STEWARD");
    const page = await app.request("/experiments", { headers: { cookie: steward.cookie } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", HTML);
    const html = await page.text();
    assert.match(html, /data-testid="srm-warning"/);
    assert.match(html, /Sample ratio mismatch/);
    assert.match(html, /<td>300<\/td>/);
    assert.match(html, /75\.0%/);
    assert.ok(!html.includes('name="weight:A"'), "stewards cannot edit");

    const admin = await signInAs(app, "ADMIN");
    const saved = await postForm(app, admin, "/experiments/pricing.page", [
      ["version", "1"],
      ["weight:A", "75"],
      ["weight:B", "25"],
      ["enabled", "on"],
    ]);
    assert.equal(saved.status, 303);
    const after = app.services.experiments.get("pricing.page")!;
    assert.deepEqual(after.variants.map((v) => [v.key, v.weight]), [["A", 75], ["B", 25]]);
    const fits = await (await app.request("/experiments", { headers: { cookie: admin.cookie } }))
      .text();
    assert.ok(!fits.includes('data-testid="srm-warning"'), "300/100 fits 75/25");
    assert.match(fits, /No sample-ratio mismatch detected in the 400 assignments \(p = 1\.0\)/);
    // B switched off while 100 users keep their stored B until they come back: noted, no warning.
    assert.equal(
      (await postForm(app, admin, "/experiments/pricing.page", [
        ["version", "2"],
        ["weight:A", "100"],
        ["weight:B", "0"],
        ["enabled", "on"],
      ])).status,
      303,
    );
    const switchedOff = await (await app.request("/experiments", {
      headers: { cookie: admin.cookie },
    })).text();
    assert.ok(!switchedOff.includes('data-testid="srm-warning"'), "switching B off is no fault");
    assert.match(switchedOff, /100 people are still recorded in switched-off variants/);

    const created = await postForm(app, admin, "/experiments", [["key", "new.exp"], [
      "variants",
      "x=1\ny=3",
    ]]);
    assert.equal(created.status, 303);
    assert.deepEqual(app.services.experiments.get("new.exp")!.variants.map((v) => v.weight), [
      1,
      3,
    ]);
    const bad = await postForm(app, admin, "/experiments", [["key", "bad.exp"], [
      "variants",
      "x=-1",
    ]]);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Variants: names of letters/);
  });
});

Deno.test("a description stored before a stricter PHI rule does not stop switching the flag off from its page", async () => {
  await withTestApp(async (app) => {
    // Stored through the service, as texts saved before a rule was added were (the form and the
    // API check descriptions; the service does not re-check them).
    const phone = ["415", "555", "0132"].join("-");
    await app.services.flags.set("ledger.export", {
      enabled: true,
      description: `Ledger export; questions to ${phone}`,
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    // The edit form as drawn sends the description back unchanged; the admin unticks Enabled.
    const off = await postForm(app, admin, "/flags/ledger.export", [
      ["version", "1"],
      ["description", `Ledger export; questions to ${phone}`],
      ["rollout_percent", "100"],
      ["target_users", ""],
    ]);
    assert.equal(off.status, 303, "before: 400 Description: must not contain PHI");
    await off.body?.cancel();
    assert.equal(app.services.flags.get("ledger.export")!.enabled, false);
    // A changed description is checked as before.
    const changed = await postForm(app, admin, "/flags/ledger.export", [
      ["version", "2"],
      ["description", `Ledger export; call ${phone} now`],
      ["rollout_percent", "100"],
    ]);
    assert.equal(changed.status, 400);
    assert.match(await changed.text(), /Description: must not contain PHI \(found: PHONE\)/);
  });
});

Deno.test("/experiments: a refused form's errors come first, focused, linked to the fields, which are marked invalid", async () => {
  await withTestApp(async (app) => {
    await app.services.experiments.set({
      key: "pricing.page",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");

    // The create form, at the bottom of the page: a key in use.
    const taken = await postForm(app, admin, "/experiments", [
      ["key", "pricing.page"],
      ["variants", "x=1\ny=1"],
    ]);
    assert.equal(taken.status, 400);
    assert.match(taken.headers.get("content-type") ?? "", HTML);
    let html = await taken.text();
    const summary = html.indexOf('data-testid="form-errors"');
    assert.ok(summary > 0 && summary < html.indexOf('aria-labelledby="exp-pricing.page"'));
    assert.match(html, /<div class="notice notice--error" role="alert" tabindex="-1" autofocus/);
    assert.match(
      html,
      /<a href="#new-experiment-key">Key: an experiment with this key exists already\.<\/a>/,
    );
    assert.match(html, /<a href="#create-experiment">Go to the form<\/a>/);
    assert.match(html, /<h2 id="create-experiment" tabindex="-1">/);
    const key = startTag(html, "new-experiment-key");
    assert.match(key, /aria-invalid="true"/);
    assert.match(key, /aria-describedby="new-experiment-key-error"/);
    assert.match(
      html,
      /<span class="field-error" id="new-experiment-key-error">Key: an experiment with this key exists already\.<\/span>/,
    );
    const untouched = startTag(html, "new-experiment-variants");
    assert.doesNotMatch(untouched, /aria-invalid/);
    assert.match(untouched, /aria-describedby="variants-hint"/);

    // Bad variants: the text area is marked, its message before its hint.
    const variants = await postForm(app, admin, "/experiments", [
      ["key", "new.exp"],
      ["variants", "x=-1"],
    ]);
    assert.equal(variants.status, 400);
    html = await variants.text();
    const textarea = startTag(html, "new-experiment-variants");
    assert.match(textarea, /aria-invalid="true"/);
    assert.match(textarea, /aria-describedby="new-experiment-variants-error variants-hint"/);
    assert.doesNotMatch(startTag(html, "new-experiment-key"), /aria-invalid/);

    // An experiment's own form: the summary goes to that experiment; its weights are marked.
    const weights = await postForm(app, admin, "/experiments/pricing.page", [
      ["version", "1"],
      ["weight:A", "0"],
      ["weight:B", "0"],
    ]);
    assert.equal(weights.status, 400);
    html = await weights.text();
    assert.match(html, /<a href="#exp-pricing\.page">Go to the form<\/a>/);
    assert.match(html, /<h2 id="exp-pricing\.page" tabindex="-1">/);
    assert.match(html, /<a href="#exp-pricing\.page-weights">Variants: /);
    for (const name of ["weight:A", "weight:B"]) {
      const input = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0] ?? "";
      assert.match(input, /aria-invalid="true"/, name);
      assert.match(input, /aria-describedby="exp-pricing\.page-weights-error"/, name);
    }
    assert.match(html, /id="exp-pricing\.page-weights"/);
    assert.match(html, /<span class="field-error" id="exp-pricing\.page-weights-error">Variants: /);
  });
});
