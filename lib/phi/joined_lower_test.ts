/**
 * A lower-case name joined to its title or to `patient`/`pt` by '-', '_' or '.', the way a
 * slug, a file name or an identifier writes `Dr. John Smith` (`dr-john-smith`,
 * `patient_jane_doe`, `mrs.jane.doe`, `/blog/dr-john-smith`): 316a167 read the capitalised
 * form only. Only names from the bundled dictionaries count (two or three parts, one of them
 * no everyday word), so technical identifiers built on the same words stay clean. Names are
 * put together from parts here.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan } from "./mod.ts";

const N = "[REDACTED:PERSON_NAME]";
const john = "jo" + "hn";
const smith = "smi" + "th";
const jane = "ja" + "ne";
const doe = "do" + "e";
const maria = "mar" + "ia";
const garcia = "gar" + "cia";

/** Asserts the text redacts as expected and that scan() of it as a value finds one name. */
function found(cases: ReadonlyArray<readonly [string, string]>): void {
  for (const [text, expected] of cases) {
    assert.equal(redactText(text), expected, text);
    // As analytics and the bus guard scan a value: every key is a value's.
    const types = scan({ v: text }, { safeKeys: [] }).findings.map((f) => f.type);
    assert.deepEqual(types, ["PERSON_NAME"], text);
  }
}

Deno.test("a lower-case dictionary name joined to a title is a name, the title with it", () => {
  const cases: Array<[string, string]> = [];
  for (const title of ["dr", "mr", "mrs", "ms", "miss", "mx", "prof", "Dr", "Mrs"]) {
    for (const sep of ["-", "_", "."]) {
      cases.push([[title, john, smith].join(sep), N]);
      cases.push([[title, jane, doe].join(sep), N]);
      cases.push([[title, maria, garcia].join(sep), N]);
    }
  }
  found(cases);
});

Deno.test("a lower-case dictionary name joined to patient or pt is a name, the cue stays", () => {
  found([
    [`patient_${jane}_${doe}`, `patient_${N}`],
    [`patient-${jane}-${doe}`, `patient-${N}`],
    [`patient.${jane}.${doe}`, `patient.${N}`],
    [`pt-${john}-${smith}`, `pt-${N}`],
    [`pt_${john}_${smith}`, `pt_${N}`],
    [`Patient_${maria}_${garcia}`, `Patient_${N}`],
    [`PT-${jane}-${doe}`, `PT-${N}`],
  ]);
});

Deno.test("joined lower-case names in slugs, paths, file names and log lines", () => {
  found([
    [`/blog/dr-${john}-${smith}`, `/blog/${N}`],
    [`GET /doctors/dr-${jane}-${doe}/profile 200`, `GET /doctors/${N}/profile 200`],
    [`saved dr_${john}_${smith}_notes.pdf`, `saved ${N}_notes.pdf`],
    [`exported patient_${jane}_${doe}.csv`, `exported patient_${N}.csv`],
    [`see mrs.${maria}.${garcia} today`, `see ${N} today`],
    [`dr-${john}-${smith}-2024`, `${N}-2024`],
  ]);
  // A whole value under a key that is not technical.
  const out = redact({ slug: `dr-${john}-${smith}` }) as { slug: string };
  assert.equal(out.slug, N);
  // Under a technical key nothing of this is read.
  assert.equal(scan({ job_id: `dr-${john}-${smith}` }).found, false);
});

Deno.test("technical identifiers on a title or cue word stay clean in lower case", () => {
  const ids = [
    "dr-run",
    "ms-sql",
    "pt-br",
    "pt-pt",
    "mr-in",
    "ms-my",
    "sr-latn",
    "patient-portal-v2",
    "patient_portal_sso",
    "patient_list_view",
    "patient-list-redesign",
    // `who` is an everyday word: the fan site of a television doctor is no person's name.
    "dr-who-fan",
    "dr-who",
    "mr-merge-request",
    "ms-teams",
    "ms-word",
    "dr-strange",
    // Disaster-recovery sites and regions named after cities: one part is no full name.
    "dr-london",
    "dr-austin",
    "dr-london-01",
    "dr-austin-failover",
    "dr-virginia-standby",
    // Milliseconds and points in metric names.
    "ms.max",
    "ms-min",
    "latency.ms.max",
    "http.server.duration.ms.max",
    "pt.max",
    "font_pt_min",
    "pt_grace_period",
    "dr.mode",
    "mr-1234",
    `dr-${john}2-${smith}`,
  ];
  for (const id of ids) {
    assert.deepEqual(scan({ v: id }, { safeKeys: [] }).findings, [], id);
    assert.equal(redactText(id), id, id);
  }
});
