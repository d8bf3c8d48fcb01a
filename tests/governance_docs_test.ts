/** The mode table in docs/operations/MODE_TOGGLE.md is the one in code (MODE_POLICY). */
import assert from "node:assert/strict";
import { modePolicyTable } from "../lib/governance/policy_table.ts";

const DOC = new URL("../docs/operations/MODE_TOGGLE.md", import.meta.url);

/** The cells of the markdown table between the mode-table markers (formatting ignored). */
export function docTable(markdown: string): string[][] {
  const start = markdown.indexOf("<!-- mode-table:start -->");
  const end = markdown.indexOf("<!-- mode-table:end -->");
  if (start < 0 || end < start) throw new Error("mode-table markers missing");
  return markdown.slice(start, end).split("\n")
    .filter((line) => line.trim().startsWith("|"))
    .map((line) => line.trim().slice(1, -1).split("|").map((cell) => cell.trim()))
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

Deno.test("MODE_TOGGLE.md renders exactly the mode table of MODE_POLICY", async () => {
  const { header, rows } = modePolicyTable();
  assert.deepEqual(docTable(await Deno.readTextFile(DOC)), [header, ...rows]);
});

Deno.test("the doc check notices a drifted cell", () => {
  const { header, rows } = modePolicyTable();
  const drifted = rows.map((row) => [...row]);
  drifted[3]![1] = "yes";
  const markdown = [
    "<!-- mode-table:start -->",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...drifted.map((row) => `| ${row.join(" | ")} |`),
    "<!-- mode-table:end -->",
  ].join("\n");
  assert.notDeepEqual(docTable(markdown), [header, ...rows]);
});
