import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Flag } from "../lib/flags/flag.ts";
import { flagFixture } from "../lib/flags/flag_fixture.ts";
import GovernancePanel, { type GovernancePanelProps } from "./GovernancePanel.tsx";

/** One flag as the panel receives it: the stored flag's fixture, without what pages never get. */
function flagMeta(
  key: string,
  gates: Pick<Partial<Flag>, "requiredModes" | "targetEnvironments">,
): GovernancePanelProps["flagsMeta"][number] {
  const { targetUsers: _users, updatedAt: _at, updatedBy: _by, ...meta } = flagFixture(key, gates);
  return { ...meta, override: null };
}

/** The panel's Enabled cell of `key`, as text. */
function enabledCell(html: string, key: string): string {
  const row = html.match(new RegExp(`<tr data-flag="${key}">[\\s\\S]*?</tr>`))?.[0] ?? "";
  const cell = row.match(/<td>[\s\S]*?<\/td>\s*<td>([\s\S]*?)<\/td>/)?.[1] ?? "";
  return cell.replace(/<!-- -->/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

Deno.test("the governance panel says when an enabled flag is kept off by the mode or by this environment", () => {
  const html = renderToString(h(GovernancePanel, {
    mode: "DEMO",
    environment: "staging",
    pinned: false,
    pinnedReason: null,
    flags: { "mode.gated": false, "env.gated": false, "open.flag": true },
    flagsMeta: [
      flagMeta("mode.gated", { requiredModes: ["LIVE"] }),
      // On /flags this reads "enabled, off in staging (needs production)"; the panel said "on".
      flagMeta("env.gated", { targetEnvironments: ["production"] }),
      flagMeta("open.flag", {}),
    ],
  }));
  assert.equal(enabledCell(html, "mode.gated"), "on, off in DEMO (needs LIVE)");
  assert.equal(enabledCell(html, "env.gated"), "on, off in staging (needs production)");
  assert.equal(enabledCell(html, "open.flag"), "on");
});

Deno.test("the governance panel shows no gate for a flag a FEATURE_ override forces", () => {
  const forced = {
    ...flagMeta("forced.on", { targetEnvironments: ["production"] }),
    override: true,
  };
  const html = renderToString(h(GovernancePanel, {
    mode: "DEMO",
    environment: "development",
    pinned: false,
    pinnedReason: null,
    flags: { "forced.on": true },
    flagsMeta: [forced],
  }));
  // It read "on, off in development (needs production)" beside "forced on by the server's
  // settings", where /flags and the status API say on (OVERRIDE).
  assert.equal(enabledCell(html, "forced.on"), "on forced on by the server's settings");
});
