import assert from "node:assert/strict";
import { browserReportToError, errorTypeTemplate, messageTemplate } from "./browser.ts";

Deno.test("messageTemplate() keeps engine messages readable", () => {
  for (
    const [input, output] of <Array<[string, string]>> [
      ["Offset out of range", "Offset out of range"],
      ["Failed to fetch", "Failed to fetch"],
      ["Assignment to constant variable.", "Assignment to constant variable."],
      ["fooBar is not a function", "fooBar is not a function"],
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

Deno.test("messageTemplate() reduces digits, quoted text and unknown capitalised words", () => {
  for (
    const [input, output] of <Array<[string, string]>> [
      ["Record #7741293 missing", "Record #0 missing"],
      ["pt. Zarkowski has no chart", "pt. … has no chart"],
      ["ZARKOWSKI^QUENBY^^^MR", "…^…^^^…"],
      ["Zarkowski has no chart", "… has no chart"],
      ["no chart for mrn7741293 since 03/02/1955", "no chart for mrn0 since 0/0/0"],
      ["unterminated 'quenby zarkowski", "unterminated '…'"],
      ["“Quenby Zarkowski” not found", "'…' not found"],
      ["Żarkowska not found", "… not found"],
      ["McDonald not found", "… not found"],
      ["ZarkowskiError thrown", "… thrown"],
      ["O'Brien's chart", "…'…'s chart"],
      ["see https://example.org/patients/zarkowski?id=7", "see <url>"],
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

Deno.test("browserReportToError() keeps frame lines only, and the templates", () => {
  const error = browserReportToError({
    type: "Zarkowski",
    message: "pt. Zarkowski has no chart",
    stack: "Zarkowski: pt. Zarkowski has no chart\nsecond line of 'x'\n" +
      "    at refresh (http://127.0.0.1:8000/_islands/A-1.js:1:2345)\n" +
      "Note: Zarkowski 7741293\n" +
      "    at async boot (http://127.0.0.1:8000/_islands/A-1.js:1:120)",
    route: "/flags",
  });
  assert.equal(error.name, "Error");
  assert.equal(error.message, "pt. … has no chart");
  assert.equal(
    error.stack,
    "Error: pt. … has no chart\n" +
      "    at refresh (http://127.0.0.1:8000/_islands/A-1.js:1:2345)\n" +
      "    at async boot (http://127.0.0.1:8000/_islands/A-1.js:1:120)",
  );
});
