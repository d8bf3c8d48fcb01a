/**
 * At hospital volume (thousands of flags) the governance console, the mode badge and the jobs page
 * must not ship every flag: /governance lists the governance-scope flags (at most
 * PANEL_FLAG_LIMIT) with a count and a link to /flags; the stream's hello carries flags only for
 * the subscribers that ask for them bounded (the badge, the panel; the jobs stream none by
 * default), every flag by default otherwise (other services read them); the state endpoint and the
 * flag toggle keep their full answer by default and answer the bounded forms on request.
 */
import assert from "node:assert/strict";
import { PANEL_STATE_URL, PANEL_STREAM_URL, panelToggleUrl } from "../islands/GovernancePanel.tsx";
import { MODE_STATE_URL, MODE_STREAM_URL } from "../islands/ModeBadge.tsx";
import { PANEL_FLAG_LIMIT } from "../lib/governance/state.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { freshPglite } from "./helpers/db.ts";
import { signInAs } from "./helpers/auth.ts";
import { readSse } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/**
 * An app whose database holds `count` live flags as the scale review's generator makes them:
 * every 10th of scope `governance`, with descriptions, modes, environments and target users.
 */
async function appWithFlags(count: number): Promise<TestApp> {
  const testDb = await freshPglite();
  await testDb.db.exec(`
    INSERT INTO feature_flags (key, enabled, description, scope, required_modes, rollout_percent,
                               target_users, target_environments, version)
    SELECT 'flag.' || lpad(g::text, 5, '0'), g % 3 <> 0,
           'Flag number ' || g || ' controlling a research feature rollout',
           CASE WHEN g % 10 = 0 THEN 'governance' ELSE 'product' END,
           CASE g % 3 WHEN 0 THEN '[]'::jsonb WHEN 1 THEN '["DEMO","LIVE"]' ELSE '["LIVE"]' END,
           (g * 7) % 101,
           (SELECT jsonb_agg('u' || (1 + (g * 13 + k) % 2000)) FROM generate_series(1, 1 + g % 5) k),
           CASE g % 4 WHEN 0 THEN '[]'::jsonb WHEN 1 THEN '["production"]'
                      WHEN 2 THEN '["staging","production"]' ELSE '["development"]' END,
           1 + g % 9
    FROM generate_series(1, ${count}) g`);
  return await buildTestApp({ testDb });
}

/** The first SSE message of `path`, with its size on the wire (event, id and data lines). */
async function firstEvent(
  app: TestApp,
  path: string,
  headers: HeadersInit,
): Promise<{ event: string | undefined; bytes: number; data: Record<string, unknown> }> {
  const sse = readSse(await app.request(path, { headers }));
  try {
    await sse.until((m) => m.length > 0, "the first event");
    const first = sse.messages[0]!;
    const bytes = new TextEncoder().encode(
      `event: ${first.event}\n${first.id ? `id: ${first.id}\n` : ""}data: ${first.data}\n\n`,
    ).length;
    return { event: first.event, bytes, data: JSON.parse(first.data) };
  } finally {
    await sse.close();
  }
}

Deno.test({
  name: "/governance with 5,000 flags: under 300 KB, lists the governance flags (bounded), " +
    "says how many there are and links to /flags",
  ...opts,
  async fn() {
    const app = await appWithFlags(5000);
    try {
      const admin = await signInAs(app, "ADMIN");
      const response = await app.request("/governance", { headers: admin.headers() });
      assert.equal(response.status, 200);
      const html = await response.text();
      const bytes = new TextEncoder().encode(html).length;
      assert.ok(bytes < 300_000, `the page is ${bytes} bytes`);
      // The panel still shows the mode, the flags it must (governance-scope, first by key), and
      // the log; product flags are left to /flags.
      assert.match(html, /data-testid="governance-mode"[^>]*>DEMO</);
      const rows = [...html.matchAll(/<tr data-flag="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(rows.length, PANEL_FLAG_LIMIT);
      assert.equal(rows[0], "flag.00010");
      assert.ok(rows.every((key) => Number(key!.slice(5)) % 10 === 0), "governance flags only");
      assert.match(html, /data-testid="flags-listed"/);
      assert.match(html, /50 of the 500 governance flags/);
      assert.match(html, /5,000 flags in all/);
      assert.match(html, /href="\/flags"/);
      // The island's props are bounded like the table.
      const props = [...html.matchAll(/<script type="application\/json"[^>]*>([^<]*)<\/script>/g)]
        .reduce((sum, m) => sum + m[1]!.length, 0);
      assert.ok(props < 60_000, `island props are ${props} bytes`);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "with few flags (<= the panel's limit) /governance lists every flag, as before",
  ...opts,
  async fn() {
    const app = await appWithFlags(12);
    try {
      const steward = await signInAs(app, "STEWARD");
      const html = await (await app.request("/governance", { headers: steward.headers() }))
        .text();
      const rows = [...html.matchAll(/<tr data-flag="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(rows.length, 12);
      assert.equal(rows[0], "flag.00001");
      assert.doesNotMatch(html, /data-testid="flags-listed"/);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "with 1,000 flags the home page's badge stream and the jobs stream start with a hello " +
    "under 2 KB; the panel's is bounded; the polling fallbacks are bounded too",
  ...opts,
  async fn() {
    const app = await appWithFlags(1000);
    try {
      const researcher = await signInAs(app, "RESEARCHER");
      const headers = researcher.headers();

      for (const path of [MODE_STREAM_URL, "/api/stream?topic=jobs"]) {
        const first = await firstEvent(app, path, headers);
        assert.equal(first.event, "hello", path);
        assert.ok(first.bytes < 2048, `${path}: the hello is ${first.bytes} bytes`);
        assert.equal(first.data.mode, "DEMO");
        assert.equal(first.data.pinned, false);
        assert.deepEqual(first.data.flagsMeta, [], path);
        assert.deepEqual(first.data.flagsListed, { scope: "none", matching: 0, total: 1000 });
      }

      // The panel's stream: at most PANEL_FLAG_LIMIT governance flags, saying so.
      for (const path of [PANEL_STREAM_URL, "/api/stream?topic=all&flags=panel"]) {
        const panel = await firstEvent(app, path, headers);
        const meta = panel.data.flagsMeta as { key: string; scope: string; version: number }[];
        assert.equal(meta.length, PANEL_FLAG_LIMIT, path);
        assert.ok(meta.every((flag) => flag.scope === "governance"));
        assert.ok(meta.every((flag) => typeof flag.version === "number"));
        assert.equal(Object.keys(panel.data.flags as object).length, PANEL_FLAG_LIMIT);
        assert.deepEqual(panel.data.flagsListed, {
          scope: "governance",
          matching: 100,
          total: 1000,
        });
        assert.ok(panel.bytes < 30_000, `${path}: the hello is ${panel.bytes} bytes`);
      }

      // Every flag when asked for, and by default for every topic but jobs: a service that
      // subscribed before the views existed still reads every flag in the hello.
      for (
        const path of [
          "/api/stream?topic=governance&flags=all",
          "/api/stream?topic=jobs&flags=all",
          "/api/stream?topic=governance",
          "/api/stream?topic=all",
          "/api/stream",
        ]
      ) {
        const all = await firstEvent(app, path, headers);
        assert.equal((all.data.flagsMeta as unknown[]).length, 1000, path);
        assert.equal(Object.keys(all.data.flags as object).length, 1000, path);
        assert.deepEqual(all.data.flagsListed, { scope: "all", matching: 1000, total: 1000 });
      }

      // The polling fallbacks.
      const modeState = await app.request(MODE_STATE_URL, { headers });
      assert.equal(modeState.status, 200);
      const modeBody = await modeState.text();
      assert.ok(modeBody.length < 2048, `the badge's poll is ${modeBody.length} bytes`);
      assert.equal(JSON.parse(modeBody).mode, "DEMO");
      const panelState = await json<{ flagsMeta: unknown[]; flagsListed: unknown }>(
        await app.request(PANEL_STATE_URL, { headers }),
      );
      assert.equal(panelState.flagsMeta.length, PANEL_FLAG_LIMIT);
      assert.deepEqual(panelState.flagsListed, {
        scope: "governance",
        matching: 100,
        total: 1000,
      });
      // Unchanged for other services: the state endpoint lists every flag by default.
      const full = await json<{ flagsMeta: unknown[]; flagsListed: unknown }>(
        await app.request("/api/governance/state", { headers }),
      );
      assert.equal(full.flagsMeta.length, 1000);
      assert.deepEqual(full.flagsListed, { scope: "all", matching: 1000, total: 1000 });
      // An unknown view is refused, as other bad query values are.
      const bad = await app.request("/api/governance/state?flags=some", { headers });
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "with 5,000 flags the panel's flag toggle (?flags=panel) answers under 60 KB with at most " +
    "the panel's flags; without the parameter it still answers every flag; a bad view is 400",
  ...opts,
  async fn() {
    const app = await appWithFlags(5000);
    try {
      const admin = await signInAs(app, "ADMIN");
      const headers = { ...admin.headers(), "content-type": "application/json" };
      const toggle = (url: string, body: Record<string, unknown>) =>
        app.request(url, { method: "POST", headers, body: JSON.stringify(body) });

      // The panel's own request: flag.00010 is a governance flag at version 2 (1 + 10 % 9).
      assert.match(panelToggleUrl("flag.00010"), /\?flags=panel$/);
      const response = await toggle(panelToggleUrl("flag.00010"), { enabled: false, version: 2 });
      assert.equal(response.status, 200);
      const text = await response.text();
      const bytes = new TextEncoder().encode(text).length;
      assert.ok(bytes < 60_000, `the toggle's answer is ${bytes} bytes`);
      const body = JSON.parse(text) as {
        mode: string;
        flags: Record<string, boolean>;
        flagsMeta: { key: string; scope: string; enabled: boolean; version: number }[];
        flagsListed: unknown;
      };
      assert.equal(body.mode, "DEMO");
      assert.ok(body.flagsMeta.length <= PANEL_FLAG_LIMIT);
      assert.ok(body.flagsMeta.every((flag) => flag.scope === "governance"));
      assert.ok(Object.keys(body.flags).length <= PANEL_FLAG_LIMIT);
      assert.deepEqual(body.flagsListed, { scope: "governance", matching: 500, total: 5000 });
      const toggled = body.flagsMeta.find((flag) => flag.key === "flag.00010");
      assert.equal(toggled?.enabled, false);
      assert.equal(toggled?.version, 3);

      // Scripts see what they saw: every flag without the parameter (and with flags=all).
      for (
        const url of [
          "/api/governance/flags/flag.00020",
          "/api/governance/flags/flag.00020?flags=all",
        ]
      ) {
        const full = await toggle(url, { enabled: true });
        assert.equal(full.status, 200, url);
        const fullBody = await full.json() as {
          flags: Record<string, boolean>;
          flagsMeta: unknown[];
          flagsListed: unknown;
        };
        assert.equal(fullBody.flagsMeta.length, 5000, url);
        assert.equal(Object.keys(fullBody.flags).length, 5000, url);
        assert.deepEqual(fullBody.flagsListed, { scope: "all", matching: 5000, total: 5000 });
      }

      // The mode only, as the state endpoint answers it.
      const none = await json<{ flagsMeta: unknown[]; flagsListed: unknown }>(
        await toggle("/api/governance/flags/flag.00020?flags=none", { enabled: false }),
      );
      assert.deepEqual(none.flagsMeta, []);
      assert.deepEqual(none.flagsListed, { scope: "none", matching: 0, total: 5000 });

      // An unknown view is refused like the state endpoint's, not repeated, and changes nothing.
      const before = app.services.flags.list().find((f) => f.key === "flag.00030");
      const bad = await toggle("/api/governance/flags/flag.00030?flags=CANARY-view", {
        enabled: !before?.enabled,
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get("content-type"), "application/problem+json");
      const badText = await bad.text();
      assert.ok(!badText.includes("CANARY"), "the value is not repeated");
      const problem = JSON.parse(badText) as { code: string; errors?: { path: string }[] };
      assert.equal(problem.code, "VALIDATION_FAILED");
      assert.deepEqual(problem.errors?.map((issue) => issue.path), ["$.flags"]);
      const stateBad = await app.request("/api/governance/state?flags=CANARY-view", {
        headers: admin.headers(),
      });
      assert.deepEqual(
        (JSON.parse(await stateBad.text()) as { errors?: { path: string }[] }).errors
          ?.map((issue) => issue.path),
        ["$.flags"],
      );
      const after = app.services.flags.list().find((f) => f.key === "flag.00030");
      assert.deepEqual(
        [after?.enabled, after?.version],
        [before?.enabled, before?.version],
      );
    } finally {
      await app.dispose();
    }
  },
});
