/**
 * Every key derived from `ANALYTICS_IP_SALT` (lib/derived_key.ts) is named, by its label, where an
 * operator reads what the secret does: its row in docs/configuration.md and its section of
 * docs/operations/ROTATION.md. The configuration row left out the directory cursors of
 * `GET /api/admin/users` and what a new salt does to them.
 */
import assert from "node:assert/strict";
import { DIRECTORY_CURSOR_LABEL } from "../lib/auth/directory_cursor.ts";
import { LOCK_KEYS_LABEL } from "../lib/auth/lock_keys.ts";
import { RATE_KEYS_LABEL } from "../lib/http/rate_window.ts";

const ROOT = new URL("../", import.meta.url);
const LABELS = [LOCK_KEYS_LABEL, RATE_KEYS_LABEL, DIRECTORY_CURSOR_LABEL];

/** The source files (lib/, routes/, not tests) that call deriveKey(), relative to the root. */
async function deriveKeyCallers(dir: string, found: string[] = []): Promise<string[]> {
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) await deriveKeyCallers(`${path}/`, found);
    else if (/\.tsx?$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
      const text = await Deno.readTextFile(new URL(path, ROOT));
      if (/\bderiveKey\(/.test(text) && path !== "lib/derived_key.ts") found.push(path);
    }
  }
  return found.sort();
}

Deno.test("the keys derived from ANALYTICS_IP_SALT are the three labelled ones", async () => {
  // A new use of the secret must be added to LABELS (and so to the docs checked below).
  assert.deepEqual([...await deriveKeyCallers("lib/"), ...await deriveKeyCallers("routes/")], [
    "lib/auth/directory_cursor.ts",
    "lib/auth/lock_keys.ts",
    "lib/http/rate_window.ts",
  ]);
});

Deno.test("configuration.md's ANALYTICS_IP_SALT row names every derived key, the directory cursors included", async () => {
  const markdown = await Deno.readTextFile(new URL("docs/configuration.md", ROOT));
  // Its row in the variable tables (one line: `| \`ANALYTICS_IP_SALT\` | default | … |`).
  const rows = markdown.split("\n").filter((line) => /^\| *`ANALYTICS_IP_SALT` *\|/.test(line));
  assert.equal(rows.length, 1);
  const text = rows[0]!;
  for (const label of LABELS) assert.ok(text.includes(`\`${label}\``), label);
  assert.match(text, /`GET \/api\/admin\/users`/);
  // What changing it does to them: cursors handed out before are refused, the client starts again.
  assert.match(text, /cursors? handed out before/);
  assert.match(text, /\$\.cursor/);
  assert.match(text, /starts? again/);
});

Deno.test("ROTATION.md's ANALYTICS_IP_SALT section names every derived key", async () => {
  const markdown = await Deno.readTextFile(new URL("docs/operations/ROTATION.md", ROOT));
  const start = markdown.indexOf("## `ANALYTICS_IP_SALT`");
  assert.ok(start >= 0);
  const end = markdown.indexOf("\n## ", start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  for (const label of LABELS) assert.ok(section.includes(`\`${label}\``), label);
});
