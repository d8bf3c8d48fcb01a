/**
 * The create-token form carries a one-time submission id: the same form posted twice (a
 * double-click, Back then submit again) creates one token, and every post of it leads to that
 * token's page. Before, a double-click left a second live token whose secret the admin never saw
 * (the browser shows only the last answer), waiting unseen in the reveal store.
 */
import assert from "node:assert/strict";
import { createRevealOnce, type RevealOnce } from "../lib/auth/reveal_once.ts";
import { systemClock } from "../lib/clock.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

function post(app: TestApp, session: Session, fields: Array<[string, string]>) {
  return app.request("/admin/tokens", {
    method: "POST",
    headers: {
      cookie: session.cookie,
      origin: "http://localhost",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([["csrf_token", session.csrfToken], ...fields]).toString(),
    redirect: "manual",
  });
}

/** The submission id the create form was rendered with. */
async function renderedSubmission(app: TestApp, session: Session): Promise<string> {
  const html = await (await app.request("/admin/tokens", { headers: { cookie: session.cookie } }))
    .text();
  const id = html.match(/name="submission" value="([0-9a-f-]{36})"/)?.[1];
  assert.ok(id, "the create form carries a submission id");
  return id;
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] the create-token form posted twice at once (a double-click) creates one token; both answers lead to it`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const admin = await signInAs(app, "ADMIN");
      for (let trial = 0; trial < 5; trial++) {
        const submission = await renderedSubmission(app, admin);
        const fields: Array<[string, string]> = [
          ["name", `exporter-${trial}`],
          ["scopes", "flags:evaluate"],
          ["submission", submission],
        ];
        const answers = await Promise.all([post(app, admin, fields), post(app, admin, fields)]);
        for (const answer of answers) await answer.body?.cancel();
        assert.deepEqual(answers.map((a) => a.status), [303, 303]);
        const locations = answers.map((a) => a.headers.get("location"));
        assert.match(locations[0] ?? "", /^\/admin\/tokens\?created=[0-9a-f-]{36}$/);
        assert.equal(locations[1], locations[0], "both posts lead to the one token");
        const rows = await app.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM api_tokens WHERE name = $1",
          [`exporter-${trial}`],
        );
        assert.equal(rows[0]!.n, 1, `trial ${trial}: one token`);
        const audits = await app.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log
            WHERE action = 'token.create' AND target_id IN (SELECT id::text FROM api_tokens)`,
        );
        assert.equal(audits[0]!.n, trial + 1, `trial ${trial}: one audit entry per token`);
      }
    } finally {
      await app.dispose();
    }
  });
}

Deno.test("the same form posted again later (Back, then submit) leads to the token it created; its secret is not shown twice", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const submission = await renderedSubmission(app, admin);
    const fields: Array<[string, string]> = [
      ["name", "exporter"],
      ["scopes", "flags:evaluate"],
      ["submission", submission],
    ];
    const first = await post(app, admin, fields);
    await first.body?.cancel();
    const location = first.headers.get("location") ?? "";
    const shown = await (await app.request(location, { headers: { cookie: admin.cookie } })).text();
    assert.match(shown, /data-testid="new-token">rfg_/);

    const again = await post(app, admin, fields);
    await again.body?.cancel();
    assert.equal(again.status, 303);
    assert.equal(again.headers.get("location"), location);
    const reshown = await (await app.request(location, { headers: { cookie: admin.cookie } }))
      .text();
    assert.doesNotMatch(reshown, /rfg_/, "the secret is shown once only");
    const rows = await app.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_tokens WHERE name = 'exporter'",
    );
    assert.equal(rows[0]!.n, 1);

    // Another admin posting that id (it was never rendered for them) creates nothing of theirs
    // and learns nothing: refused like any conflict.
    const other = await signInAs(app, "ADMIN");
    const foreign = await post(app, other, fields);
    assert.equal(foreign.status, 409);
    assert.doesNotMatch(await foreign.text(), /created=/);
  } finally {
    await app.dispose();
  }
});

Deno.test("a submission id that is not a UUID is refused with the form's message, and nothing is created", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const admin = await signInAs(app, "ADMIN");
    const answer = await post(app, admin, [
      ["name", "exporter"],
      ["scopes", "flags:evaluate"],
      ["submission", "not-a-uuid"],
    ]);
    assert.equal(answer.status, 400);
    await answer.body?.cancel();
    const rows = await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM api_tokens");
    assert.equal(rows[0]!.n, 0);
  } finally {
    await app.dispose();
  }
});

for (const putDelayMs of [1, 50]) {
  Deno.test(`a double-click's page shows the secret: the repeat leads to the token only once its secret is kept (reveal store ${putDelayMs} ms away)`, async () => {
    const inner = createRevealOnce({ clock: systemClock });
    // A reveal store as Redis is: each command a round trip away.
    const tokenReveal: RevealOnce = {
      async put(session, id, secret) {
        await new Promise((resolve) => setTimeout(resolve, putDelayMs));
        return await inner.put(session, id, secret);
      },
      take: (session, id) => inner.take(session, id),
    };
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" }, tokenReveal });
    try {
      const admin = await signInAs(app, "ADMIN");
      for (let trial = 0; trial < 5; trial++) {
        const fields: Array<[string, string]> = [
          ["name", `exporter-${trial}`],
          ["scopes", "flags:evaluate"],
          ["submission", await renderedSubmission(app, admin)],
        ];
        const first = post(app, admin, fields);
        // The answer the browser shows (it abandons the first), followed at once.
        const second = await post(app, admin, fields);
        await second.body?.cancel();
        assert.equal(second.status, 303);
        const shown = await (await app.request(second.headers.get("location")!, {
          headers: { cookie: admin.cookie },
        })).text();
        await (await first).body?.cancel();
        assert.match(shown, /data-testid="new-token">rfg_/, `trial ${trial}: the secret is shown`);
      }
    } finally {
      await app.dispose();
    }
  });
}
