/**
 * Record numbers in the wordings hospital systems and their logs use: `MR# 4829133`,
 * `Hospital No:`, `Encounter #`, `Visit ID`, `FIN`, a Postgres key detail, a URL path, an HL7
 * CX field, a health plan's member id in the forms keys write it (`member_id`, `memberId`).
 * Beside them, the technical strings and the documented exclusions that must stay clean.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

/** The types scan() reports for a value read the way analytics and the event bus read it. */
const strictTypes = (value: string) =>
  scan({ page: value }, { safeKeys: [] }).findings.map((f) => f.type);

/** A synthetic record number, built here. */
const ID = String(4_829_133);
/** A synthetic financial number (FIN), 8 digits as issued, built here. */
const FIN = String(48_291_337);
/** A synthetic health-plan member id, built here. */
const MEMBER = "W" + String(48_291_337);

Deno.test("record numbers after hospital cues are MRNs", () => {
  const cases: Array<[string, string]> = [
    [`MR# ${ID}`, "MR# [REDACTED:MRN]"],
    [`MR#${ID}`, "MR#[REDACTED:MRN]"],
    [`MR${ID}`, "MR[REDACTED:MRN]"],
    [`Hospital No: ${ID}`, "Hospital No: [REDACTED:MRN]"],
    [`hospital id ${ID}`, "hospital id [REDACTED:MRN]"],
    [`Encounter #${ID}`, "Encounter #[REDACTED:MRN]"],
    [`Encounter # ${ID}`, "Encounter # [REDACTED:MRN]"],
    [`Encounter No. ${ID}`, "Encounter No. [REDACTED:MRN]"],
    [`Visit ID ${ID}`, "Visit ID [REDACTED:MRN]"],
    [`Visit ID: ${ID}`, "Visit ID: [REDACTED:MRN]"],
    [`visit_id=${ID}`, "visit_id=[REDACTED:MRN]"],
    [`visitNumber: ${ID}`, "visitNumber: [REDACTED:MRN]"],
    [`FIN ${ID}`, "FIN [REDACTED:MRN]"],
    [`FIN: ${ID}`, "FIN: [REDACTED:MRN]"],
    [`FIN ${FIN}`, "FIN [REDACTED:MRN]"],
    [`FIN: ${FIN}`, "FIN: [REDACTED:MRN]"],
    [`FIN# ${FIN}`, "FIN# [REDACTED:MRN]"],
    [`FIN ${ID.slice(0, 6)}`, "FIN [REDACTED:MRN]"],
    [
      `duplicate key value violates unique constraint "patients_mrn_key" Key (mrn)=(${ID}) already exists.`,
      `duplicate key value violates unique constraint "patients_mrn_key" Key (mrn)=([REDACTED:MRN]) already exists.`,
    ],
    [`Key (patient_id)=(${ID})`, "Key (patient_id)=([REDACTED:MRN])"],
    [`Key (patient)=(${ID})`, "Key (patient)=([REDACTED:MRN])"],
    [`GET /api/patients/${ID} 200`, "GET /api/patients/[REDACTED:MRN] 200"],
    [`/patients/${ID}/`, "/patients/[REDACTED:MRN]/"],
    [`/api/patients/${ID}/notes?tab=2`, "/api/patients/[REDACTED:MRN]/notes?tab=2"],
    [`/patient/${ID}`, "/patient/[REDACTED:MRN]"],
    [`subject: Patient/${ID}`, "subject: Patient/[REDACTED:MRN]"],
    [`Patient/${ID}`, "Patient/[REDACTED:MRN]"],
    [`/api/patients/${ID}`, "/api/patients/[REDACTED:MRN]"],
    [`Key (mrn)=(${ID})`, "Key (mrn)=([REDACTED:MRN])"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), ["MRN"], text);
    assert.deepEqual(scanText(text).findings, [{ type: "MRN", path: "$" }], text);
  }
});

Deno.test("HL7 CX identifiers are reported by their identifier type", () => {
  const ssn = ["219", "53", "4821"].join("");
  const cases: Array<[string, string, string[]]> = [
    // In a PID or PV1 segment the whole field goes, by its position (lib/phi/hl7_test.ts).
    [`PID|1||${ID}^^^HOSP^MR`, "PID|1||[REDACTED:MRN]", ["MRN"]],
    [`${ssn}^^^SSA^SS`, "[REDACTED:SSN]^^^SSA^SS", ["SSN"]],
    [
      `PID|1||${ID}^^^HOSP&1.2.840.1&ISO^MR~${ssn}^^^SSA^SS||`,
      "PID|1||[REDACTED:MRN]||",
      ["MRN", "SSN"],
    ],
    [`${ID}^4^M10^HOSP^PI`, "[REDACTED:MRN]^4^M10^HOSP^PI", ["MRN"]],
    [
      `PV1|1|I|||||||||||||||||${ID}^^^HOSP^VN`,
      "PV1|1|I|||||||||||||||||[REDACTED:MRN]",
      [
        "MRN",
      ],
    ],
    [`IN1|1|${ID}^^^PAYER^MB`, "IN1|1|[REDACTED:HEALTH_PLAN]^^^PAYER^MB", ["HEALTH_PLAN"]],
    [`${ID}^^^HOSP^AN`, "[REDACTED:ACCOUNT_NUMBER]^^^HOSP^AN", ["ACCOUNT_NUMBER"]],
  ];
  for (const [text, redacted, types] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), types, text);
  }
});

Deno.test("the exclusions and technical strings beside the record-number cues stay clean", () => {
  for (
    const text of [
      // Documented exclusions.
      "chart_12345",
      "patient 1234 of 5000",
      "patient4829133",
      "patient_2024_q3",
      "mrn_2024_q3",
      "encounter_2024_11",
      "visit_2024_q3",
      "visit-2026-11-23-001",
      // "MR" is an honorific and a merge request before it is a record number.
      "Mr 12345",
      "Mr. 12345",
      "MR1234",
      "MR2024",
      "see MR !1234",
      // Tickets, merge requests, study visits, jobs and FHIR references: 'visit', 'encounter'
      // and 'mr' joined by '-', '_', ':', '=' or '/' to a number are no record number.
      "MR-1234",
      "mr-4821",
      "mr_4821",
      "mr_4821_hotfix",
      "mr-4821-fix-login",
      "mr:12345",
      "MR #4821",
      "visit-0003",
      "visit_1234",
      "VISIT-12345",
      "STUDY-42-VISIT-0003",
      "study42:visit-0003",
      "job:visit:12345",
      "encounter-12345",
      "encounter:1234",
      "Encounter/12345",
      `encounter: ${ID}`,
      `?visit=${ID}`,
      `context: Encounter/${ID}`,
      `MR-${ID}`,
      `visit-${ID}`,
      `encounter_${ID}`,
      // FIN: 6 or more digits after a space, ':' or '#', never '-' or '_'.
      "FIN-1234",
      "FIN_123456",
      "FIN:12345",
      "FIN 4821 dashboard",
      `FIN-${FIN}`,
      `FIN_${FIN}`,
      // "fin" in lower case; a year after FIN.
      "fin 4829133",
      "FIN 2024",
      // Paths and ratios that are not a record.
      "3 patients/1000 population",
      "patients/123456",
      "/api/patients/2024/summary",
      "/api/patients/123",
      "/patients/v2/list",
      // HL7 fields that are not a person's identifier.
      "OBX|1|NM|8867-4^Heart rate^LN||72|/min",
      `${ID}^^^HOSP^XX`,
      `${ID}^^^HOSP^MRX`,
      "12^^^A^MR",
      "Key (flag_key)=(checkout_v2) already exists.",
      "Key (id)=(4829133) already exists.",
    ]
  ) {
    assert.deepEqual(strictTypes(text), [], text);
    assert.deepEqual(scanText(text).findings, [], text);
    assert.equal(redactText(text), text, text);
  }
});

Deno.test("ticket and visit ids after MR-, mr_, FIN-, visit-, visit_ and encounter- stay clean", () => {
  for (const prefix of ["MR-", "mr_", "FIN-", "visit-", "visit_", "encounter-"]) {
    const flagged: string[] = [];
    for (let k = 1; k <= 20_000; k += 7) {
      if (scan(prefix + k, { safeKeys: [] }).found) flagged.push(prefix + k);
    }
    assert.deepEqual(flagged.slice(0, 5), [], prefix);
  }
});

Deno.test("a health plan's member id in the forms keys write it: member_id, memberId, member-id", () => {
  const P = "[REDACTED:HEALTH_PLAN]";
  const cases: Array<[string, string]> = [
    [`member_id=${MEMBER}`, `member_id=${P}`],
    [`MEMBER_ID=${MEMBER}`, `MEMBER_ID=${P}`],
    [`memberId: ${MEMBER}`, `memberId: ${P}`],
    [`memberID=${MEMBER}`, `memberID=${P}`],
    [`member-id ${MEMBER}`, `member-id ${P}`],
    [`{"member_id":"${MEMBER}"}`, `{"member_id":"${P}"}`],
    [`{\\"memberId\\":\\"${MEMBER}\\"}`, `{\\"memberId\\":\\"${P}\\"}`],
    [`{'member_id': '${MEMBER}'}`, `{'member_id': '${P}'}`],
    [`WHERE member_id = '${MEMBER}'`, `WHERE member_id = '${P}'`],
    [`member_id_${ID}`, `member_id_${P}`],
    [`subscriber_id=${MEMBER}`, `subscriber_id=${P}`],
    [`policyNumber: ${MEMBER}`, `policyNumber: ${P}`],
    [`Member ID: ${MEMBER}`, `Member ID: ${P}`],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(scanText(text).findings, [{ type: "HEALTH_PLAN", path: "$" }], text);
  }
  // Joined to a lone year or a version, or too short: flag keys and counters.
  for (const text of ["member_id_2024_q3", "memberId=2024", "member_id=12", "member_count=4821"]) {
    assert.deepEqual(scanText(text).findings, [], text);
  }
});

/** 100 KB strings for the cue and CX readers: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["carets", "1^".repeat(50_000)],
  ["CX heads", "1234^^^".repeat(14_300)],
  ["key details", "Key (mrn)=(".repeat(9_100)],
  ["path segments", "/patients/".repeat(10_000)],
  ["MR hashes", "MR# ".repeat(25_000)],
  ["joined visit ids", "visit-1234-".repeat(9_100)],
  ["FIN cues", "FIN 1 ".repeat(16_700)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}

Deno.test("a long number after 'patient' or 'pt' and a space is a record number; a count is not", () => {
  const cases: Array<[string, string]> = [
    ["patient 77342291 not found", "patient [REDACTED:MRN] not found"],
    ["Patient 77342291", "Patient [REDACTED:MRN]"],
    ["pt 4829133 seen in clinic", "pt [REDACTED:MRN] seen in clinic"],
    ["PATIENT #7734229", "PATIENT #[REDACTED:MRN]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  for (
    const text of ["patient 1234 of 5000", "patient 123456 of 200000", "patient 2024 cohort"]
  ) assert.equal(redactText(text), text, text);
});

Deno.test("a cue right after a name keeps its number: the name does not swallow the cue", () => {
  // Before, the name took the cue word ("Jane Doe MRN") and its number was left as it was.
  const cases: Array<[string, string]> = [
    ["Jane Doe MRN 00482913", "[REDACTED:PERSON_NAME] MRN [REDACTED:MRN]"],
    ["Patient Jane Doe MRN: 4829133", "Patient [REDACTED:PERSON_NAME] MRN: [REDACTED:MRN]"],
    ["John Smith FIN 48291337", "[REDACTED:PERSON_NAME] FIN [REDACTED:MRN]"],
    ["Jane Doe Acct 12345678", "[REDACTED:PERSON_NAME] Acct [REDACTED:ACCOUNT_NUMBER]"],
    ["Jane Doe DL D1234567", "[REDACTED:PERSON_NAME] DL [REDACTED:LICENSE_NUMBER]"],
    ["Jane Doe SSN 536-22-1234", "[REDACTED:PERSON_NAME] SSN [REDACTED:SSN]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  // A cue word with no identifier after it stays in the name ("Brad L Key").
  assert.equal(redactText("directed by Brad L Key and"), "directed by [REDACTED:PERSON_NAME] and");
});

Deno.test("identifiers listed after one cue are each redacted; what follows a list that is no id stays", () => {
  const cases: Array<[string, string]> = [
    ["MRN 5577643, 5577644", "MRN [REDACTED:MRN], [REDACTED:MRN]"],
    ["MRN: 5577643/5577644", "MRN: [REDACTED:MRN]/[REDACTED:MRN]"],
    ["MRN 5577643 and 5577644", "MRN [REDACTED:MRN] and [REDACTED:MRN]"],
    ["MRNs 5577643, 5577644", "MRNs [REDACTED:MRN], [REDACTED:MRN]"],
    [
      "WHERE mrn IN ('5577643','5577644')",
      "WHERE mrn IN ('[REDACTED:MRN]','[REDACTED:MRN]')",
    ],
    ["Acct 12345678 or 87654321", "Acct [REDACTED:ACCOUNT_NUMBER] or [REDACTED:ACCOUNT_NUMBER]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  for (
    const [text, redacted] of <Array<[string, string]>> [
      ["MRN 5577643, 2024 admission", "MRN [REDACTED:MRN], 2024 admission"],
      ["MRN 5577643, 3 days ago", "MRN [REDACTED:MRN], 3 days ago"],
      ["MRN 5577643 and 12 others", "MRN [REDACTED:MRN] and 12 others"],
    ]
  ) assert.equal(redactText(text), redacted, text);
});

Deno.test("a record number joined to `patient` by '.' or to `patients` by ':' is an MRN", () => {
  // Keys written as cache and bus keys; a realtime payload or a research id holding one was
  // accepted as an opaque id.
  for (
    const [text, redacted] of [
      [`patient.${ID}`, "patient.[REDACTED:MRN]"],
      [`patients:${ID}`, "patients:[REDACTED:MRN]"],
      [`redis key patients:${ID}:notes`, "redis key patients:[REDACTED:MRN]:notes"],
    ] as const
  ) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), ["MRN"], text);
  }
  for (const text of ["patient.2024", "patients:12", "patient.v2", "sort by patient.name"]) {
    assert.equal(redactText(text), text, text);
  }
});
