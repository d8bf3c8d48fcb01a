/**
 * Landmarks have unique names (axe-core's `landmark-unique`) on the pages where a section named
 * by its heading holds a table's scroll region: /governance (mode table, governance log), /jobs,
 * /flags (live and archived flags), /analytics, /admin/users, /audit. A screen reader's landmark
 * list showed two regions of the same name, one inside the other.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { createToken, signInAs } from "../helpers/auth.ts";
import { landmarkDuplicates, launchBrowser, serve, settle } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";
import { reportJobs } from "../helpers/jobs.ts";

const PAGES = ["/governance", "/jobs", "/flags", "/analytics", "/admin/users", "/audit"];

Deno.test({
  name: "browser: no two landmarks share a name (section and its table's scroll region)",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    const actor = { actor: { type: "system" as const } };
    await app.services.flags.set("live.flag", { enabled: true }, actor);
    await app.services.flags.set("old.flag", { enabled: false }, actor);
    await app.services.flags.archive("old.flag", undefined, actor);
    const worker = await createToken(app, { scopes: ["jobs:write"], name: "worker" });
    await reportJobs(app, worker, [["job-landmarks", { status: "started" }]]);
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const [name, value] = admin.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: server.url }]);
      const page = await context.newPage();
      const found: string[] = [];
      for (const path of PAGES) {
        await page.goto(server.url + path);
        await settle(page);
        for (const violation of await landmarkDuplicates(page)) found.push(`${path} ${violation}`);
      }
      assert.deepEqual(found, []);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
