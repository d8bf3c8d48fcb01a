/**
 * The flag page's "Why is it on or off?" tool as a plain HTML form (no JavaScript), in process:
 * it is posted (what is typed stays out of the address, history and proxy logs), answers on the
 * page, and refuses an e-mail address or other PHI as the user or session id with a field error
 * and no answer (an e-mail is never a target id, so the answer would be wrong).
 */
import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };
const ANSWER = 'data-testid="why-answer"';

function postWhy(app: TestApp, session: Session, key: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(`/flags/${key}/why`, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

async function setUp(app: TestApp): Promise<Session> {
  await app.services.flags.set("why.demo", {
    enabled: true,
    rolloutPercent: 0,
    targetUsers: ["u-7f3a"],
  }, ACTOR);
  return await signInAs(app, "STEWARD");
}

Deno.test("the Why tool's form is posted, with the CSRF field, and answers on the page", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    const page = await (await app.request("/flags/why.demo", {
      headers: { cookie: steward.cookie },
    })).text();
    // The fragment brings the answer into view (tests/browser/flags_why_focus_test.ts).
    const form = page.match(
      /<form[^>]*action="\/flags\/why.demo\/why#why-answer"[^>]*>[\s\S]*?<\/form>/,
    )?.[0];
    assert.ok(form, "the Why form posts to /flags/why.demo/why#why-answer");
    assert.match(form, /method="post"/);
    assert.match(form, /name="csrf_token"/);

    const answered = await postWhy(app, steward, "why.demo", [["userId", "u-7f3a"]]);
    assert.equal(answered.status, 200);
    const html = await answered.text();
    assert.match(html, new RegExp(`${ANSWER}[^>]*>[\\s\\S]*?On[\\s\\S]*?TARGETING_MATCH`));
    assert.match(html, /name="userId"[^>]*value="u-7f3a"/);
  });
});

Deno.test("the Why tool refuses an e-mail address as the user id: 400, field error, no answer", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    const refused = await postWhy(app, steward, "why.demo", [
      ["userId", "researcher@example.test"],
    ]);
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.ok(!html.includes(ANSWER), "no answer for a refused question");
    assert.match(html, /data-testid="form-errors"/);
    assert.match(html, /User id: .*email address/);
    assert.match(html, /href="#why-user-id"/);
    assert.match(
      html,
      /id="why-user-id"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="why-user-id"/,
    );

    // The old address form (a bookmark) is checked the same way.
    const viaQuery = await app.request(
      "/flags/why.demo?why=1&userId=" + encodeURIComponent("researcher@example.test"),
      { headers: { cookie: steward.cookie } },
    );
    assert.equal(viaQuery.status, 400);
    assert.ok(!(await viaQuery.text()).includes(ANSWER));
  });
});

Deno.test("the Why tool refuses PHI as the session id: 400, field error, no answer", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    const refused = await postWhy(app, steward, "why.demo", [
      ["userId", "u-7f3a"],
      ["sessionId", "536-22-1234"],
    ]);
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.ok(!html.includes(ANSWER));
    assert.match(html, /Session id: must not contain PHI/);
    assert.match(html, /href="#why-session-id"/);
  });
});

Deno.test("the Why tool answers in STANDBY (a read) and refuses a post without the CSRF token", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    const answered = await postWhy(app, steward, "why.demo", [["userId", "u-7f3a"]]);
    assert.equal(answered.status, 200);
    const noToken = await app.request("/flags/why.demo/why", {
      method: "POST",
      headers: {
        cookie: steward.cookie,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "userId=u-7f3a",
    });
    assert.equal(noToken.status, 403);
    const unknown = await postWhy(app, steward, "no.such.flag", [["userId", "u-7f3a"]]);
    assert.equal(unknown.status, 404);
  }, { GOVERNANCE_MODE: "STANDBY" });
});

Deno.test("the rollout preview's no-JavaScript hint points up to the Why form, which is above it", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    const html = await (await app.request("/flags/why.demo", {
      headers: { cookie: steward.cookie },
    })).text();
    const why = html.indexOf('id="why-heading"');
    const hint = html.indexOf("Needs JavaScript");
    assert.ok(why > 0 && hint > why, "the Why form comes first");
    assert.match(html.slice(hint, hint + 200), /form above instead/);
    assert.doesNotMatch(html.slice(hint, hint + 200), /below/);
  });
});

Deno.test("the Why tool's address, opened again (reload from history, a copied link), leads back to the flag's tool", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    const opened = await app.request("/flags/why.demo/why", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(opened.status, 303);
    assert.equal(opened.headers.get("location"), "/flags/why.demo#why-heading");
    // A flag that does not exist still answers as the flag page does.
    const missing = await app.request("/flags/no.such.flag/why", {
      headers: { cookie: steward.cookie },
    });
    assert.equal(missing.status, 404);
  });
});

Deno.test("the Why tool answers for any id a service may send as its targeting key, as the evaluation does", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    await app.services.flags.set("why.half", { enabled: true, rolloutPercent: 50 }, ACTOR);
    // Not target-list ids (a slash, a space, over 128 characters, a leading underscore), but
    // services send such keys over OFREP and the rollout buckets them.
    for (const id of ["tenant/42", "user 42", "x".repeat(129), "_svc-1", "y".repeat(256)]) {
      const answered = await postWhy(app, steward, "why.half", [["userId", id]]);
      assert.equal(answered.status, 200, id.slice(0, 20));
      const html = await answered.text();
      const expected = app.services.flags.evaluate(
        "why.half",
        app.services.flags.contextFor({ userId: id }),
      );
      assert.equal(expected.reason, "SPLIT");
      assert.match(
        html,
        new RegExp(
          `${ANSWER}[^>]*>\\s*<strong>${expected.value ? "On" : "Off"}</strong> \\(SPLIT\\)`,
        ),
        id.slice(0, 20),
      );
    }
    // Longer than any targeting key: refused, never cut and answered for another id.
    const tooLong = await postWhy(app, steward, "why.half", [["userId", "z".repeat(257)]]);
    assert.equal(tooLong.status, 400);
    const html = await tooLong.text();
    assert.ok(!html.includes(ANSWER));
    assert.match(html, /User id: at most 256 characters/);
  });
});

Deno.test("the Why tool and the status API answer for an id with surrounding spaces as typed, as OFREP evaluates it", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    // " u-7f3a" is not the target "u-7f3a": a service sending it gets 0% rollout, off. The tool
    // trimmed it and answered "On (TARGETING_MATCH)" for the other id.
    const answered = await postWhy(app, steward, "why.demo", [["userId", " u-7f3a"]]);
    assert.equal(answered.status, 200);
    const html = await answered.text();
    assert.match(html, new RegExp(`${ANSWER}[^>]*>\\s*<strong>Off</strong> \\(ROLLOUT\\)`));
    assert.match(html, /evaluated as typed, with its leading or trailing spaces/);
    assert.match(html, /name="userId"[^>]*value=" u-7f3a"/);
    const status = await app.request(
      `/api/admin/feature-flags/why.demo/status?userId=${encodeURIComponent(" u-7f3a")}`,
      { headers: { cookie: steward.cookie } },
    );
    assert.equal(status.status, 200);
    assert.equal((await status.json() as { enabled: boolean }).enabled, false);

    // Spaces alone are an id too, as the status API and OFREP take them (the tool answered
    // "no user or session id" while the status API bucketed the spaces).
    await app.services.flags.set("why.half", { enabled: true, rolloutPercent: 50 }, ACTOR);
    const spaces = "    ";
    const expected = app.services.flags.evaluate(
      "why.half",
      app.services.flags.contextFor({ userId: spaces }),
    );
    const blank = await postWhy(app, steward, "why.half", [["userId", spaces]]);
    assert.equal(blank.status, 200);
    const blankHtml = await blank.text();
    assert.match(
      blankHtml,
      new RegExp(
        `${ANSWER}[^>]*>\\s*<strong>${expected.value ? "On" : "Off"}</strong> \\(SPLIT\\)`,
      ),
    );
    assert.match(blankHtml, /evaluated as typed/);
    // Empty: no id.
    const none = await postWhy(app, steward, "why.half", [["userId", ""]]);
    assert.doesNotMatch(await none.text(), /evaluated as typed/);
  });
});

Deno.test("the status API takes a targeting key as long as OFREP does (256 characters)", async () => {
  await withTestApp(async (app) => {
    const steward = await setUp(app);
    await app.services.flags.set("why.half", { enabled: true, rolloutPercent: 50 }, ACTOR);
    const id = "x".repeat(256);
    const status = await app.request(
      `/api/admin/feature-flags/why.half/status?userId=${id}`,
      { headers: { cookie: steward.cookie } },
    );
    assert.equal(status.status, 200);
    const expected = app.services.flags.evaluate(
      "why.half",
      app.services.flags.contextFor({ userId: id }),
    );
    assert.equal((await status.json() as { enabled: boolean }).enabled, expected.value);
    const tooLong = await app.request(
      `/api/admin/feature-flags/why.half/status?userId=${id}x`,
      { headers: { cookie: steward.cookie } },
    );
    assert.equal(tooLong.status, 400);
  });
});
