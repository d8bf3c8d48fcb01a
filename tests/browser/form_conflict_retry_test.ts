/**
 * The two-tab flow in real Chromium (plain forms, JavaScript off): both tabs open a flag (an
 * experiment); tab two saves; tab one's save is refused with a conflict, and pressing Save again
 * in tab one is refused again (before: it went through and erased tab two's change unseen). The
 * typed values stay on the form, and the note's link reloads the stored values, from which a
 * deliberate save goes through.
 */
import assert from "node:assert/strict";
import { buildTestApp } from "../helpers/app.ts";
import { signInAs } from "../helpers/auth.ts";
import { launchBrowser, serve } from "../helpers/browser.ts";
import { hasChromium } from "../helpers/env.ts";

const ACTOR = { actor: { type: "system" as const } };

Deno.test({
  name:
    "browser: after a conflict in one tab, Save again does not overwrite the other tab's change",
  ignore: !hasChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    await app.services.flags.set("retry.flag", { enabled: true, description: "original" }, ACTOR);
    await app.services.experiments.set({
      key: "retry.exp",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, ACTOR);
    const admin = await signInAs(app, "ADMIN");
    const server = serve(app);
    const browser = await launchBrowser();
    const [name, value] = admin.cookie.split("=") as [string, string];
    try {
      const context = await browser.newContext({ javaScriptEnabled: false });
      await context.addCookies([{ name, value, url: server.url }]);
      const one = await context.newPage();
      const two = await context.newPage();
      /** Submits the page's form posting to `action` and waits for the answer page. */
      const submit = async (page: typeof one, action: string) => {
        await Promise.all([
          page.waitForLoadState("load"),
          page.click(`form[method="post"][action="${action}"] button[type=submit]`),
        ]);
      };

      await t.step("flag: tab one's second Save is refused; tab two's text stays", async () => {
        const flagUrl = `${server.url}/flags/retry.flag`;
        await one.goto(flagUrl);
        await two.goto(flagUrl);
        await two.fill("#flag-description", "changed in tab two");
        await submit(two, "/flags/retry.flag");
        assert.match(two.url(), /notice=saved/);

        await one.fill("#flag-description", "changed in tab one");
        await submit(one, "/flags/retry.flag");
        assert.match(
          await one.textContent('[data-testid="form-errors"]') ?? "",
          /Someone changed this flag/,
        );
        assert.equal(await one.inputValue("#flag-description"), "changed in tab one");
        await submit(one, "/flags/retry.flag");
        assert.doesNotMatch(one.url(), /notice=saved/);
        assert.match(
          await one.textContent('[data-testid="form-errors"]') ?? "",
          /Someone changed this flag/,
        );
        assert.equal(app.services.flags.get("retry.flag")!.description, "changed in tab two");

        // The note's link shows the stored values; a save from there is deliberate.
        await Promise.all([
          one.waitForLoadState("load"),
          one.click('[data-testid="stale-form"] a'),
        ]);
        assert.equal(await one.inputValue("#flag-description"), "changed in tab two");
        await one.fill("#flag-description", "changed in both tabs");
        await submit(one, "/flags/retry.flag");
        assert.match(one.url(), /notice=saved/);
        assert.equal(app.services.flags.get("retry.flag")!.description, "changed in both tabs");
      });

      await t.step(
        "experiment: tab one's second Save is refused; tab two's weights stay",
        async () => {
          const weightA = 'input[name="weight:A"]';
          const weightB = 'input[name="weight:B"]';
          await one.goto(`${server.url}/experiments`);
          await two.goto(`${server.url}/experiments`);
          await two.fill(weightA, "10");
          await two.fill(weightB, "90");
          await submit(two, "/experiments/retry.exp");
          assert.match(two.url(), /notice=saved/);

          await one.fill(weightA, "70");
          await one.fill(weightB, "30");
          await submit(one, "/experiments/retry.exp");
          assert.match(
            await one.textContent('[data-testid="form-errors"]') ?? "",
            /Someone changed this experiment/,
          );
          assert.equal(await one.inputValue(weightA), "70");
          await submit(one, "/experiments/retry.exp");
          assert.doesNotMatch(one.url(), /notice=saved/);
          const stored = app.services.experiments.get("retry.exp")!;
          assert.deepEqual(stored.variants.map((v) => [v.key, v.weight]), [["A", 10], ["B", 90]]);

          await Promise.all([
            one.waitForLoadState("load"),
            one.click('[data-testid="stale-form"] a'),
          ]);
          assert.equal(await one.inputValue(weightA), "10");
        },
      );
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      await app.dispose();
    }
  },
});
