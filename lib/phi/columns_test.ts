/**
 * Delimited exports with a header row: the columns a header names as an identifier are redacted
 * in the rows under it, whatever they hold; tables of counts, codes and dates stay as they are.
 * Every value is synthetic, built here.
 */
import assert from "node:assert/strict";
import { redactText, scanText } from "./mod.ts";

const MRN = "48291" + "33";
const LAST = "Zarkow" + "ski";
const FIRST = "Quen" + "by";
const BORN = "1955" + "0302";

Deno.test("the identifier columns of a CSV, TSV, ; or | export are redacted under their header", () => {
  const cases: Array<[string, string]> = [
    [
      `mrn,last,first,dob\n${MRN},${LAST},${FIRST},${BORN}`,
      "mrn,last,first,dob\n[REDACTED:MRN],[REDACTED:PERSON_NAME],[REDACTED:PERSON_NAME],[REDACTED:DATE]",
    ],
    [
      `MRN\tLast\tFirst\tDOB\tSex\n${MRN}\t${LAST}\t${FIRST}\t${BORN}\tF`,
      "MRN\tLast\tFirst\tDOB\tSex\n[REDACTED:MRN]\t[REDACTED:PERSON_NAME]\t[REDACTED:PERSON_NAME]\t[REDACTED:DATE]\tF",
    ],
    [
      `MRN|LAST|FIRST|DOB\r\n${MRN}|${LAST.toUpperCase()}|${FIRST.toUpperCase()}|${BORN}`,
      "MRN|LAST|FIRST|DOB\r\n[REDACTED:MRN]|[REDACTED:PERSON_NAME]|[REDACTED:PERSON_NAME]|[REDACTED:DATE]",
    ],
    // A bare `name` beside an identifier column is a person's name; quoted cells stay whole.
    [
      `mrn;name;site\n${MRN};"${LAST}, ${FIRST}";NORTH-02`,
      "mrn;name;site\n[REDACTED:MRN];[REDACTED:PERSON_NAME];NORTH-02",
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("every row under the header, until a blank line or another shape", () => {
  const text = [
    "patient_id,surname,given,birth_date,postcode",
    `${MRN},${LAST},${FIRST},1955-03-02,62701`,
    `4829134,Okonk${"wo"},Tams${"in"},1961-07-14,62702`,
    `4829135,,NULL,,`,
    "",
    "done: 3 rows,0 errors",
  ].join("\n");
  const out = redactText(text);
  for (const value of [MRN, LAST, FIRST, "4829134", "Okonkwo", "Tamsin", "62701", "62702"]) {
    assert.ok(!out.includes(value), `${value} in ${out}`);
  }
  // Empty and null cells stay; the line after the blank one is no row.
  assert.ok(out.includes("[REDACTED:MRN],,NULL,,"), out);
  assert.ok(out.endsWith("\n\ndone: 3 rows,0 errors"), out);
});

Deno.test("tables without an identifier column stay as they are", () => {
  for (
    const text of [
      "site,month,n_patients,n_visits,mean_age\nSPRINGFIELD-01,2026-11,4821,12093,61.2",
      // (An ISO date in a row is a date by the value rules, header or not.)
      "week,admissions,discharges\n47,142,131\n48,150,139",
      "loinc,display,count\n2345-7,Glucose,10234\n718-7,Hemoglobin,9921",
      // A listing with names but no identifier column: flags, packages.
      "name,enabled,rollout\ncheckout,true,50\nnew-dashboard,false,0",
      "| name | count |\n| --- | --- |\n| checkout | 12 |",
      "key\tvalue\nretries\t3",
    ]
  ) {
    assert.equal(redactText(text), text, text);
    assert.equal(scanText(text).found, false, text);
  }
});

Deno.test("a header needs short names: a data line or prose is no header", () => {
  // The first line is data (digits first), so nothing says what the columns are.
  const noHeader = `${MRN},Report,Ready,2026\n4829134,Report,Ready,2026`;
  assert.equal(redactText(noHeader), noHeader);
  // Prose with commas is no header.
  const prose = "We sent the dob, the zip and the phone fields, as agreed\nthen it failed, twice";
  assert.equal(redactText(prose), prose);
});

Deno.test("scanText() finishes on 100 KB of header-like and row-like lines", () => {
  for (
    const text of [
      "mrn,x\n".repeat(16_000),
      "a,b,c\n".repeat(16_000),
      "mrn," + "x,".repeat(50_000),
      "\n".repeat(100_000) + "mrn,dob",
      `mrn,dob\n${'"'.repeat(100_000)}`,
    ]
  ) {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), text.slice(0, 12));
  }
});

Deno.test("a Markdown row with an escaped pipe in a cell or an extra cell is still a row", () => {
  const N = "[REDACTED:PERSON_NAME]";
  const cases: Array<[string, string]> = [
    // `\|` is a pipe inside the cell, no delimiter.
    [
      `| mrn | name | note |\n|---|---|---|\n| ${MRN} | ${FIRST} ${LAST} | a \\| b |\n`,
      `| mrn | name | note |\n|---|---|---|\n|[REDACTED:MRN]|${N}| a \\| b |\n`,
    ],
    [
      `| mrn | last |\n|---|---|\n| ${MRN} | ${LAST} \\| ${FIRST} |`,
      `| mrn | last |\n|---|---|\n|[REDACTED:MRN]|${N}|`,
    ],
    // A cell beyond the header's (Markdown renderers drop it) leaves the others readable.
    [
      `| mrn | last | first |\n|---|---|---|\n| ${MRN} | ${LAST} | ${FIRST} | extra |\n`,
      `| mrn | last | first |\n|---|---|---|\n|[REDACTED:MRN]|${N}|${N}| extra |\n`,
    ],
    // A row with fewer cells (renderers leave the rest empty), and the rows after it.
    [
      `| mrn | last |\n|---|---|\n| ${MRN} |\n| 4829134 | ${LAST} |`,
      `| mrn | last |\n|---|---|\n|[REDACTED:MRN]|\n|[REDACTED:MRN]|${N}|`,
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("a Markdown table ends at a line without a pipe; an escaped pipe in a header is no delimiter", () => {
  const text = `| mrn | last |\n|---|---|\n| ${MRN} | ${LAST} |\nthe notes, below\n`;
  assert.equal(
    redactText(text),
    `| mrn | last |\n|---|---|\n|[REDACTED:MRN]|[REDACTED:PERSON_NAME]|\nthe notes, below\n`,
  );
  const flags = "| flag \\| name | value |\n|---|---|\n| beta | on |";
  assert.equal(redactText(flags), flags);
});

Deno.test("a patient column is a name column", () => {
  const N = "[REDACTED:PERSON_NAME]";
  const cases: Array<[string, string]> = [
    [
      `| patient | status |\n|---|---|\n| ${FIRST} ${LAST} | discharged |`,
      `| patient | status |\n|---|---|\n|${N}| discharged |`,
    ],
    [
      `| Patient | Ward |\n| --- | --- |\n| ${LAST}, ${FIRST} | 4B |`,
      `| Patient | Ward |\n| --- | --- |\n|${N}| 4B |`,
    ],
    [
      `| Patient Name | Ward |\n| --- | --- |\n| ${FIRST} ${LAST} | 4B |`,
      `| Patient Name | Ward |\n| --- | --- |\n|${N}| 4B |`,
    ],
    [`patient|status\n${FIRST} ${LAST}|ok`, `patient|status\n${N}|ok`],
    [`patient,status\n${FIRST} ${LAST},ok`, `patient,status\n${N},ok`],
    [`Patient\tstatus\n${FIRST} ${LAST}\tok`, `Patient\tstatus\n${N}\tok`],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  // Columns about patients, not a patient, stay as they are.
  for (
    const text of [
      "site,n_patients\nNORTH,12",
      "| patients | visits |\n|---|---|\n| 12 | 30 |",
      "| patient_count | site |\n|---|---|\n| 12 | NORTH |",
    ]
  ) assert.equal(redactText(text), text, text);
});

Deno.test("known edge: a name cue in a header row takes the next column as a name", () => {
  // The header-row rule (14007eb, 22cb6a7) was reverted: it left names in lines shaped like a
  // header ('Patient,Status,<given> <surname>', 'Patient,Sky'). Over-redaction: the column
  // beside the cue is redacted; the rows under a patient column are still names.
  const N = "[REDACTED:PERSON_NAME]";
  const cases: Array<[string, string]> = [
    ["Patient,Status", `Patient,${N}`],
    ["Patient, Status", `Patient, ${N}`],
    [`Patient,Status\n${LAST},admitted`, `Patient,${N}\n${N},admitted`],
    [`Patient, Status\n${LAST}, admitted`, `Patient, ${N}\n${N}, admitted`],
    [`Patient,${LAST}`, `Patient,${N}`],
    [`Patient,${FIRST} ${LAST}`, `Patient,${N}`],
    ["Patient,Mary", `Patient,${N}`],
    [`Patient, ${LAST}, admitted`, `Patient, ${N}, admitted`],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  for (const text of [`Patient, Status, ${LAST}`, `Patient,Status,${LAST}`]) {
    assert.equal(redactText(text).includes(LAST), false, text);
    assert.equal(scanText(text).found, true, text);
  }
});
