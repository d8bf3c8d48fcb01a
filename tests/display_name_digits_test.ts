/**
 * A display name with a long number is refused whatever script its digits are written in: the
 * review stored "Quenby Zarkowski ５３６２２１２３４" (full-width), "… ٥٣٦٢٢١٢٣٤" (Arabic-Indic)
 * and "… ７７４１２９３" in users.display_name while the ASCII "… 536221234" was refused, because
 * the rule counted ASCII digits only. Create and change both refuse them and store nothing. PGlite.
 */
import assert from "node:assert/strict";
import { withTestApp } from "./helpers/app.ts";
import { assertDisplayNamesRefused } from "./helpers/display_names.ts";

const NUMBERS = ["５３６２２１２３４", "٥٣٦٢٢١٢٣٤", "７７４１２９３", "۵۳۶۲۲۱۲۳۴", "536221234"];
const NAMES = NUMBERS.map((number) => `Quenby Zarkowski ${number}`);

Deno.test("POST and PATCH /api/admin/users refuse a long number in full-width or Arabic-Indic digits, and store nothing", async () => {
  await withTestApp((app) =>
    assertDisplayNamesRefused(app, NAMES, ({ label, text }, i) => {
      assert.ok(!text.includes(NUMBERS[i]!), `${label}: the refusal does not quote the number`);
    })
  );
});
