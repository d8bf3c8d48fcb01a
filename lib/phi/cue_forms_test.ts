/**
 * Key-and-value forms the cues read in log lines and error messages beyond `key: value` and
 * `key=value`: arrows (`'mrn' => '4829133'`, a Map or a Ruby hash as printed), XML elements and
 * attributes, header names (`X-Patient-Id:`), credentials in header text. Each value is redacted
 * and the key stays readable; near-misses stay clean. Every value is synthetic, built in this
 * file from parts.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

const GIVEN = "Qu" + "enby";
const FAMILY = "Zar" + "kowski";
const FULL = `${GIVEN} ${FAMILY}`;
const RECORD = "48" + "29133";
const ZIP = "941" + "10";

/** Asserts that each text redacts to what is expected. */
function redacts(cases: ReadonlyArray<readonly [string, string]>): void {
  for (const [text, expected] of cases) assert.equal(redactText(text), expected, text);
}

/** Asserts that each text has no finding. */
function clean(texts: readonly string[]): void {
  for (const text of texts) assert.deepEqual(scanText(text).findings, [], text);
}

Deno.test("arrows: a value cue's value after `=>` or `->` is redacted", () => {
  redacts([
    [`Map(2) { 'mrn' => '${RECORD}' }`, `Map(2) { 'mrn' => '[REDACTED:MRN]' }`],
    [`{ 'zip' => '${ZIP}' }`, `{ 'zip' => '[REDACTED:ZIP_CODE]' }`],
    [`'patient_id' => 'A${RECORD}'`, `'patient_id' => '[REDACTED:MRN]'`],
    [`'member_id' => 'XK${RECORD}'`, `'member_id' => '[REDACTED:HEALTH_PLAN]'`],
    [`mrn=>${RECORD}`, `mrn=>[REDACTED:MRN]`],
    [`mrn -> ${RECORD}`, `mrn -> [REDACTED:MRN]`],
    [`{:mrn => "${RECORD}"}`, `{:mrn => "[REDACTED:MRN]"}`],
  ]);
  // A comparison is no arrow; a count after an arrow is no record number.
  clean([`mrn > 4829`, `if mrn > 0`, `'mrn' => 12`]);
});

Deno.test("XML: a value cue's element or field holds its value", () => {
  redacts([
    [`<mrn>${RECORD}</mrn>`, `<mrn>[REDACTED:MRN]</mrn>`],
    [`<zip>${ZIP}</zip>`, `<zip>[REDACTED:ZIP_CODE]</zip>`],
    [`<Patient_ID>A${RECORD}</Patient_ID>`, `<Patient_ID>[REDACTED:MRN]</Patient_ID>`],
    [`<MemberId>XK${RECORD}</MemberId>`, `<MemberId>[REDACTED:HEALTH_PLAN]</MemberId>`],
    [`<field name="mrn">${RECORD}</field>`, `<field name="mrn">[REDACTED:MRN]</field>`],
  ]);
  // A '>' closing some other tag does not join a cue to a number.
  clean([`<b>mrn</b> > 4829`, `x > mrn > 12`]);
});

Deno.test("name keys: XML elements, FHIR XML, a Postgres key detail, a quoted patient", () => {
  const N = "[REDACTED:PERSON_NAME]";
  redacts([
    [`<PatientName>${FULL}</PatientName>`, `<PatientName>${N}</PatientName>`],
    [`<firstName>${GIVEN}</firstName>`, `<firstName>${N}</firstName>`],
    [
      `<name><family value="${FAMILY}"/><given value="${GIVEN}"/></name>`,
      `<name><family value="${N}"/><given value="${N}"/></name>`,
    ],
    [
      `DETAIL:  Key (full_name)=(${FULL}) already exists.`,
      `DETAIL:  Key (full_name)=(${N}) already exists.`,
    ],
    [`Key (patient_name)=(${FULL})`, `Key (patient_name)=(${N})`],
    [`patient="${FULL}"`, `patient="${N}"`],
    [`{"patient":"${FULL}"}`, `{"patient":"${N}"}`],
    [`patient: '${FULL}'`, `patient: '${N}'`],
    // Unchanged: the record number after `patient`, the name after `Patient`.
    [`patient=${RECORD}`, `patient=[REDACTED:MRN]`],
    [`Patient ${FULL}`, `Patient ${N}`],
  ]);
  clean([
    `<name>Dark Mode</name>`,
    `<family>Sans Serif</family>`,
    `<family value="Arial"/>`,
    `Key (full_name)=(unknown)`,
    `patient="Patient/123"`,
    `{"patient":"active"}`,
    `{"patient":"none"}`,
    `patient: 3 of 40`,
  ]);
});

Deno.test("header names: `X-` before a cue, and camelCase keys ending in one", () => {
  const N = "[REDACTED:PERSON_NAME]";
  redacts([
    [`X-Patient-Id: ${RECORD}`, `X-Patient-Id: [REDACTED:MRN]`],
    [`x-patient-id: ${RECORD}`, `x-patient-id: [REDACTED:MRN]`],
    [`X-MRN: ${RECORD}`, `X-MRN: [REDACTED:MRN]`],
    [`X-Patient-Name: ${FULL}`, `X-Patient-Name: ${N}`],
    [`xPatientName=${FULL}`, `xPatientName=${N}`],
    [`lastPatient="${FULL}"`, `lastPatient="${N}"`],
    [`contactSurname: ${FAMILY}`, `contactSurname: ${N}`],
  ]);
  clean([
    `X-Ray Department`,
    `X-Request-Id: 4829`,
    `lastPatient="Dark Mode"`,
    `x-frame-options: DENY`,
  ]);
});

Deno.test("credentials in header text: Authorization, Cookie, Set-Cookie, x-api-key", () => {
  const S = "[REDACTED:SECRET]";
  // Synthetic: base64 of a made-up user and password, a made-up bearer token and key.
  const basic = btoa("qzarkowski:" + "Hunter" + "22!");
  const bearer = "abcdef" + "0123456789xyz";
  const key = "sk_live_" + "abc123def456";
  redacts([
    [`Authorization: Basic ${basic}`, `Authorization: Basic ${S}`],
    [`authorization=Basic ${basic}`, `authorization=Basic ${S}`],
    [`auth failed: Authorization: Basic ${basic}`, `auth failed: Authorization: Basic ${S}`],
    [`Authorization: Bearer ${bearer}`, `Authorization: Bearer ${S}`],
    [`{"authorization":"Bearer ${bearer}"}`, `{"authorization":"Bearer ${S}"}`],
    [`Cookie: session=${bearer}; theme=dark`, `Cookie: ${S}`],
    [`Set-Cookie: sid=${bearer}; Path=/; HttpOnly\nnext line`, `Set-Cookie: ${S}\nnext line`],
    [`x-api-key: ${key}`, `x-api-key: ${S}`],
    [`X-API-Key: ${key}`, `X-API-Key: ${S}`],
    [`api_key=${key}`, `api_key=${S}`],
  ]);
  clean([
    "authorization was granted",
    "use a Bearer token",
    "Authorization: required",
    "authorization: Bearer",
    "Authorization header missing",
    "cookie: expired",
    "Cookie consent banner",
    "the api key is missing",
  ]);
});

Deno.test("Markdown tables: a header with outer pipes names its columns, the rule is passed", () => {
  const M = "[REDACTED:MRN]";
  const D = "[REDACTED:DATE]";
  const N = "[REDACTED:PERSON_NAME]";
  redacts([
    [
      `| mrn | dob |\n|---|---|\n| ${RECORD} | 19550302 |`,
      `| mrn | dob |\n|---|---|\n|${M}|${D}|`,
    ],
    [
      `| mrn | last |\n| :--- | ---: |\n| ${RECORD} | ${FAMILY} |\n| 5577643 | Doe |\n\nafter`,
      `| mrn | last |\n| :--- | ---: |\n|${M}|${N}|\n|${M}|${N}|\n\nafter`,
    ],
    [`mrn | dob\n---|---\n${RECORD} | 19550302`, `mrn | dob\n---|---\n${M}|${D}`],
  ]);
  clean([`| flag | value |\n|---|---|\n| beta | on |`]);
});

Deno.test("an HTTP status line is no street address", () => {
  clean([
    "upstream returned 502 Bad Gateway",
    "HTTP/1.1 502 Bad Gateway",
    "upstream returned 502 BAD GATEWAY",
  ]);
  redacts([["12 Gateway Blvd", "[REDACTED:STREET_ADDRESS]"]]);
});

Deno.test("a compact birth date after an arrow or in a dob element is a date", () => {
  const BORN = "1955" + "0302";
  redacts([
    [`Map(1) { 'dob' => '${BORN}' }`, `Map(1) { 'dob' => '[REDACTED:DATE]' }`],
    [`dob=>${BORN}`, `dob=>[REDACTED:DATE]`],
    [`dob -> ${BORN}`, `dob -> [REDACTED:DATE]`],
    [`<dob>${BORN}</dob>`, `<dob>[REDACTED:DATE]</dob>`],
  ]);
  // Eight digits after some other tag or arrow stay as they were.
  clean([`<b>${BORN}</b>`, `id => ${BORN}`]);
});

Deno.test("a title or cue joined to the name by '-', '_' or '.' reads as with a space", () => {
  const N = "[REDACTED:PERSON_NAME]";
  const john = "Jo" + "hn";
  const smith = "Smi" + "th";
  const jane = "Ja" + "ne";
  const doe = "Do" + "e";
  const maria = "Mar" + "ia";
  const garcia = "Gar" + "cia";
  // The title is redacted with the name (as in `Dr. John Smith`); a cue word stays.
  const titled = [
    ["Dr", john, smith],
    ["Mr", john, smith],
    ["Dr", jane, doe],
    ["Mrs", jane, doe],
    ["Dr", maria, garcia],
    ["Ms", maria, garcia],
  ];
  const cases: Array<[string, string]> = [];
  for (const parts of titled) {
    for (const sep of ["-", "_", "."]) cases.push([parts.join(sep), N]);
  }
  cases.push(
    [`Patient-${GIVEN}-${FAMILY}`, `Patient-${N}`],
    [`Patient.${GIVEN}-${FAMILY}`, `Patient.${N}`],
    [`Patient_${GIVEN}_${FAMILY}`, `Patient_${N}`],
    [`Patient-${john}-${smith}`, `Patient-${N}`],
    [`Pt-${GIVEN}-${FAMILY}`, `Pt-${N}`],
    [`patient-${GIVEN}-${FAMILY}`, `patient-${N}`],
    [`Dr-${smith}`, N],
    [`DR-${john.toUpperCase()}-${smith.toUpperCase()}`, N],
    // In a log line, and with a tail that is no name part.
    [`assigned to Dr-${maria}-${garcia} today`, `assigned to ${N} today`],
    [`Dr_${john}_${smith}_notes.pdf`, `${N}_notes.pdf`],
    [`Patient-${GIVEN}-${FAMILY}-v2`, `Patient-${N}-v2`],
  );
  for (const [text, expected] of cases) {
    assert.equal(redactText(text), expected, text);
    // As analytics and the bus guard scan a value: every key is a value's.
    const types = scan({ v: text }, { safeKeys: [] }).findings.map((f) => f.type);
    assert.deepEqual(types, ["PERSON_NAME"], text);
  }
});

Deno.test("technical identifiers joined to a title or cue word stay clean", () => {
  const ids = [
    "dr-run",
    "ms-sql",
    "MS-SQL",
    "MS-DOS",
    "mr-merge-request",
    "patient-portal-v2",
    "patient-list-redesign",
    "patient_portal_sso",
    "Patient_Banner",
    "Patient-Portal-V2",
    "Patient-List-Redesign",
    "Patient.Identifier",
    "Patient.Name.Given",
    "Dr-Run-Now",
    "Mr-Merge-Request",
    "Ms-Teams",
    "Mr-Robot",
    "PT-INR",
    "Pt-Status",
    "Dr-Who",
    "sr-Latn",
    "pt-BR",
    "Patient_Portal",
    "MS-Excel",
    "MS-Teams",
  ];
  for (const id of ids) {
    assert.deepEqual(scan({ v: id }, { safeKeys: [] }).findings, [], id);
    assert.equal(redactText(id), id, id);
  }
});
