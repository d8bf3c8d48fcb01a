import assert from "node:assert/strict";
import { browserReportToError, errorTypeTemplate, messageTemplate } from "./browser.ts";
import { islandBundles } from "./bundles.ts";

/** The bundles the tests' frames point at: `A-1.js` has five lines, 3,000 then 10 characters. */
const BUNDLES = islandBundles({
  "A-1.js": ["x".repeat(3000), ..."abcd".split("").map(() => "y".repeat(10))].join("\n"),
  "ModeBadge-3f2a9c1b7d4e.js": "z".repeat(2000),
  "chunk-3V4VRQZ6.js": "c".repeat(800) + "\n" + "d".repeat(40),
});

function stackOf(stack: string): string {
  return browserReportToError({ type: "TypeError", message: "x", stack, route: "/flags" }, BUNDLES)
    .stack!.split("\n").slice(1).join("\n");
}

Deno.test("messageTemplate() keeps engine messages readable", () => {
  for (
    const [input, output] of <Array<[string, string]>> [
      ["Offset out of range", "Offset out of range"],
      ["Failed to fetch", "Failed to fetch"],
      ["Assignment to constant variable.", "Assignment to constant variable."],
      ["fooBar is not a function", "… is not a function"],
      ["t.map is not a function", "t.map is not a function"],
      ["signal is aborted without reason", "signal is aborted without reason"],
      [
        "ResizeObserver loop completed with undelivered notifications.",
        "ResizeObserver loop completed with undelivered notifications.",
      ],
      [
        "NetworkError when attempting to fetch resource.",
        "NetworkError when attempting to fetch resource.",
      ],
      ["Loading chunk 42 failed.", "Loading chunk 0 failed."],
      [
        "The string did not match the expected pattern.",
        "The string did not match the expected pattern.",
      ],
      ["Maximum call stack size exceeded", "Maximum call stack size exceeded"],
      [
        "Cannot read properties of undefined (reading 'x')",
        "Cannot read properties of undefined (reading '…')",
      ],
      [
        `Unexpected token '<', "<!DOCTYPE "... is not valid JSON`,
        "Unexpected token '…', '…'... is not valid JSON",
      ],
      ["Failed to execute 'appendChild' on 'Node'", "Failed to execute '…' on '…'"],
      ["Cannot access 'x' before initialization", "Cannot access '…' before initialization"],
      ["HTMLElement is not defined", "HTMLElement is not defined"],
      ["ResizeObserver loop limit exceeded", "ResizeObserver loop limit exceeded"],
      ['can\'t access property "x", y is undefined', "can't access property '…', y is undefined"],
    ]
  ) assert.equal(messageTemplate(input), output, input);
});

Deno.test("messageTemplate() reduces digits, quoted text and unknown words in any case", () => {
  for (
    const [input, output] of <Array<[string, string]>> [
      ["Record #7741293 missing", "Record #0 missing"],
      ["pt. Zarkowski has no chart", "…. … has no …"],
      ["could not load chart for quenby zarkowski", "could not load … for … …"],
      ["failed to open record of patient zarkowski", "failed to open record of … …"],
      ["Zarkowski quenby", "… …"],
      ["no user quenby.zarkowski in org", "no user ….… in …"],
      ["render_zarkowski_quenby is not a function", "render_…_… is not a function"],
      ["QuenbyZarkowski is not defined", "… is not defined"],
      ["ZARKOWSKI^QUENBY^^^MR", "…^…^^^…"],
      ["Zarkowski has no chart", "… has no …"],
      ["no chart for mrn7741293 since 03/02/1955", "no … for …0 since 0/0/0"],
      ["unterminated 'quenby zarkowski", "unterminated '…'"],
      ["“Quenby Zarkowski” not found", "'…' not found"],
      ["Żarkowska not found", "… not found"],
      ["McDonald not found", "… not found"],
      ["ZarkowskiError thrown", "… thrown"],
      ["O'Brien's chart", "…'…'s …"],
      ["see https://example.org/patients/zarkowski?id=7", "… <url>"],
      ["名前 not found", "… not found"],
    ]
  ) assert.equal(messageTemplate(input), output, input);
});

Deno.test("errorTypeTemplate() keeps error class names, else Error", () => {
  for (const type of ["TypeError", "SyntaxError", "DOMException", "AbortError", "NonErrorValue"]) {
    assert.equal(errorTypeTemplate(type), type);
  }
  for (const type of ["Zarkowski", "ZarkowskiError", "MRN7741293", "quenby", ""]) {
    assert.equal(errorTypeTemplate(type), "Error", type);
  }
});

Deno.test("browserReportToError() keeps frame lines only, each rebuilt from its safe parts", () => {
  const error = browserReportToError({
    type: "Zarkowski",
    message: "pt. Zarkowski has no chart",
    stack: "Zarkowski: pt. Zarkowski has no chart\nsecond line of 'x'\n" +
      "    at refresh (http://127.0.0.1:8000/_islands/A-1.js:1:2345)\n" +
      "Note: Zarkowski 7741293\n" +
      "    at async boot (http://127.0.0.1:8000/_islands/A-1.js:1:120)\n" +
      "    at new Xe (http://127.0.0.1:8000/_islands/A-1.js:1:7)\n" +
      "    at Array.map (<anonymous>)\n" +
      "    at Quenby Zarkowski (http://127.0.0.1:8000/_islands/A-1.js:1:2)\n" +
      "    at QuenbyZarkowski (http://127.0.0.1:8000/_islands/A-1.js:1:3)\n" +
      "    at Zarkowski.Quenby (http://127.0.0.1:8000/_islands/A-1.js:1:4)\n" +
      "    at render_zarkowski_quenby (http://127.0.0.1:8000/_islands/A-1.js:1:5)\n" +
      "    at Quenby Zarkowski admitted (<anonymous>)\n" +
      "    at e (zarkowski/quenby.js:3:4)\n" +
      "    at e (http://zarkowski.example/quenby.js:3:4)\n" +
      "    at http://zarkowski.example/_islands/A-1.js:5:6",
    route: "/flags",
  }, BUNDLES);
  assert.equal(error.name, "Error");
  assert.equal(error.message, "…. … has no …");
  assert.equal(
    error.stack,
    "Error: …. … has no …\n" +
      "    at refresh (http://localhost/_islands/A-1.js:1:2345)\n" +
      "    at boot (http://localhost/_islands/A-1.js:1:120)\n" +
      "    at new Xe (http://localhost/_islands/A-1.js:1:7)\n" +
      "    at Array.map (<anonymous>)\n" +
      "    at http://localhost/_islands/A-1.js:1:2\n" +
      "    at http://localhost/_islands/A-1.js:1:3\n" +
      "    at http://localhost/_islands/A-1.js:1:4\n" +
      "    at http://localhost/_islands/A-1.js:1:5\n" +
      "    at <anonymous>\n" +
      "    at e (<unknown>)\n" +
      "    at e (<unknown>)\n" +
      "    at http://localhost/_islands/A-1.js:5:6",
  );
});

Deno.test("browserReportToError() keeps a frame's file only when it is one of the app's bundles", () => {
  assert.equal(
    stackOf(
      "    at e (http://h/_islands/quilla.vantreese.js:1:1)\n" +
        "    at e (http://h/_islands/cXVpbGxhLnZhbnRyZWVzZUBjYW5hcnltYWlsLm9yZw.js:1:1)\n" +
        "    at e (http://h/_islands/quilla.vantreese.at.canarymail.org.js:1:1)\n" +
        "    at e (http://h/_islands/ModeBadge-000000000000.js:1:1)\n" +
        "    at e (http://h/_islands/a-1.js:1:1)\n" +
        "    at e (http://h/_islands/sub/A-1.js:1:1)\n" +
        "    at e (http://h/_islands/manifest.json:1:1)\n" +
        "    at http://h/_islands/quilla.vantreese.js",
    ),
    Array(7).fill("    at e (<unknown>)").concat("    at <unknown>").join("\n"),
  );
  assert.equal(
    stackOf(
      "    at e (http://h/_islands/ModeBadge-3f2a9c1b7d4e.js:1:2000)\n" +
        "    at t (https://other.example/_islands/chunk-3V4VRQZ6.js:2:40)\n" +
        "    at http://h/_islands/A-1.js:5:1\n" +
        "    at http://h/_islands/A-1.js",
    ),
    "    at e (http://localhost/_islands/ModeBadge-3f2a9c1b7d4e.js:1:2000)\n" +
      "    at t (http://localhost/_islands/chunk-3V4VRQZ6.js:2:40)\n" +
      "    at http://localhost/_islands/A-1.js:5:1\n" +
      "    at http://localhost/_islands/A-1.js",
  );
});

Deno.test("browserReportToError() drops a line and column that point outside the bundle", () => {
  assert.equal(
    stackOf(
      // The review's SSN-shaped position, and each bound crossed by one.
      "    at e (http://h/_islands/ModeBadge-3f2a9c1b7d4e.js:536224187:4158672)\n" +
        "    at e (http://h/_islands/ModeBadge-3f2a9c1b7d4e.js:2:1)\n" +
        "    at e (http://h/_islands/ModeBadge-3f2a9c1b7d4e.js:1:2002)\n" +
        "    at e (http://h/_islands/chunk-3V4VRQZ6.js:2:42)\n" +
        "    at e (http://h/_islands/A-1.js:0:1)\n" +
        "    at e (http://h/_islands/A-1.js:1:0)\n" +
        "    at e (http://h/_islands/A-1.js:6:1)\n" +
        // An unknown file keeps no position either.
        "    at e (http://h/_islands/quilla.vantreese.js:536224187:4158672)\n" +
        "    at e (zarkowski/quenby.js:3:4)",
    ),
    Array(7).fill("    at e (http://localhost/_islands/").map((line, i) =>
      line +
      [
        "ModeBadge-3f2a9c1b7d4e",
        "ModeBadge-3f2a9c1b7d4e",
        "ModeBadge-3f2a9c1b7d4e",
        "chunk-3V4VRQZ6",
        "A-1",
        "A-1",
        "A-1",
      ][i] + ".js)"
    ).concat("    at e (<unknown>)", "    at e (<unknown>)").join("\n"),
  );
});

Deno.test("browserReportToError() keeps a minified function name of at most two short parts", () => {
  // Any text cut into parts of two characters passed as "minified": each frame carried one.
  const error = browserReportToError({
    type: "TypeError",
    message: "x is undefined",
    stack: "TypeError: x is undefined\n" +
      "    at Qu.en.by.Za.rk.ow.sk.i (http://h/_islands/A-1.js:1:1)\n" +
      "    at j1.d2.o3 (http://h/_islands/A-1.js:1:2)\n" +
      "    at e.t (http://h/_islands/A-1.js:1:3)\n" +
      "    at Object.e (http://h/_islands/A-1.js:1:4)\n" +
      "    at HTMLButtonElement.n (http://h/_islands/A-1.js:1:5)",
    route: "/flags",
  }, BUNDLES);
  assert.equal(
    error.stack,
    "TypeError: x is undefined\n" +
      "    at http://localhost/_islands/A-1.js:1:1\n" +
      "    at http://localhost/_islands/A-1.js:1:2\n" +
      "    at e.t (http://localhost/_islands/A-1.js:1:3)\n" +
      "    at Object.e (http://localhost/_islands/A-1.js:1:4)\n" +
      "    at HTMLButtonElement.n (http://localhost/_islands/A-1.js:1:5)",
  );
});
