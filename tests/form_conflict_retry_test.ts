/**
 * A refused save (409 conflict, or a refused field) shows the form again with what the admin
 * typed; pressing Save again must not overwrite a change someone else made meanwhile. The form
 * shown again carries the version the typed values were based on, so the retry is refused
 * until the admin reloads the stored values, and the page links to them. In process, plain
 * form posts as the browser sends them (the version taken from the page shown).
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

/** The hidden version of the form posting to `action` on the page (the one Save sends). */
function versionOfForm(html: string, action: string): string {
  const start = html.indexOf(`method="post" action="${action}"`);
  assert.ok(start >= 0, `a form posts to ${action}`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const version = /name="version" value="([^"]*)"/.exec(form)?.[1];
  assert.ok(version !== undefined, "the form carries a version");
  return version;
}

Deno.test("flag page: after a conflict, Save again on the page shown is refused and stores nothing", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("retry.flag", { enabled: true, description: "original" }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const edit = (description: string, version: string): [string, string][] => [
      ["version", version],
      ["enabled", "on"],
      ["description", description],
      ["scope", "product"],
      ["rollout_percent", "100"],
      ["target_users", ""],
    ];
    // Two tabs loaded at version 1; tab two saves first.
    const two = await postForm(app, admin, "/flags/retry.flag", edit("changed in tab two", "1"));
    assert.equal(two.status, 303);
    await two.body?.cancel();

    const one = await postForm(app, admin, "/flags/retry.flag", edit("changed in tab one", "1"));
    assert.equal(one.status, 409);
    const html = await one.text();
    assert.match(html, /Someone changed this flag/);
    assert.match(html, /value="changed in tab one"/, "the typed values are kept");
    const version = versionOfForm(html, "/flags/retry.flag");
    assert.equal(version, "1", "the form keeps the version the change was based on");
    assert.match(html, /href="\/flags\/retry\.flag"/, "a link reloads the stored flag");

    const again = await postForm(
      app,
      admin,
      "/flags/retry.flag",
      edit("changed in tab one", version),
    );
    assert.equal(again.status, 409);
    await again.body?.cancel();
    const stored = app.services.flags.get("retry.flag")!;
    assert.equal(stored.description, "changed in tab two");
    assert.equal(stored.version, 2);

    // After reloading, the stored values and version: a deliberate save goes through.
    const reloaded = await app.request("/flags/retry.flag", { headers: { cookie: admin.cookie } });
    const fresh = await reloaded.text();
    assert.match(fresh, /value="changed in tab two"/);
    const current = versionOfForm(fresh, "/flags/retry.flag");
    assert.equal(current, "2");
    const applied = await postForm(app, admin, "/flags/retry.flag", edit("both tabs", current));
    assert.equal(applied.status, 303);
    await applied.body?.cancel();
    assert.equal(app.services.flags.get("retry.flag")!.description, "both tabs");
  });
});

Deno.test("flag page: a refused field after someone else's save keeps the version the typed values were based on", async () => {
  await withTestApp(async (app) => {
    await app.services.flags.set("retry.flag", { enabled: true, description: "original" }, ACTOR);
    await app.services.flags.set("retry.flag", {
      enabled: true,
      description: "changed elsewhere",
      version: 1,
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    // Loaded at version 1, a rollout out of range: refused before any write.
    const invalid = await postForm(app, admin, "/flags/retry.flag", [
      ["version", "1"],
      ["enabled", "on"],
      ["description", "mine"],
      ["rollout_percent", "150"],
    ]);
    assert.equal(invalid.status, 400);
    const version = versionOfForm(await invalid.text(), "/flags/retry.flag");
    assert.equal(version, "1");
    const fixed = await postForm(app, admin, "/flags/retry.flag", [
      ["version", version],
      ["enabled", "on"],
      ["description", "mine"],
      ["rollout_percent", "50"],
    ]);
    assert.equal(fixed.status, 409);
    await fixed.body?.cancel();
    assert.equal(app.services.flags.get("retry.flag")!.description, "changed elsewhere");
  });
});

Deno.test("experiments page: after a conflict, Save again on the page shown is refused and stores nothing", async () => {
  await withTestApp(async (app) => {
    await app.services.experiments.set({
      key: "retry.exp",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const edit = (a: string, b: string, version: string): [string, string][] => [
      ["version", version],
      ["weight:A", a],
      ["weight:B", b],
      ["enabled", "on"],
    ];
    const two = await postForm(app, admin, "/experiments/retry.exp", edit("10", "90", "1"));
    assert.equal(two.status, 303);
    await two.body?.cancel();

    const one = await postForm(app, admin, "/experiments/retry.exp", edit("70", "30", "1"));
    assert.equal(one.status, 409);
    const html = await one.text();
    assert.match(html, /Someone changed this experiment/);
    assert.match(html, /name="weight:A"[^>]*value="70"|value="70"[^>]*name="weight:A"/);
    assert.match(html, /href="\/experiments#exp-retry\.exp"/, "a link reloads the stored values");
    const version = versionOfForm(html, "/experiments/retry.exp");
    assert.equal(version, "1", "the form keeps the version the change was based on");

    const again = await postForm(app, admin, "/experiments/retry.exp", edit("70", "30", version));
    assert.equal(again.status, 409);
    await again.body?.cancel();
    const stored = app.services.experiments.get("retry.exp")!;
    assert.deepEqual(stored.variants.map((v) => [v.key, v.weight]), [["A", 10], ["B", 90]]);
    assert.equal(stored.version, 2);
  });
});

Deno.test("experiments page: a refused weight after someone else's save keeps the version the typed values were based on", async () => {
  await withTestApp(async (app) => {
    await app.services.experiments.set({
      key: "retry.exp",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, ACTOR);
    await app.services.experiments.set({
      key: "retry.exp",
      enabled: true,
      variants: { A: { weight: 10 }, B: { weight: 90 } },
      version: 1,
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const invalid = await postForm(app, admin, "/experiments/retry.exp", [
      ["version", "1"],
      ["weight:A", "-1"],
      ["weight:B", "30"],
      ["enabled", "on"],
    ]);
    assert.equal(invalid.status, 400);
    const version = versionOfForm(await invalid.text(), "/experiments/retry.exp");
    assert.equal(version, "1");
  });
});
