/**
 * Dates written with the month name joined to the numbers (`02-Mar-1955`) and record numbers
 * joined to their cue (`patient_4829133`): the forms a security review found stored and echoed
 * unredacted, and the technical strings beside them that must stay clean.
 */
import assert from "node:assert/strict";
import { faker } from "@faker-js/faker";
import { redactText, scan, scanText } from "./mod.ts";

/** The types scan() reports for a value read the way analytics and the event bus read it. */
const strictTypes = (value: string) =>
  scan({ page: value }, { safeKeys: [] }).findings.map((f) => f.type);

Deno.test("month-name dates joined by '-', '/', '.' or a space are dates", () => {
  const cases: Array<[string, string]> = [
    ["02-Mar-1955", "[REDACTED:DATE]"],
    ["02/Mar/1955", "[REDACTED:DATE]"],
    ["02.Mar.1955", "[REDACTED:DATE]"],
    ["02-MAR-1955", "[REDACTED:DATE]"],
    ["2-MAR-55", "[REDACTED:DATE]"],
    ["02-mar-55", "[REDACTED:DATE]"],
    ["2-March-1955", "[REDACTED:DATE]"],
    ["Mar-02-1955", "[REDACTED:DATE]"],
    ["Mar/02/1955", "[REDACTED:DATE]"],
    ["Mar.02.1955", "[REDACTED:DATE]"],
    ["1955-Mar-02", "[REDACTED:DATE]"],
    ["1955/Sept/2", "[REDACTED:DATE]"],
    ["02 Mar 1955", "[REDACTED:DATE]"],
    ["3 March 1985", "[REDACTED:DATE]"],
    ["/api/jobs/02-Mar-1955/status", "/api/jobs/[REDACTED:DATE]/status"],
    ["DOB 02-Mar-1955, seen today", "DOB [REDACTED:DATE], seen today"],
    ["[10/Oct/2000:13:55:36 -0700]", "[[REDACTED:DATE]:13:55:36 -0700]"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), ["DATE"], text);
    assert.deepEqual(scanText(text).findings, [{ type: "DATE", path: "$" }], text);
  }
});

Deno.test("record numbers joined to an MRN cue are MRNs", () => {
  const cases: Array<[string, string]> = [
    ["patient_4829133", "patient_[REDACTED:MRN]"],
    ["patient-4829133", "patient-[REDACTED:MRN]"],
    ["patient=4829133", "patient=[REDACTED:MRN]"],
    ["patient:4829133", "patient:[REDACTED:MRN]"],
    ["Patient #4829133", "Patient #[REDACTED:MRN]"],
    ["Patient: 4829133", "Patient: [REDACTED:MRN]"],
    ["patient-A7460897", "patient-[REDACTED:MRN]"],
    ["patient_4829133_jane", "patient_[REDACTED:MRN]_jane"],
    ["mrn_4829133", "mrn_[REDACTED:MRN]"],
    ["MRN_4829133", "MRN_[REDACTED:MRN]"],
    ["mrn_4829133_jane", "mrn_[REDACTED:MRN]_jane"],
    ["mrn4829133", "mrn[REDACTED:MRN]"],
    ["MRN4829133", "MRN[REDACTED:MRN]"],
    ["MRN-A1234567", "MRN-[REDACTED:MRN]"],
    ["patientId:4829133", "patientId:[REDACTED:MRN]"],
    ["patientID=4829133", "patientID=[REDACTED:MRN]"],
    ["patient_id:4829133", "patient_id:[REDACTED:MRN]"],
    ["PATIENT_ID_4829133", "PATIENT_ID_[REDACTED:MRN]"],
    ["patient-id 4829133", "patient-id [REDACTED:MRN]"],
    ["Patient ID: A12345", "Patient ID: [REDACTED:MRN]"],
    ["medicalRecordNumber: 4829133", "medicalRecordNumber: [REDACTED:MRN]"],
    ["medical_record_number=4829133", "medical_record_number=[REDACTED:MRN]"],
    ["medical-record-number 4829133", "medical-record-number [REDACTED:MRN]"],
    ["encounterId=4829133", "encounterId=[REDACTED:MRN]"],
    ["chartNumber:4829133", "chartNumber:[REDACTED:MRN]"],
    ["GET /p?patient_id=4829133&tab=2", "GET /p?patient_id=[REDACTED:MRN]&tab=2"],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), ["MRN"], text);
    // A request id is scanned as a whole value (lib/http/request_id.ts).
    assert.deepEqual(scan(text).findings, [{ type: "MRN", path: "$" }], text);
  }
});

Deno.test("findings on the joined forms name the type and path, never the text", () => {
  const result = scan(
    { page: "02-Mar-1955", props: { comment: "patient_4829133_jane" } },
    { safeKeys: [] },
  );
  assert.deepEqual(result.findings, [
    { type: "DATE", path: "$.page" },
    { type: "MRN", path: "$.props.comment" },
  ]);
  const json = JSON.stringify(result);
  for (const secret of ["1955", "Mar", "4829133", "jane"]) assert.ok(!json.includes(secret));
});

Deno.test("technical strings beside the joined forms stay clean, whatever the key", () => {
  faker.seed(7);
  const clean = [
    "job-2026-11-23-001",
    "/api/jobs/job-2026-11-23-001/status",
    "patient-export-2026-11-23-001",
    "patient-2026-11-23-001",
    "exp_2024_q3",
    "checkout_v2",
    "patient_portal_v2",
    "patient_2024_q3",
    "patient-search-2024",
    "patient_v2",
    "patient-list-2024",
    "patient_identifier_v3",
    "outpatient_12345",
    "patient 1234 of 5000",
    "chart_12345",
    "promo_01_mar_2025",
    "sprint-12-may",
    "release-2024-mar",
    "mar-2024-q1",
    "v1-mar-22",
    "1-may-2",
    "32-Mar-1955",
    "02-Foo-1955",
    "02-Mar/1955",
    "job-02-Mar-1955-001",
    "2024-Dec",
    "mrn123",
    // Flag keys with an MRN phrase and a year or a dated version (KEY_PATTERN shapes): the
    // year is not a record number, joined by '_', '-' or '.' or glued.
    "med_rec_2024_v2",
    "med-rec-2024",
    "health_record_2025_rollout",
    "patient_id_2024_q3",
    "mrn_2024_q3",
    "encounter_id_2024",
    "chart_no_2024",
    "mrn_v2",
    "patient_id_2024",
    "chart_2025_q1",
    "encounter_2024_11",
    "record_2024_11_23",
    "mrn_2024",
    "mrn-2024",
    "mrn.2024",
    "mrn2024",
    "MRN_2024_11_23",
    "mrn-2024-q3",
    "mrn_2024q3",
    "mrn-v2-2024",
    "patientId_2024",
    "patient_id.2025.q1",
    "medical_record_number_2024_v1",
    "medical-record-number-1999",
    "chart_number_2024",
    "record_number_2024",
    "accession_number_2024_q1",
    "health-record-2025-q1",
    "patient_id_2024_1",
    "encounter_id_2099_beta",
    "chart-2024",
    "0b6f3c3e-4a61-4f0e-9a43-2b1f1f2d9c11",
    "9f2c1ab",
    "1.2.3",
    "2.9.6",
    ...Array.from({ length: 50 }, () => faker.string.uuid()),
    ...Array.from({ length: 50 }, () => faker.git.commitSha()),
  ];
  for (const text of clean) {
    assert.deepEqual(scan({ page: text, flag_key: text }, { safeKeys: [] }).findings, [], text);
    assert.equal(redactText(text), text);
  }
  // Under a technical key ISO timestamps and dated job ids are technical, as before.
  assert.equal(
    scan({ ts: "2026-11-23T10:00:00Z", job_id: "job-2026-11-23-001" }).found,
    false,
  );
});

Deno.test("under a technical key a joined date is left to the key, like a numeric one", () => {
  // (The event bus and analytics scan with no technical keys, where both are dates.)
  assert.equal(scan({ job_id: "02/03/1955" }).found, false);
  assert.equal(scan({ job_id: "02-Mar-1955" }).found, false);
  assert.equal(scan({ job_id: "02-Mar-1955" }, { safeKeys: [] }).found, true);
});

Deno.test("the joined forms finish on adversarial input", () => {
  const inputs = [
    "1-Mar-".repeat(20_000),
    "patient_".repeat(15_000),
    "mrn_1".repeat(20_000),
    "Mar-1-".repeat(20_000),
    "patient-A".repeat(12_000),
  ];
  // The scan must finish (no timing assertion: bench/phi_bench.ts measures).
  for (const text of inputs) {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), text.slice(0, 12));
  }
});
