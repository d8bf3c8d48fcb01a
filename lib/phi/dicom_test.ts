/**
 * DICOM attributes in logs: the patient module (group 0010) and the study's dates, times,
 * accession number, physicians and institution address (group 0008) are redacted where a tag
 * or a keyword names them, in dcmdump lines, pydicom's repr, DICOM JSON and keyword pairs;
 * UIDs, the patient's sex and technical attributes stay. Every value here is synthetic,
 * built in this file.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

const NAME = ["DOE", "JANE"].join("^");
const DOCTOR = ["ROE", "RICHARD"].join("^");
const BIRTH = "1955" + "0302";
const PATIENT_ID = "48" + "29133";
const STUDY_DATE = "2026" + "1121";
const ACCESSION = "ACC" + "7781";
const AGE = "071" + "Y";
const UID = "1.2.840.10008.5.1.4.1.1.2";

/** Asserts that none of `values` is left in `out`. */
function gone(out: string, values: string[]): void {
  for (const value of values) assert.ok(!out.includes(value), `${value} in ${out}`);
}

Deno.test("dcmdump lines: the bracketed values of patient and study tags", () => {
  const dump = [
    `(0008,0018) UI [${UID}.7]                  #  28, 1 SOPInstanceUID`,
    `(0008,0020) DA [${STUDY_DATE}]             #   8, 1 StudyDate`,
    `(0008,0030) TM [083000]                   #   6, 1 StudyTime`,
    `(0008,0050) SH [${ACCESSION}]              #   8, 1 AccessionNumber`,
    `(0008,0060) CS [CT]                       #   2, 1 Modality`,
    `(0008,0081) ST [12 ELM ST^SPRINGFIELD]    #  20, 1 InstitutionAddress`,
    `(0008,0090) PN [${DOCTOR}]                #  12, 1 ReferringPhysicianName`,
    `(0010,0010) PN [${NAME}]                  #   8, 1 PatientName`,
    `(0010,0020) LO [${PATIENT_ID}]            #   8, 1 PatientID`,
    `(0010,0030) DA [${BIRTH}]                 #   8, 1 PatientBirthDate`,
    `(0010,0040) CS [F]                        #   2, 1 PatientSex`,
    `(0010,1010) AS [${AGE}]                   #   4, 1 PatientAge`,
    `(0010,2154) SH [2175550134]               #  10, 1 PatientTelephoneNumbers`,
    `(0020,000d) UI [${UID}.${STUDY_DATE}]     #  34, 1 StudyInstanceUID`,
    `(0028,0010) US 512                        #   2, 1 Rows`,
  ].join("\n");
  const out = redactText(dump);
  const lines = out.split("\n");
  assert.equal(lines[1], "(0008,0020) DA [[REDACTED:DATE]]             #   8, 1 StudyDate");
  assert.equal(
    lines[7],
    "(0010,0010) PN [[REDACTED:PERSON_NAME]]                  #   8, 1 PatientName",
  );
  assert.equal(lines[11], "(0010,1010) AS [[REDACTED:AGE]]                   #   4, 1 PatientAge");
  gone(out, [NAME, "DOE", "ROE", BIRTH, PATIENT_ID, ACCESSION, AGE, "083000", "ELM", "5550134"]);
  // The UIDs, the sex, the modality and the image attributes stay readable.
  assert.ok(out.includes(`(0008,0018) UI [${UID}.7]`), out);
  assert.ok(out.includes(`(0020,000d) UI [${UID}.${STUDY_DATE}]`), out);
  assert.ok(out.includes("(0010,0040) CS [F]"), out);
  assert.ok(out.includes("(0008,0060) CS [CT]"), out);
  assert.ok(out.includes("(0028,0010) US 512"), out);
});

Deno.test("one tag at a time, and a value with no brackets after its VR", () => {
  const cases: Array<[string, string]> = [
    [`(0010,0010) PN [${NAME}]`, "(0010,0010) PN [[REDACTED:PERSON_NAME]]"],
    [`(0010,0030) DA [${BIRTH}]`, "(0010,0030) DA [[REDACTED:DATE]]"],
    [`(0010,0020) LO [${PATIENT_ID}]`, "(0010,0020) LO [[REDACTED:MRN]]"],
    [`(0010,1010) AS [${AGE}]`, "(0010,1010) AS [[REDACTED:AGE]]"],
    [
      `(0010,1010) AS ${AGE}  # 4, 1 PatientAge`,
      "(0010,1010) AS [REDACTED:AGE]  # 4, 1 PatientAge",
    ],
    // dcm4che writes the length between the VR and the value.
    [
      `(0010,0010) PN #8 [${NAME}] PatientName`,
      "(0010,0010) PN #8 [[REDACTED:PERSON_NAME]] PatientName",
    ],
    // Lower-case hex in the element, as some tools print it.
    [`(0008,002a) DT [${STUDY_DATE}083000]`, "(0008,002a) DT [[REDACTED:DATE]]"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("pydicom's repr: the quoted value after the description and VR", () => {
  const repr = [
    `(0010, 0010) Patient's Name                      PN: '${NAME}'`,
    `(0010, 0020) Patient ID                          LO: '${PATIENT_ID}'`,
    `(0010, 0030) Patient's Birth Date                DA: '${BIRTH}'`,
    `(0010, 1010) Patient's Age                       AS: '${AGE}'`,
    `(0010, 1030) Patient's Weight                    DS: 72.5`,
    `(0008, 0020) Study Date                          DA: '${STUDY_DATE}'`,
    `(0008, 0050) Accession Number                    SH: '${ACCESSION}'`,
    `(0008, 0016) SOP Class UID                       UI: CT Image Storage`,
  ].join("\n");
  const out = redactText(repr);
  gone(out, ["DOE", "JANE", PATIENT_ID, BIRTH, AGE, "72.5", STUDY_DATE, ACCESSION]);
  assert.ok(out.includes("(0010, 0020) Patient ID                          LO: '[REDACTED:MRN]'"));
  assert.ok(out.includes("AS: '[REDACTED:AGE]'"), out);
  assert.ok(out.includes("UI: CT Image Storage"), out);
  // An error that names the tag and quotes the value.
  assert.equal(
    redactText(`InvalidDicomError: bad VR for (0010,0010) PatientName '${NAME}' in IM0001.dcm`),
    "InvalidDicomError: bad VR for (0010,0010) PatientName '[REDACTED:PERSON_NAME]' in IM0001.dcm",
  );
});

Deno.test("DICOM JSON: every value of the element's Value array, plain or escaped", () => {
  const dataset = {
    "00080018": { vr: "UI", Value: [`${UID}.7`] },
    "00080020": { vr: "DA", Value: [STUDY_DATE] },
    "00100010": { vr: "PN", Value: [{ Alphabetic: NAME }] },
    "00100020": { vr: "LO", Value: [PATIENT_ID] },
    "00100030": { vr: "DA", Value: [BIRTH] },
    "00100040": { vr: "CS", Value: ["F"] },
    "00101030": { vr: "DS", Value: [72.5] },
  };
  const json = JSON.stringify(dataset);
  const out = redactText(json);
  gone(out, [STUDY_DATE, "DOE", "JANE", PATIENT_ID, BIRTH, "72.5"]);
  assert.ok(
    out.includes('"00100010":{"vr":"PN","Value":[{"Alphabetic":"[REDACTED:PERSON_NAME]"}]}'),
    out,
  );
  assert.ok(out.includes(`"00080018":{"vr":"UI","Value":["${UID}.7"]}`), out);
  assert.ok(out.includes('"00100040":{"vr":"CS","Value":["F"]}'), out);
  // The same data set inside a JSON log line (its quotes escaped).
  const logged = redactText(JSON.stringify({ msg: `stored ${json}` }));
  gone(logged, [STUDY_DATE, "DOE", "JANE", PATIENT_ID, BIRTH]);
  // An element with no value, then one whose value is technical: nothing is borrowed.
  const empty = JSON.stringify({
    "00100010": { vr: "PN" },
    "00080060": { vr: "CS", Value: ["CT"] },
  });
  assert.equal(redactText(empty), empty);
});

Deno.test("keywords followed by ':', '=' or a VR name their value", () => {
  const cases: Array<[string, string[]]> = [
    [`PatientName: ${NAME}`, ["DOE", "JANE"]],
    [`PatientName=${NAME} PatientID=${PATIENT_ID}`, ["DOE", PATIENT_ID]],
    [`PatientBirthDate=${BIRTH}`, [BIRTH]],
    [`StudyDate=${STUDY_DATE} AccessionNumber=${ACCESSION}`, [STUDY_DATE, ACCESSION]],
    [`OtherPatientIDs: ${PATIENT_ID}\\X${PATIENT_ID}`, [PATIENT_ID]],
    [`PatientAge AS ${AGE}`, [AGE]],
    [`PatientAddress: '12 ELM ST^^SPRINGFIELD'`, ["ELM", "SPRINGFIELD"]],
    [`ReferringPhysicianName = "${DOCTOR}"`, ["ROE", "RICHARD"]],
    [`PatientName: DOE JANE`, ["DOE", "JANE"]],
    [JSON.stringify({ line: `{"PatientName":"${NAME}"}` }), ["DOE", "JANE"]],
  ];
  for (const [text, values] of cases) gone(redactText(text), values);
  // The value ends where the next key starts.
  assert.equal(
    redactText(`PatientName=DOE StudyDate=${STUDY_DATE} ok`),
    "PatientName=[REDACTED:PERSON_NAME] StudyDate=[REDACTED:DATE] ok",
  );
});

Deno.test("UIDs, technical tags and keywords with no value stay as they are", () => {
  for (
    const text of [
      `(0008,0018) UI [${UID}]`,
      `(0020,000d) UI [1.2.840.113619.2.55.3.604688119.969.1268071029.320]`,
      `TransferSyntaxUID=1.2.840.10008.1.2.1`,
      "(0028,0010) US 512 #2 Rows",
      "(0028,0030) DS [0.488281\\0.488281] #18 PixelSpacing",
      "(0018,0050) DS [1.25] SliceThickness",
      "(0008,0060) CS [CT] Modality",
      "(7fe0,0010) OW 0000\\0000\\0000 # 524288, 1 PixelData",
      "(0010,0040) CS [F]",
      "(0010,0010) PN (no value available)",
      "AttributeError: 'FileDataset' object has no attribute 'PatientName'",
      "PatientName is required",
      "missing PatientID in header",
      "StudyDate, AccessionNumber and PatientID are indexed",
      "Patient ages 18-65 were included in the study",
      `"00080016":{"vr":"UI","Value":["${UID}"]}`,
    ]
  ) {
    assert.equal(redactText(text), text, text);
    assert.equal(scanText(text).found, false, text);
  }
});

Deno.test("scan() reports a DICOM value by type and path, never the value", () => {
  const result = scan({ error: { message: `bad dataset: (0010,0010) PN [${NAME}]` } });
  assert.deepEqual(result.findings, [{ type: "PERSON_NAME", path: "$.error.message" }]);
  assert.ok(!JSON.stringify(result).includes("JANE"));
});

/** 100 KB strings for the DICOM reader: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["tags with no value", "(0010,0010)".repeat(9_100)],
  ["unclosed brackets", "(0010,0010) PN [".repeat(6_300)],
  ["unclosed quotes", "(0010,0010) PN: '".repeat(5_900)],
  ["tag prefixes", "(00".repeat(33_400)],
  ["JSON tags with no Value", '"00100010":{"vr":"PN",'.repeat(4_400)],
  ["JSON Value arrays never closed", '"00100010":{"Value":[[['.repeat(4_000)],
  ["keywords and colons", "PatientName: ".repeat(7_700)],
  ["keywords and VRs", "PatientName PN ".repeat(6_700)],
  ["name words after a keyword", "PatientName=A" + " B".repeat(50_000)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of DICOM ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
