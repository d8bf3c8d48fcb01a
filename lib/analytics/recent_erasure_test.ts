import assert from "node:assert/strict";
import { dbTargets } from "../../tests/helpers/db.ts";
import { createAuditLog } from "../audit/audit.ts";
import { manualClock } from "../clock.ts";
import { ERASE_AUDIT_ACTION } from "./erasure.ts";
import { createRecentErasures } from "./recent_erasure.ts";

const CALLER = "0f8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const COLLEAGUE = "11111111-2222-4333-8444-555566667777";
const TARGET = "7a7a7a7a-1111-4222-8333-444455556666";
const OTHER_TARGET = "99999999-9999-4999-8999-999999999999";
const TEN_MINUTES = 10 * 60_000;

for (const target of dbTargets()) {
  Deno.test(`recentErasureBy(): the caller's own erasure of that account in the window (${target.name})`, async () => {
    const { db, cleanup } = await target.open();
    try {
      const audit = createAuditLog({ db });
      // The audit's created_at is the database's clock: the app's clock starts there.
      const clock = manualClock(Date.now());
      const erasures = createRecentErasures({ db, clock });
      assert.equal(await erasures.recentErasureBy(CALLER, TARGET, TEN_MINUTES), undefined);

      await audit.record({
        actor: { type: "user", id: COLLEAGUE },
        action: ERASE_AUDIT_ACTION,
        target: { type: "user", id: TARGET },
        after: { deletedEvents: 5 },
      });
      assert.equal(
        await erasures.recentErasureBy(CALLER, TARGET, TEN_MINUTES),
        undefined,
        "a colleague's erasure is not the caller's",
      );

      await audit.record({
        actor: { type: "user", id: CALLER },
        action: ERASE_AUDIT_ACTION,
        target: { type: "user", id: TARGET },
        after: { deletedEvents: 3 },
      });
      await audit.record({
        actor: { type: "user", id: CALLER },
        action: "analytics.something_else",
        target: { type: "user", id: TARGET },
        after: { deletedEvents: 8 },
      });
      assert.equal(await erasures.recentErasureBy(CALLER, TARGET, TEN_MINUTES), 3);
      assert.equal(await erasures.recentErasureBy(CALLER, OTHER_TARGET, TEN_MINUTES), undefined);

      // The latest erasure counts.
      await audit.record({
        actor: { type: "user", id: CALLER },
        action: ERASE_AUDIT_ACTION,
        target: { type: "user", id: TARGET },
        after: { deletedEvents: 0 },
      });
      assert.equal(await erasures.recentErasureBy(CALLER, TARGET, TEN_MINUTES), 0);

      // Past the window: nothing.
      clock.advance(TEN_MINUTES + 60_000);
      assert.equal(await erasures.recentErasureBy(CALLER, TARGET, TEN_MINUTES), undefined);
    } finally {
      await cleanup();
    }
  });

  Deno.test(`recentErasureBy(): a record without a numeric count is none (${target.name})`, async () => {
    const { db, cleanup } = await target.open();
    try {
      const audit = createAuditLog({ db });
      const erasures = createRecentErasures({ db, clock: manualClock(Date.now()) });
      await audit.record({
        actor: { type: "user", id: CALLER },
        action: ERASE_AUDIT_ACTION,
        target: { type: "user", id: TARGET },
        after: { deletedEvents: "3" },
      });
      assert.equal(await erasures.recentErasureBy(CALLER, TARGET, TEN_MINUTES), undefined);
    } finally {
      await cleanup();
    }
  });
}
