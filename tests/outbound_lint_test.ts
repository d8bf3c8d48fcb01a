/**
 * The outbound guard only protects what goes through it. This test fails the
 * build when server code outside lib/net calls fetch() with anything but a
 * relative URL literal, or imports an HTTP client that would bypass the guard.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const SERVER_DIRS = ["lib", "routes", "components", "scripts"];
const SERVER_FILES = ["main.ts"];
/** Browser code: its requests are confined to the app's origin by the CSP (connect-src 'self'). */
const BROWSER_CODE = [
  /^islands\//,
  /^lib\/web\/boot\.ts$/,
  /^lib\/web\/client\//,
  /^lib\/realtime\/live_client\.ts$/,
];
const GUARD = /^lib\/net\//;
const HTTP_CLIENTS =
  /from\s+["'](npm:)?(axios|node-fetch|undici|got|ky|superagent|needle|request|node:https?|https?)(@[^"']*)?["']/;
// A bare fetch(...) or globalThis/window/self.fetch; `guard.fetch(` and `app.fetch(` are not calls out.
const FETCH_CALL = /(?:(?<![.\w$])|\b(?:globalThis|window|self)\.)fetch\s*\(\s*([^)\s,][^,)]*)/g;

async function walk(dir: URL, prefix: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory) await walk(new URL(`${entry.name}/`, dir), `${rel}/`, out);
    else if (/\.(ts|tsx)$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) out.push(rel);
  }
}

export async function findViolations(): Promise<string[]> {
  const files: string[] = [...SERVER_FILES];
  for (const dir of SERVER_DIRS) await walk(new URL(`${dir}/`, ROOT), `${dir}/`, files);
  const violations: string[] = [];
  for (const file of files) {
    if (GUARD.test(file) || BROWSER_CODE.some((pattern) => pattern.test(file))) continue;
    const text = await Deno.readTextFile(new URL(file, ROOT));
    text.split("\n").forEach((line, i) => {
      if (HTTP_CLIENTS.test(line)) violations.push(`${file}:${i + 1}: imports an HTTP client`);
      for (const match of line.matchAll(FETCH_CALL)) {
        const argument = match[1]!.trim();
        if (!/^["'`]\//.test(argument)) {
          violations.push(`${file}:${i + 1}: fetch() outside lib/net`);
        }
      }
    });
  }
  return violations;
}

Deno.test("no server code outside lib/net calls out directly", async () => {
  assert.deepEqual(await findViolations(), []);
});

Deno.test("the outbound lint catches a direct call and an HTTP client import", () => {
  const line = 'const r = await fetch("https://example.org/x");';
  assert.ok([...line.matchAll(FETCH_CALL)].some((m) => !/^["'`]\//.test(m[1]!.trim())));
  assert.ok(HTTP_CLIENTS.test('import axios from "npm:axios@1";'));
  assert.ok(HTTP_CLIENTS.test('import https from "node:https";'));
  assert.ok(
    ![...'fetch("/health")'.matchAll(FETCH_CALL)].some((m) => !/^["'`]\//.test(m[1]!.trim())),
  );
  assert.equal([...'guard.fetch("worker", url)'.matchAll(FETCH_CALL)].length, 0);
  assert.equal([..."globalThis.fetch(url)".matchAll(FETCH_CALL)].length, 1);
});
