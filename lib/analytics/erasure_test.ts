import assert from "node:assert/strict";
import { freshPglite } from "../../tests/helpers/db.ts";
import { CLOCK_SKEW_MS, occurredAfterErasure, tsTooFarAhead } from "./erasure.ts";
import { occurredAfterErasureSql } from "./store.ts";

const E = Date.UTC(2026, 2, 10, 12);

Deno.test("tsTooFarAhead() refuses a ts only beyond the tolerated skew", () => {
  const now = E;
  assert.equal(tsTooFarAhead(undefined, now), false);
  assert.equal(tsTooFarAhead(new Date(now + CLOCK_SKEW_MS).toISOString(), now), false);
  assert.equal(tsTooFarAhead(new Date(now + CLOCK_SKEW_MS + 1000).toISOString(), now), true);
  assert.equal(tsTooFarAhead("2026-03-10T12:00:00+02:00", now), false, "an offset counts");
  assert.equal(tsTooFarAhead("2026-03-10T14:00:00-02:00", now), true);
});

Deno.test("occurredAfterErasureSql() agrees with occurredAfterErasure()", async () => {
  const { db, cleanup } = await freshPglite();
  try {
    const erasures = [null, E];
    const clientTimes = [null, E - 1, E, E + CLOCK_SKEW_MS - 1, E + CLOCK_SKEW_MS, E + 3_600_000];
    const createdTimes = [E - 1, E, E + 1];
    let checked = 0;
    for (const erasedAt of erasures) {
      for (const origin of ["client", "server"] as const) {
        for (const clientTs of clientTimes) {
          for (const createdAt of createdTimes) {
            const expected = occurredAfterErasure(
              { origin, clientTsMs: clientTs, createdAtMs: createdAt },
              erasedAt,
            );
            const [row] = await db.query<{ ok: boolean }>(
              `SELECT ${
                occurredAfterErasureSql(
                  "$1::timestamptz",
                  "$2",
                  "$3::timestamptz",
                  "$4::timestamptz",
                )
              } AS ok`,
              [
                erasedAt === null ? null : new Date(erasedAt),
                origin === "server",
                clientTs === null ? null : new Date(clientTs),
                new Date(createdAt),
              ],
            );
            assert.equal(
              row!.ok,
              expected,
              JSON.stringify({ erasedAt, origin, clientTs, createdAt }),
            );
            checked++;
          }
        }
      }
    }
    assert.equal(checked, 2 * 2 * clientTimes.length * createdTimes.length);
  } finally {
    await cleanup();
  }
});
