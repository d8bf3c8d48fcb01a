/**
 * Sticky assignments across instances on one database: an instance's in-memory cache of
 * persisted variants does not outlive the experiment version it was read at. Another instance
 * may move a subject off a removed variant; once the experiment changes again, every instance
 * answers what the database holds, not what it cached before.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./helpers/app.ts";
import { createUser } from "./helpers/auth.ts";
import { hasPostgres, hasRedis } from "./helpers/env.ts";
import { eventually, twoInstances } from "./helpers/instances.ts";

const ACTOR = { actor: { type: "system" as const } };

Deno.test({
  name:
    "a variant removed and re-added: an instance that cached the old sticky assignment answers the database's",
  ignore: !(hasPostgres() && hasRedis()),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const instances = await twoInstances("sticky_events");
    const { a, b } = instances;
    const key = "sticky.instances";
    const setVariants = async (variants: Record<string, { weight: number }>) => {
      const version = a.services.experiments.get(key)?.version;
      const view = await a.services.experiments.set({
        key,
        enabled: true,
        variants,
        ...(version ? { version } : {}),
      }, ACTOR);
      // Both instances hold the new version before the next request (the bus carries it).
      for (const app of [a, b]) {
        assert.ok(
          await eventually(
            () => app.services.experiments.get(key)?.version === view.version,
            30_000,
          ),
          "the instance loads the new version",
        );
      }
    };
    const variantOn = async (app: TestApp, user: { userId: string }) =>
      (await app.services.experiments.variantFor(key, user)).variant;
    const stored = async () =>
      (await a.db.query<{ variant: string }>(
        "SELECT variant FROM experiment_assignments WHERE experiment_key = $1",
        [key],
      )).map((row) => row.variant);
    try {
      const user = { userId: (await createUser(a, { role: "RESEARCHER" })).id };
      await setVariants({ alpha: { weight: 100 }, beta: { weight: 0 } });
      assert.equal(await variantOn(a, user), "alpha", "assigned on A, and cached there");
      assert.equal(await variantOn(a, user), "alpha");

      // alpha is removed: B moves the user to beta in the database.
      await setVariants({ beta: { weight: 100 } });
      assert.equal(await variantOn(b, user), "beta");
      assert.deepEqual(await stored(), ["beta"]);

      // alpha is back (and would win the hash; beta keeps a weight, so it is not switched off):
      // the user stays in beta on every instance.
      await setVariants({ alpha: { weight: 10_000 }, beta: { weight: 1 } });
      assert.equal(await variantOn(b, user), "beta");
      const onA = await a.services.experiments.variantFor(key, user);
      assert.deepEqual(
        [onA.variant, onA.reason],
        ["beta", "STICKY"],
        "A does not answer its old cache",
      );
      assert.deepEqual(await stored(), ["beta"]);
    } finally {
      await instances.close();
    }
  },
});
