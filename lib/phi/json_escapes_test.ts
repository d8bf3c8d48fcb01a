/**
 * Text that went through JSON.stringify (or Python's json.dumps) keeps its escapes: `\n` as a
 * backslash and an `n`, `é` as `\u00e9`, `@` as `\u0040`. The escapes are decoded before
 * matching, as percent-escapes are, and the redaction covers the escape's characters.
 */
import assert from "node:assert/strict";
import { redactText, scan } from "./mod.ts";

/** The types scan() reports for a text under a key that names nothing. */
const types = (value: string): string[] => scan({ note: value }).findings.map((f) => f.type);

/** A backslash, so the escapes below read as the two characters they are. */
const B = "\\";

Deno.test("a cue after an escaped line break is read", () => {
  const cases: Array<[string, string, string]> = [
    [`{"note":"seen today${B}nMRN: 4829133"}`, "MRN: [REDACTED:MRN]", "MRN"],
    [`{"note":"seen today${B}nSSN: 219099998"}`, "SSN: [REDACTED:SSN]", "SSN"],
    [`{"note":"x${B}nPatient ID: 4829133"}`, "Patient ID: [REDACTED:MRN]", "MRN"],
    [`{"note":"x${B}nPhone: 555-0132"}`, "Phone: [REDACTED:PHONE]", "PHONE"],
    [`{"note":"x${B}nZip: 94110"}`, "Zip: [REDACTED:ZIP_CODE]", "ZIP_CODE"],
    [`{"note":"x${B}nName: Quenby Zarkowski"}`, "Name: [REDACTED:PERSON_NAME]", "PERSON_NAME"],
    [`{"note":"x${B}nAge: 94"}`, "Age: [REDACTED:AGE]", "AGE"],
    [`Dr. Smith${B}tMRN 4829133`, "MRN [REDACTED:MRN]", "MRN"],
    [`line1${B}r${B}nName: Quenby Zarkowski`, "Name: [REDACTED:PERSON_NAME]", "PERSON_NAME"],
  ];
  for (const [text, part, type] of cases) {
    const out = redactText(text);
    assert.ok(out.includes(part), `${text} -> ${out}`);
    assert.ok(types(text).includes(type), text);
  }
  assert.equal(
    redactText(`Name: Quenby Zarkowski${B}nDOB: 19550302${B}nMRN: 4829133`),
    `Name: [REDACTED:PERSON_NAME]${B}nDOB: [REDACTED:DATE]${B}nMRN: [REDACTED:MRN]`,
  );
  const address = redactText(`742 Evergreen Terrace${B}nSpringfield, OR 97403`);
  for (const part of ["Springfield", "OR", "97403"]) assert.ok(!address.includes(part), address);
});

Deno.test("a JSON string inside a JSON string (escaped twice) is read", () => {
  const inner = JSON.stringify({ note: "seen\nMRN: 4829133" });
  const text = JSON.stringify({ body: inner });
  assert.ok(text.includes(`${B}${B}n`));
  assert.ok(!redactText(text).includes("4829133"), redactText(text));
});

Deno.test("\\uXXXX escapes are decoded, surrogate pairs included", () => {
  assert.equal(
    redactText(`{"note":"seen Jos${B}u00e9 Garc${B}u00eda today"}`),
    `{"note":"seen [REDACTED:PERSON_NAME] today"}`,
  );
  assert.equal(redactText(`{"email":"jane${B}u0040example.org"}`), `{"email":"[REDACTED:EMAIL]"}`);
  assert.equal(redactText(`MRN${B}u003a 4829133`), `MRN${B}u003a [REDACTED:MRN]`);
  assert.equal(redactText(`DOB${B}u003d19550302`), `DOB${B}u003d[REDACTED:DATE]`);
  assert.equal(redactText(`Patient Zo${B}u00eb Ni${B}u00f1o`), "Patient [REDACTED:PERSON_NAME]");
  assert.equal(
    redactText(`${B}ud83d${B}ude00 MRN${B}u003a 4829133`),
    `${B}ud83d${B}ude00 MRN${B}u003a [REDACTED:MRN]`,
  );
  assert.equal(redactText(`see https:${B}/${B}/x.example.org${B}/p${B}/1`), "see [REDACTED:URL]");
});

Deno.test("base64 wrapped with escaped line breaks reads as with real ones", () => {
  const json = JSON.stringify({
    patient_name: "Quenby Zarkowski",
    dob: "1955-03-02",
    mrn: "4829133",
  });
  const b64 = btoa(json);
  for (const width of [60, 64]) {
    const lines = b64.match(new RegExp(`.{1,${width}}`, "g"))!;
    const escaped = redactText(lines.join(`${B}n`));
    assert.equal(escaped, redactText(lines.join("\n")).replaceAll("\n", `${B}n`));
    assert.ok(escaped.includes("[REDACTED:"), escaped);
  }
});

Deno.test("backslashes that are no JSON escape stay as they were", () => {
  for (
    const text of [
      `C:${B}Users${B}nancy${B}file`,
      `regex ${B}d{3}-${B}d{2}-${B}d{4}`,
      `C:${B}${B}${B}${B}new`,
      `${B}${B}server${B}share`,
      `${B}u00zz and ${B}x41`,
    ]
  ) {
    assert.equal(redactText(text), text, text);
    assert.deepEqual(types(text), [], text);
  }
  assert.equal(
    redactText(`C:${B}temp${B}new${B}Patient 4829133.txt`),
    `C:${B}temp${B}new${B}Patient [REDACTED:MRN].txt`,
  );
});

Deno.test("a '+' between words of a form value or query string is a space", () => {
  const cases: Array<[string, string, string]> = [
    ["q=415+555+0132", "q=[REDACTED:PHONE]", "PHONE"],
    ["phone=415+555+0132", "phone=[REDACTED:PHONE]", "PHONE"],
    ["name=Quenby+Zarkowski", "name=[REDACTED:PERSON_NAME]", "PERSON_NAME"],
    ["patient_name=Quenby+Zarkowski", "patient_name=[REDACTED:PERSON_NAME]", "PERSON_NAME"],
    ["?address=742+Evergreen+Terrace", "?address=[REDACTED:STREET_ADDRESS]", "STREET_ADDRESS"],
    ["name=Mary+Smith", "name=[REDACTED:PERSON_NAME]", "PERSON_NAME"],
    ["/patients/Mary+Smith", "/patients/[REDACTED:PERSON_NAME]", "PERSON_NAME"],
    ["bad query q=415+555+0132", "bad query q=[REDACTED:PHONE]", "PHONE"],
    [
      "POST /visits body=x&name=Quenby+Zarkowski&sid=1",
      "POST /visits body=x&name=[REDACTED:PERSON_NAME]&sid=1",
      "PERSON_NAME",
    ],
  ];
  for (const [text, redacted, type] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.ok(types(text).includes(type), text);
  }
  // Inside a URL the decoded space does not end it.
  assert.equal(
    redactText("see https://x.example.org/p?name=Mary+Smith&x=1 ok"),
    "see [REDACTED:URL] ok",
  );
});

Deno.test("a '+' that is no form-encoded space stays a plus", () => {
  for (
    const text of [
      "C++",
      "a+b",
      "1+1=2",
      "%2B",
      "x=1+1",
      "sig=Ab+Cd",
      "version 1.2+3",
      "pkg/foo@1.0.0+build5",
    ]
  ) {
    assert.equal(redactText(text), text, text);
  }
  assert.equal(redactText("+1 415 555 0132"), "[REDACTED:PHONE]");
  assert.equal(redactText("q=%2B14155550132"), "q=[REDACTED:PHONE]");
  // The local part of an e-mail address keeps its '+', so the whole address is redacted.
  assert.equal(redactText("?email=jane+tag@example.org"), "?email=[REDACTED:EMAIL]");
  // Base64 keeps its '+': a run that mixes cases at random is data.
  const email = ["jane.doe", "example.org"].join("@");
  let checked = 0;
  for (let k = 0; checked < 20 && k < 2000; k++) {
    const b64 = btoa(JSON.stringify({ email, note: "seen>>today??" + k }));
    if (!b64.includes("+")) continue;
    checked++;
    assert.equal(redactText(`state=${b64}`), "state=[REDACTED:EMAIL]", b64);
    assert.equal(redactText(`/cb?state=${b64}&x=1`), "/cb?state=[REDACTED:EMAIL]&x=1", b64);
  }
  assert.equal(checked, 20);
});

Deno.test("an e-mail address is redacted whole after a '+' with an encoded '@' or a control escape", () => {
  // Read as a space, the '+' cut the address at its local part; a decoded `\n` took the
  // address's first letter out of the redaction.
  for (
    const [text, redacted] of [
      ["to=Quenby+Zarkowski%40example.org", "to=[REDACTED:EMAIL]"],
      ["from=jane+doe%40example.org&x=1", "from=[REDACTED:EMAIL]&x=1"],
      ["u=quenby+zarkowski%2540example.org", "u=[REDACTED:EMAIL]"],
      ["C:\\temp\\nancy.smith@example.org", "C:\\temp[REDACTED:EMAIL]"],
      ["x=a\\tjane.doe@example.org", "x=a[REDACTED:EMAIL]"],
    ] as const
  ) {
    assert.equal(redactText(text), redacted, text);
  }
});
