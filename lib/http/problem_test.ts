/**
 * API or page: the API's paths always answer problem+json; a page's path answers the HTML page
 * unless the request's Accept asks for JSON over HTML (a script's `accept: application/json`).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { wantsApi } from "./problem.ts";
import type { AppEnv } from "./types.ts";

const app = new Hono<AppEnv>();
app.all("*", (c) => c.text(wantsApi(c) ? "api" : "page"));

async function answer(path: string, accept?: string): Promise<string> {
  const headers: Record<string, string> = accept === undefined ? {} : { accept };
  return await (await app.request(`http://rf.test${path}`, { headers })).text();
}

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

Deno.test("wantsApi: the API's paths are the API whatever the Accept", async () => {
  for (const path of ["/api", "/api/flags", "/ofrep/v1/evaluate/flags", "/metrics", "/healthz"]) {
    assert.equal(await answer(path), "api", path);
    assert.equal(await answer(path, BROWSER), "api", path);
    assert.equal(await answer(path, "text/html"), "api", path);
  }
});

Deno.test("wantsApi: a page's path is the API only for an Accept that prefers JSON to HTML", async () => {
  const cases: [string | undefined, "api" | "page"][] = [
    [undefined, "page"],
    ["", "page"],
    ["*/*", "page"],
    [BROWSER, "page"],
    ["text/html", "page"],
    ["text/*", "page"],
    ["application/json", "api"],
    ["application/problem+json", "api"],
    ["Application/JSON; charset=utf-8", "api"],
    ["application/json, */*", "api"],
    ["application/json, text/plain, */*", "api"],
    ["application/json, text/html;q=0.9", "api"],
    ["text/html;q=0.5, application/problem+json", "api"],
    // A tie, or HTML first in quality, is a browser's: the page.
    ["application/json, text/html", "page"],
    ["text/html, application/json", "page"],
    ["text/*, application/json;q=0.5", "page"],
    ["application/json;q=0", "page"],
    ["application/xml", "page"],
  ];
  for (const [accept, expected] of cases) {
    assert.equal(await answer("/flags", accept), expected, String(accept));
    assert.equal(await answer("/governance", accept), expected, String(accept));
  }
});
