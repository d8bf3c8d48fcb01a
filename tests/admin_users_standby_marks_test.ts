/**
 * /admin/users in STANDBY names every change the server then refuses with 503: adding accounts,
 * setting passwords, and also reactivating accounts and raising roles (only changes that reduce
 * access go through). The Reactivate buttons and the role options above an account's role are
 * marked as paused; they stay usable (as the other paused forms: nothing would enable them again
 * when the mode changes), and in DEMO nothing is marked.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { createUser, signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const MARK = "paused in STANDBY";

Deno.test({
  name: "STANDBY: /admin/users names reactivating and raising roles as paused and marks them",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const admin = await signInAs(app, "ADMIN");
      const steward = await createUser(app, { role: "STEWARD" });
      const gone = await createUser(app, { role: "RESEARCHER" });
      await app.services.auth.updateUser(gone.id, { active: false }, { type: "system" });
      const page = async () =>
        await (await app.request("/admin/users", { headers: { cookie: admin.cookie } })).text();

      let html = await page();
      assert.ok(!html.includes(MARK), "DEMO: nothing marked");

      await app.services.mode.setMode("STANDBY", { type: "system" });
      html = await page();
      const notice = html.match(/data-testid="standby-paused"[\s\S]*?<\/div>/)?.[0] ?? "";
      assert.match(notice, /reactivating accounts and raising roles are paused/);
      assert.match(notice, /Lowering a role, deactivating and clearing sign-in locks still work/);

      const reactivate = [
        ...html.matchAll(
          new RegExp(`<form[^>]*action="/admin/users/${gone.id}"[\\s\\S]*?</form>`, "g"),
        ),
      ].map((m) => m[0]).find((form) => form.includes('name="active" value="true"')) ?? "";
      assert.match(reactivate, /name="active" value="true"/);
      assert.ok(reactivate.includes(MARK), "the Reactivate button is marked");
      assert.ok(!/<button[^>]*disabled/.test(reactivate), "and stays usable");

      const role = html.match(
        new RegExp(`<form[^>]*action="/admin/users/${steward.id}"[\\s\\S]*?</form>`),
      )?.[0] ?? "";
      const option = (name: string) =>
        role.match(new RegExp(`<option[^>]*value="${name}"[^>]*>([^<]*(?:<!--[^>]*-->[^<]*)*)<`))
          ?.[1] ?? "";
      assert.ok(option("ADMIN").includes(MARK), "raising to ADMIN is marked");
      assert.ok(!option("STEWARD").includes(MARK), "the current role is not");
      assert.ok(!option("RESEARCHER").includes(MARK), "lowering is not");
    } finally {
      await app.dispose();
    }
  },
});
