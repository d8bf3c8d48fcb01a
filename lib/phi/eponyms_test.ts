/**
 * Eponyms: a surname right before the disease, statistic or institution it names is no
 * person. A research platform's searches, cohort names and error messages are full of them
 * (`Parkinson's disease`, `Pearson correlation`, `Mayo Clinic`); flagged as names, they made
 * analytics events and log lines lose the very terms researchers work with.
 */
import assert from "node:assert/strict";
import { redactText, scan } from "./mod.ts";

Deno.test("eponyms stay as they are", () => {
  for (
    const text of [
      "Parkinson disease",
      "search: Parkinson's disease cohort",
      "export of the Wilson Disease cohort failed",
      "Hodgkin lymphoma, stage II",
      "Cushing syndrome",
      "Creutzfeldt-Jakob disease",
      "Pearson correlation 0.82",
      "Spearman's rank correlation",
      "Gleason score 7",
      "Apgar Score 9",
      "enrolled at Mayo Clinic",
      "Reviewed Parkinson disease cohort",
      "Kaplan-Meier estimate",
      "Guillain-Barre syndrome",
      "Cox regression",
      "Baylor College of Medicine",
    ]
  ) {
    assert.equal(redactText(text), text, text);
    assert.equal(scan({ search_term: text }).found, false, text);
  }
});

Deno.test("people with those surnames are still found", () => {
  const cases: Array<[string, string]> = [
    // A first name makes the pair a person's, whatever follows.
    ["Mary Wilson disease history", "[REDACTED:PERSON_NAME] disease history"],
    ["Olive Pearson score sheet", "[REDACTED:PERSON_NAME] score sheet"],
    // So does another name before the surname.
    [
      "Reviewed Braden Parkinson score sheet",
      "Reviewed [REDACTED:PERSON_NAME] [REDACTED:PERSON_NAME] score sheet",
    ],
    // A cue names the person whatever follows.
    ["Dr. Wilson clinic notes", "[REDACTED:PERSON_NAME] clinic notes"],
    ["Patient: Parkinson, Anna", "Patient: [REDACTED:PERSON_NAME]"],
    // Nouns that follow a person's name in ordinary writing are no eponym's.
    ["Jane Smith test results", "[REDACTED:PERSON_NAME] test results"],
    ["Wilson visited today", "[REDACTED:PERSON_NAME] visited today"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("only a listed surname before its own noun is an eponym: patients before such nouns stay names", () => {
  // Each of these was let through when any name before any eponym noun counted (a first name,
  // a possessive, a surname not listed, a hyphenated surname pair).
  const cases: Array<[string, string]> = [
    ["Garcia's score was 4", "[REDACTED:PERSON_NAME]'s score was 4"],
    ["Taylor's hospital stay", "[REDACTED:PERSON_NAME]'s hospital stay"],
    ["Anderson's fracture healed", "[REDACTED:PERSON_NAME]'s fracture healed"],
    ["Emily score 7 on the PHQ-9", "[REDACTED:PERSON_NAME] score 7 on the PHQ-9"],
    ["Mary hospital admission", "[REDACTED:PERSON_NAME] hospital admission"],
    ["Contacted Rodriguez hospital", "Contacted [REDACTED:PERSON_NAME] hospital"],
    ["spoke to Lopez clinic staff", "spoke to [REDACTED:PERSON_NAME] clinic staff"],
    ["Kim clinic visit", "[REDACTED:PERSON_NAME] clinic visit"],
    ["Jones clinic notes", "[REDACTED:PERSON_NAME] clinic notes"],
    ["Garcia-Lopez score 4", "[REDACTED:PERSON_NAME] score 4"],
    ["Smith-Jones disease", "[REDACTED:PERSON_NAME] disease"],
    // A listed surname before a noun that is not its eponym's.
    ["Wilson hospital stay", "[REDACTED:PERSON_NAME] hospital stay"],
    ["Parkinson clinic visit", "[REDACTED:PERSON_NAME] clinic visit"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.equal(scan({ search_term: text }).found, true, text);
  }
});
