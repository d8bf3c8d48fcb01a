/**
 * The panel's flag toggle (`POST /api/governance/flags/{key}`) and versions: the governance state
 * names each flag's version, a toggle based on a version the flag has moved on from is refused
 * with 409 CONFLICT and writes nothing (unless it asks for what is stored: then nothing changes),
 * and a toggle without a version (a script) still applies.
 */
import assert from "node:assert/strict";
import { json, withTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const SYSTEM = { actor: { type: "system" as const } };

Deno.test("POST /api/governance/flags/{key} refuses a stale version with 409 CONFLICT; without one it applies", async () => {
  await withTestApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    await app.services.flags.set("pilot", { enabled: false }, SYSTEM);

    const state = await json<{ flagsMeta: { key: string; version: number }[] }>(
      await app.request("/api/governance/state", { headers: admin.headers() }),
    );
    assert.equal(state.flagsMeta.find((f) => f.key === "pilot")?.version, 1);

    // Another administrator's change after the panel read version 1.
    await app.services.flags.set("pilot", { enabled: true }, SYSTEM);
    const toggle = (body: unknown) =>
      app.request("/api/governance/flags/pilot", {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify(body),
      });

    // The stored flag is on now: turning it off on version 1 is refused.
    const stale = await toggle({ enabled: false, version: 1 });
    assert.equal(stale.status, 409);
    assert.match(stale.headers.get("content-type") ?? "", /^application\/problem\+json/);
    const problem = await json<{ code: string; detail: string }>(stale);
    assert.equal(problem.code, "CONFLICT");
    assert.equal(app.services.flags.get("pilot")?.version, 2, "nothing written");
    // Turning it on on version 1 asks for what is stored: nothing to conflict about, nothing
    // written (tests/flags_no_op_save_test.ts).
    const same = await toggle({ enabled: true, version: 1 });
    assert.equal(same.status, 200);
    await same.body?.cancel();
    assert.equal(app.services.flags.get("pilot")?.version, 2, "nothing written");

    const current = await toggle({ enabled: false, version: 2 });
    assert.equal(current.status, 200);
    const after = await json<{ flagsMeta: { key: string; enabled: boolean; version: number }[] }>(
      current,
    );
    assert.deepEqual(
      after.flagsMeta.filter((f) => f.key === "pilot").map((f) => [f.enabled, f.version]),
      [[false, 3]],
    );

    const script = await toggle({ enabled: true });
    assert.equal(script.status, 200);
    await script.body?.cancel();
    assert.equal(app.services.flags.get("pilot")?.version, 4);
  });
});
