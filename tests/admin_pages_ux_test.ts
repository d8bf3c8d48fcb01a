/**
 * What the admin pages tell the people using them (in process, plain HTML, on PGlite and on the
 * real Postgres where the database matters):
 *
 * - destructive actions (deactivate, revoke, archive, delete analytics events) sit behind a
 *   second step that says who is affected; the notice afterwards names what happened, with ids
 *   (never an e-mail address) in the URL;
 * - archived flags are listed and can be restored (turned off, with their last settings);
 * - a flag gated out of the current mode says "enabled, off in DEMO (needs LIVE)";
 * - user ids are shown where the UI asks for them, the audit log names actors (display name and
 *   full id) and its actor filter takes what it shows (id, prefix, name; never an e-mail);
 * - times carry their zone; every data table scrolls in its own region;
 * - the "What each mode allows" table says in plain words what works in STANDBY, and lists
 *   every route of the governance-write and write classes.
 */
import assert from "node:assert/strict";
import { MODE_POLICY } from "../lib/governance/policy.ts";
import {
  ACTIONS_BY_CLASS,
  modePolicyConsoleTable,
  modePolicyTable,
} from "../lib/governance/policy_table.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken, createUser, type Session, signIn, signInAs } from "./helpers/auth.ts";
import { grantAnalytics, postEvents } from "./helpers/analytics.ts";
import { dbTargets } from "./helpers/db.ts";

const ACTOR = { actor: { type: "system" as const } };

async function withApp(
  fn: (app: TestApp) => Promise<void>,
  options: { env?: Record<string, string>; target?: (typeof TARGETS)[number] } = {},
) {
  const app = await buildTestApp({
    env: { RATE_LIMIT_PER_MIN: "0", ...options.env },
    ...(options.target ? { testDb: await options.target.open() } : {}),
  });
  try {
    await fn(app);
  } finally {
    await app.dispose();
  }
}

const TARGETS = dbTargets();

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
    redirect: "manual",
  });
}

async function html(app: TestApp, session: Session, path: string): Promise<string> {
  const response = await app.request(path, { headers: { cookie: session.cookie } });
  assert.equal(response.status, 200, path);
  return await response.text();
}

/** Text with tags removed and whitespace (and Preact's text separators) collapsed. */
function text(page: string): string {
  // <bdi> isolates a stored name inside its sentence: inline, no word break.
  return page.replace(/<!-- -->|<\/?bdi>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

/** The `<details class="confirm">` blocks of a page. */
function confirms(page: string): string[] {
  return [...page.matchAll(/<details class="confirm"[\s\S]*?<\/details>/g)].map((m) => m[0]);
}

/** Every `<table class="data">` sits directly in a labelled, focusable scroll region. */
function assertTablesWrapped(page: string, label: string): void {
  const tables = [...page.matchAll(/<table class="data/g)].length;
  const wrapped = [
    ...page.matchAll(
      /<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0"><table class="data/g,
    ),
  ].length;
  assert.ok(tables > 0, `${label}: no data table to check`);
  assert.equal(wrapped, tables, `${label}: ${tables - wrapped} data table(s) not wrapped`);
}

// --- the mode table ------------------------------------------------------------------------------

Deno.test("the console's mode table lists every governance-write and write route, once", async () => {
  const app = await buildTestApp();
  try {
    for (const routeClass of ["governance-write", "write"] as const) {
      const registered = app.registry.routes
        .filter((route) => route.access.class === routeClass)
        .map((route) => `${route.method} ${route.path}`)
        .sort();
      const listed = ACTIONS_BY_CLASS[routeClass].flatMap((item) => item.routes);
      assert.deepEqual(
        [...listed].sort(),
        registered,
        `${routeClass}: the console's list and the registered routes differ`,
      );
      assert.equal(new Set(listed).size, listed.length, `${routeClass}: a route listed twice`);
    }
  } finally {
    await app.dispose();
  }
});

Deno.test("the console's mode table is plain and truthful: governance actions run in STANDBY", () => {
  const { header, rows } = modePolicyConsoleTable();
  assert.deepEqual(header, modePolicyTable().header);
  const row = (start: string) => rows.find((r) => r[0]!.startsWith(start))!;
  assert.deepEqual(row("Governance actions").slice(1), ["yes", "yes", "yes"]);
  assert.equal(MODE_POLICY.STANDBY.routes["governance-write"], true);
  assert.match(row("Other changes")[1]!, /paused/);
  assert.deepEqual(row("Other changes").slice(2), ["yes", "yes"]);
  const all = [...header, ...rows.flat()].join(" | ");
  for (const jargon of ["SSE", "503", "MODE_STANDBY", "clients drop", "`", "ingest", "write`"]) {
    assert.ok(!all.includes(jargon), `jargon in the console table: ${jargon}`);
  }
  // The old label said only mode changes run in STANDBY.
  assert.ok(!all.includes("Mode changes by ADMIN"));
});

Deno.test("/governance shows the plain table with what governance actions cover; the log as JSON", async () => {
  await withApp(async (app) => {
    const steward = await signInAs(app, "STEWARD");
    const admin = await signInAs(app, "ADMIN");
    await app.services.flags.set("live.only", { enabled: true, requiredModes: ["LIVE"] }, ACTOR);
    let page = await html(app, steward, "/governance");
    assert.match(text(page), /on, off in DEMO \(needs LIVE\)/);
    assert.match(text(page), /Governance actions \(listed below the table\) yes yes yes/);
    assert.match(page, /data-testid="governance-actions"/);
    for (const item of ACTIONS_BY_CLASS["governance-write"]) {
      assert.ok(text(page).includes(item.text), item.text);
    }
    assert.match(page, /No governance changes yet\./);

    const changed = await app.request("/api/governance/mode", {
      method: "POST",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ mode: "STANDBY" }),
    });
    assert.equal(changed.status, 200);
    await changed.body?.cancel();
    // In STANDBY a governance action (a flag change) works and another change does not.
    const flag = await app.request("/api/governance/flags/standby.kill", {
      method: "POST",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ enabled: false }),
    });
    assert.equal(flag.status, 200);
    await flag.body?.cancel();
    const token = await app.request("/api/admin/tokens", {
      method: "POST",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ name: "standby token", scopes: ["jobs:read"] }),
    });
    assert.equal(token.status, 503);
    await token.body?.cancel();

    page = await html(app, steward, "/governance");
    assertTablesWrapped(page, "/governance");
    assert.match(page, /<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/);
    const json = await app.request("/governance", {
      headers: { cookie: steward.cookie, accept: "application/json" },
    });
    assert.equal(json.status, 200);
    assert.match(json.headers.get("content-type") ?? "", /application\/json/);
    const { log } = await json.json() as { log: Array<Record<string, unknown>> };
    assert.equal(log.length, 1);
    assert.equal(log[0]!.details, "DEMO → STANDBY");
    assert.equal(log[0]!.by, admin.user.displayName);
    assert.match(String(log[0]!.when), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });
});

// --- accounts and tokens -------------------------------------------------------------------------

Deno.test("/admin/users shows user ids; deactivation asks first and then names the account", async () => {
  await withApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const target = await createUser(app, { role: "STEWARD", displayName: "Night Shift Lead" });
    const targetSession = await signIn(app, target);

    let page = await html(app, admin, "/admin/users");
    assertTablesWrapped(page, "/admin/users");
    assert.match(
      page,
      new RegExp(`<code class="user-id" data-testid="user-id">${target.id}</code>`),
    );
    const deactivate = confirms(page).find((block) => block.includes(target.id))!;
    assert.ok(deactivate, "the deactivation sits in a two-step confirmation");
    assert.match(text(deactivate), /Deactivate Night Shift Lead/);
    assert.match(text(deactivate), /signed out everywhere at once/);
    assert.match(deactivate, /name="active" value="false"/);

    const posted = await postForm(app, admin, `/admin/users/${target.id}`, [["active", "false"]]);
    assert.equal(posted.status, 303);
    const location = posted.headers.get("location")!;
    assert.equal(location, `/admin/users?notice=user_deactivated&id=${target.id}`);
    assert.ok(!location.includes("@"));
    page = await html(app, admin, location);
    assert.match(
      text(page),
      /The account of Night Shift Lead was deactivated and its sessions ended/,
    );
    const ended = await app.request("/api/auth/session", { headers: targetSession.headers() });
    assert.equal(ended.status, 401);
    await ended.body?.cancel();

    // An id that names no account falls back to the fixed text; nothing from the URL is shown.
    page = await html(app, admin, "/admin/users?notice=user_deactivated&id=Not%20Anyone");
    assert.ok(!page.includes("Not Anyone"));
    assert.match(page, /The account was deactivated and its sessions ended\./);

    const role = await postForm(app, admin, `/admin/users/${target.id}`, [["role", "RESEARCHER"]]);
    page = await html(app, admin, role.headers.get("location")!);
    assert.match(text(page), /Night Shift Lead now has the role RESEARCHER/);
  });
});

Deno.test("/admin/tokens: revoking asks first, then says calls with the token get 401", async () => {
  await withApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const secret = await createToken(app, { scopes: ["jobs:write"], name: "etl-worker" });
    let page = await html(app, admin, "/admin/tokens");
    assertTablesWrapped(page, "/admin/tokens");
    const [revoke] = confirms(page);
    assert.ok(revoke, "the revocation sits in a two-step confirmation");
    assert.match(text(revoke), /Every call with “etl-worker” gets 401/);
    assert.match(text(revoke), /the worker's job callbacks using it stop at once/);
    const id = revoke.match(/action="\/admin\/tokens\/([^/]+)\/revoke"/)![1]!;

    const posted = await postForm(app, admin, `/admin/tokens/${id}/revoke`, []);
    assert.equal(posted.status, 303);
    page = await html(app, admin, posted.headers.get("location")!);
    assert.match(text(page), /Token “etl-worker” revoked; calls with it now get 401/);
    const refused = await app.request("/api/jobs/any/status", {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ status: "started" }),
    });
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
  });
});

// --- the audit log -------------------------------------------------------------------------------

for (const target of TARGETS) {
  Deno.test(`/audit names actors with their full id, in UTC, and filters by what it shows (${target.name})`, async () => {
    await withApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const steward = await signInAs(app, "STEWARD");
      await app.services.flags.set("audit.flag", { enabled: true }, {
        actor: { type: "user", id: admin.user.id },
      });
      const name = admin.user.displayName;

      let page = await html(app, steward, "/audit");
      assertTablesWrapped(page, "/audit");
      assert.match(page, />\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/);
      assert.ok(
        text(page).includes(`${name} ${admin.user.id}`),
        "the actor: display name, then the full id",
      );

      // The full id, as shown, finds the entries.
      page = await html(app, steward, `/audit?actor=${admin.user.id}`);
      assert.match(page, /audit\.flag/);
      assert.match(text(page), new RegExp(`Showing the actions of ${name}`));

      // A prefix and a display name lead to the id's URL.
      for (
        const [session, typed] of [
          [steward, admin.user.id.slice(0, 8)],
          [steward, name.toUpperCase()],
        ] as const
      ) {
        const response = await app.request(`/audit?actor=${encodeURIComponent(typed)}`, {
          headers: { cookie: session.cookie },
          redirect: "manual",
        });
        assert.equal(response.status, 303, typed);
        const location = response.headers.get("location")!;
        assert.equal(location, `/audit?actor=${admin.user.id}`);
        await response.body?.cancel();
      }

      // No one looks an e-mail address up (it would stand in a URL proxies log); an unknown
      // filter finds nothing.
      for (const session of [steward, admin]) {
        page = await html(app, session, `/audit?actor=${encodeURIComponent(admin.user.email)}`);
        assert.match(page, /Filter by a name or an id as shown in the Actor column, not an e-mail/);
        assert.match(page, /No matching records\./);
      }
      page = await html(app, steward, "/audit?actor=Nobody%20Known");
      assert.match(page, /No account or token matches the actor filter/);
      assert.match(page, /No matching records\./);
    }, { target });
  });
}

// --- analytics erasure ---------------------------------------------------------------------------

for (const target of TARGETS) {
  Deno.test(`/analytics: deleting a user's events asks first, naming the account; the notice names it without an e-mail in the URL (${target.name})`, async () => {
    await withApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const subject = await createUser(app, {
        role: "RESEARCHER",
        displayName: "Study Coordinator",
      });
      const session = await signIn(app, subject);
      await grantAnalytics(app, session);
      await postEvents(
        app,
        session,
        [1, 2, 3].map(() => ({ eventId: crypto.randomUUID(), eventName: "ui.page_view" })),
      );

      let page = await html(app, admin, "/analytics");
      assertTablesWrapped(page, "/analytics");

      const first = await postForm(app, admin, "/analytics/erase", [["email", subject.email]]);
      assert.equal(first.status, 200, "the first step deletes nothing");
      page = await first.text();
      assert.match(page, /data-testid="erase-confirm"/);
      assert.match(text(page), /Delete the analytics events of Study Coordinator\?/);
      assert.match(text(page), /This cannot be undone\./);
      assert.match(page, new RegExp(`name="user_id" value="${subject.id}"`));
      const audited = await app.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'analytics.erase_user'",
      );
      assert.equal(audited[0]!.n, 0);

      const second = await postForm(app, admin, "/analytics/erase", [
        ["user_id", subject.id],
        ["confirm", "yes"],
      ]);
      assert.equal(second.status, 303);
      const location = second.headers.get("location")!;
      assert.equal(location, `/analytics?erased=3&user=${subject.id}`);
      assert.ok(!location.includes("@"));
      page = await html(app, admin, location);
      assert.match(
        text(page),
        /3 analytics events of \u2068Study Coordinator\u2069 were deleted and taken out of the totals\./,
      );
      // The count and name come from the audit log, not the URL: a forged or edited link
      // (another count, or someone this caller did not erase) shows no notice.
      const steward = await signInAs(app, "STEWARD");
      for (
        const [session, forged] of [
          [steward, location],
          [admin, `/analytics?erased=3&user=${admin.user.id}`],
        ] as const
      ) {
        const shown = text(await html(app, session, forged));
        assert.doesNotMatch(shown, /were deleted and taken out of the totals/, forged);
      }
      const edited = text(await html(app, admin, `/analytics?erased=999&user=${subject.id}`));
      assert.match(edited, /3 analytics events of \u2068Study Coordinator\u2069 were deleted/);

      const unconfirmed = await postForm(app, admin, "/analytics/erase", [["user_id", subject.id]]);
      assert.equal(unconfirmed.status, 400);
      await unconfirmed.body?.cancel();
      const gone = await postForm(app, admin, "/analytics/erase", [
        ["user_id", crypto.randomUUID()],
        ["confirm", "yes"],
      ]);
      assert.equal(gone.status, 404);
      await gone.body?.cancel();
    }, { target });
  });
}

// --- flags ---------------------------------------------------------------------------------------

for (const target of TARGETS) {
  Deno.test(`/flags lists archived flags; an ADMIN restores one, turned off, with its last settings (${target.name})`, async () => {
    await withApp(async (app) => {
      const admin = await signInAs(app, "ADMIN");
      const steward = await signInAs(app, "STEWARD");
      await app.services.flags.set("old.banner", {
        enabled: true,
        rolloutPercent: 40,
        requiredModes: ["DEMO", "LIVE"],
        targetUsers: ["user-a", "user-b"],
        description: "Old banner",
      }, ACTOR);

      let page = await html(app, admin, "/flags/old.banner");
      const [archive] = confirms(page);
      assert.ok(archive, "archiving sits in a two-step confirmation");
      assert.match(text(archive), /evaluates as unknown \(off\) for every user and service/);

      const archived = await postForm(app, admin, "/flags/old.banner/archive", [["version", "1"]]);
      assert.equal(archived.status, 303);
      const location = archived.headers.get("location")!;
      assert.equal(location, "/flags?notice=archived&flag=old.banner");
      page = await html(app, admin, location);
      assert.match(text(page), /Flag old\.banner was archived/);
      assert.match(text(page), /where it can be restored/);
      assertTablesWrapped(page, "/flags with archived flags");
      assert.match(page, /data-archived="old.banner"/);
      assert.match(text(page), /rollout 40%, gates: modes: DEMO, LIVE, 2 target user\(s\)/);
      // A key typed into the URL that is not an archived flag is not shown.
      const forged = await html(app, admin, "/flags?notice=archived&flag=made.up");
      assert.ok(!forged.includes("made.up"));

      const stewardPage = await html(app, steward, "/flags");
      assert.match(stewardPage, /data-archived="old.banner"/);
      assert.ok(!stewardPage.includes('name="restore"'), "only an ADMIN restores");
      assert.match(stewardPage, /An administrator can restore one\./);

      const [restore] = confirms(page).filter((block) => block.includes('name="restore"'));
      assert.ok(restore, "restoring sits in a two-step confirmation");
      const fields = [...restore.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
        .map((m) => [m[1]!, m[2]!] as [string, string])
        .filter(([name]) => name !== "csrf_token");
      const restored = await postForm(app, admin, "/flags", fields);
      assert.equal(restored.status, 303);
      assert.equal(restored.headers.get("location"), "/flags/old.banner?notice=restored");
      const flag = app.services.flags.get("old.banner")!;
      assert.deepEqual(
        [flag.enabled, flag.rolloutPercent, flag.requiredModes, flag.targetUsers, flag.description],
        [false, 40, ["DEMO", "LIVE"], ["user-a", "user-b"], "Old banner"],
      );
      page = await html(app, admin, "/flags/old.banner?notice=restored");
      assert.match(text(page), /restored with its last settings, turned off/);
      page = await html(app, admin, "/flags");
      assert.match(page, /No archived flags\./);

      // A second restore of the same (now stale) form is refused, not applied twice.
      const again = await postForm(app, admin, "/flags", fields);
      assert.equal(again.status, 400);
      assert.match(await again.text(), /a live flag uses this key again/);

      // A key archived before the key check, which the bus would refuse: no Restore that can
      // only fail (before: offered, then 400 "choose a key without a date").
      await app.db.exec(
        "INSERT INTO feature_flags (key, archived_at) VALUES ('sunset-2025-06-30', now())",
      );
      page = await html(app, admin, "/flags");
      const row = page.match(/<tr[^>]*data-archived="sunset-2025-06-30"[\s\S]*?<\/tr>/)![0];
      assert.match(text(row), /Cannot be restored: its key reads as PHI .*found: DATE/);
      assert.ok(!row.includes('name="restore"'));
    }, { target });
  });
}

Deno.test("/flags shows the state a flag has here and now: enabled, off in DEMO (needs LIVE)", async () => {
  await withApp(async (app) => {
    await app.services.flags.set("live.only", { enabled: true, requiredModes: ["LIVE"] }, ACTOR);
    await app.services.flags.set("everywhere", { enabled: true }, ACTOR);
    await app.services.flags.set("switched.off", { enabled: false }, ACTOR);
    const steward = await signInAs(app, "STEWARD");
    const page = await html(app, steward, "/flags");
    const row = (key: string) =>
      text(page.match(new RegExp(`<tr><td><a href="/flags/${key}"[\\s\\S]*?</tr>`))![0]);
    assert.match(row("live.only"), /enabled, off in DEMO \(needs LIVE\)/);
    assert.match(row("everywhere"), / enabled /);
    assert.doesNotMatch(row("everywhere"), /off in/);
    assert.match(row("switched.off"), /disabled/);
    const detail = await html(app, steward, "/flags/live.only");
    assert.match(text(detail), /enabled, off in DEMO \(needs LIVE\)/);
  });
});

Deno.test("/flags: a refused post shows its errors at the top of the page, focused on load", async () => {
  await withApp(async (app) => {
    for (let k = 0; k < 5; k++) await app.services.flags.set(`seed.${k}`, { enabled: true }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const refused = await postForm(app, admin, "/flags", [["key", "bad key"], [
      "rollout_percent",
      "5",
    ]]);
    assert.equal(refused.status, 400);
    const page = await refused.text();
    const errors = page.indexOf('data-testid="form-errors"');
    assert.ok(errors > 0);
    assert.ok(errors < page.indexOf('<table class="data"'), "the errors come before the list");
    assert.match(page, /<div class="notice notice--error" role="alert" tabindex="-1" autofocus/);
    assert.match(page, /<a href="#create-heading">Go to the form<\/a>/);
  });
});
