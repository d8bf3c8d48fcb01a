/**
 * The labelled evaluation corpus, generated at test time from a fixed seed so that no
 * realistic PHI sits on disk. Values come from @faker-js/faker (en locale), whose name lists
 * are not the scanner's dictionary (1990 US Census lists); identifiers faker does not make
 * (SSN, NPI, MBI, MRN) are generated here to their published formats.
 *
 * Three parts:
 * - positives: one identifier per record, embedded in free text or a value, labelled with
 *   its type and JSON path;
 * - evasions and near-misses: hand-written shapes around generated values;
 * - technical payloads: analytics, job and error events with no PHI at all.
 */
import { faker, fakerDE, fakerES, fakerFR, fakerPL } from "@faker-js/faker";
import { vinCheckDigit } from "../../lib/phi/checksums.ts";
import type { PhiType } from "../../lib/phi/mod.ts";

export const CORPUS_SEED = 20_240_601;
export const PER_TYPE = 200;

export interface Label {
  type: PhiType;
  path: string;
}

export interface LabelledRecord {
  /** What kind of case this is, for reports ("EMAIL", "evasion:full-width", ...). */
  kind: string;
  value: unknown;
  /** Expected findings; empty for negatives. */
  labels: Label[];
  /** The identifier text planted in a positive (for scoring text redactors on it). */
  planted?: string;
}

const pick = <T>(items: readonly T[]): T => faker.helpers.arrayElement(items);
const digits = (n: number) => faker.string.numeric({ length: n, allowLeadingZeros: true });

/** The identifier most recently planted by a generator. */
let planted = "";
/** Records `value` as the planted identifier and returns it. */
const mark = (value: string) => (planted = value);

/** Embeds a value in one of a few free-text templates or leaves it bare. */
function embed(text: string, templates: readonly string[]): string {
  return pick(templates).replace("{}", mark(text));
}

/** Wraps text in a small payload at a random, labelled path. */
function place(kind: string, type: PhiType, text: string): LabelledRecord {
  const record = placeValue(kind, type, text);
  if (text.includes(planted)) record.planted = planted;
  return record;
}

function placeValue(kind: string, type: PhiType, text: string): LabelledRecord {
  switch (faker.number.int({ min: 0, max: 3 })) {
    case 0:
      return { kind, value: { note: text }, labels: [{ type, path: "$.note" }] };
    case 1:
      return {
        kind,
        value: { event: "form_submitted", props: { comment: text, step: 2 } },
        labels: [{ type, path: "$.props.comment" }],
      };
    case 2:
      return {
        kind,
        value: { exception: { values: [{ type: "Error", value: text }] } },
        labels: [{ type, path: "$.exception.values[0].value" }],
      };
    default:
      return { kind, value: { messages: ["ok", text] }, labels: [{ type, path: "$.messages[1]" }] };
  }
}

/** A US SSN that satisfies the SSA rules (area 001-899 except 666, group and serial non-zero). */
export function fakeSsnParts(): [string, string, string] {
  let area = faker.number.int({ min: 1, max: 899 });
  if (area === 666 || area === 78 || area === 219 || area === 457 || area === 123) area = 501;
  const group = faker.number.int({ min: 1, max: 99 });
  const serial = faker.number.int({ min: 1, max: 9999 });
  return [
    String(area).padStart(3, "0"),
    String(group).padStart(2, "0"),
    String(serial).padStart(4, "0"),
  ];
}

function luhnCheckDigit(body: string, seed = 0): string {
  let sum = seed;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** An NPI: 1 or 2, eight digits, a Luhn check digit over "80840" + the first nine. */
export function fakeNpi(): string {
  const body = pick(["1", "2"]) + digits(8);
  return body + luhnCheckDigit(body, 24);
}

const MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY";
/** A Medicare Beneficiary Identifier in the CMS format. */
export function fakeMbi(): string {
  const letter = () => pick([...MBI_LETTERS]);
  const alnum = () => pick([...MBI_LETTERS, ..."0123456789"]);
  const digit = () => String(faker.number.int({ min: 0, max: 9 }));
  return String(faker.number.int({ min: 1, max: 9 })) + letter() + alnum() + digit() + letter() +
    alnum() + digit() + letter() + letter() + digit() + digit();
}

/** A VIN from faker with its check digit set, as every North American VIN has. */
export function fakeVin(): string {
  const vin = faker.vehicle.vin().toUpperCase().replace(/[IOQ]/g, "X");
  return vin.slice(0, 8) + vinCheckDigit(vin) + vin.slice(9);
}

function fakeDate(): string {
  const d = faker.date.birthdate({ min: 1930, max: 2015, mode: "year" });
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const mm = String(m).padStart(2, "0");
  const dd = String(day).padStart(2, "0");
  const month = d.toLocaleString("en-US", { month: "long", timeZone: "UTC" });
  const short = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  return pick([
    `${y}-${mm}-${dd}`,
    `${m}/${day}/${y}`,
    `${mm}/${dd}/${y}`,
    `${dd}.${mm}.${y}`,
    `${dd}-${mm}-${y}`,
    `${month} ${day}, ${y}`,
    `${day} ${month} ${y}`,
    `${short} ${day} ${y}`,
    `${day}th of ${month} ${y}`,
    d.toISOString(),
  ]);
}

function fakeMrn(): string {
  const id = mark(
    pick([
      () => digits(8),
      () => digits(7),
      () => faker.string.alpha({ length: 1, casing: "upper" }) + digits(7),
      () => `${digits(4)}-${digits(3)}`,
      () => `PT-${digits(6)}`,
    ])(),
  );
  return pick([
    `MRN: ${id}`,
    `MRN ${id}`,
    `medical record number ${id}`,
    `Medical record no. ${id}`,
    `chart #${id}`,
    `chart number: ${id}`,
    `patient id ${id}`,
    `Patient ID: ${id}`,
  ]);
}

/**
 * A date of birth in a month-name form joined by a separator, as clinical systems and ids
 * write it: `02-Mar-1955`, `02/Mar/1955`, `02.Mar.1955`, `2-MAR-55`, `Mar-02-1955`,
 * `1955-Mar-02`, `02 Mar 1955`.
 */
function fakeJoinedDate(): string {
  const d = faker.date.birthdate({ min: 1930, max: 2015, mode: "year" });
  const y = d.getUTCFullYear();
  const day = d.getUTCDate();
  const dd = String(day).padStart(2, "0");
  const month = d.toLocaleString("en-US", { month: "long", timeZone: "UTC" });
  const short = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const upper = short.toUpperCase();
  const yy = String(y % 100).padStart(2, "0");
  const sep = pick(["-", "/", "."]);
  return pick([
    `${dd}${sep}${short}${sep}${y}`,
    `${dd}-${upper}-${y}`,
    `${day}-${upper}-${yy}`,
    `${dd}-${short}-${yy}`,
    `${day}-${month}-${y}`,
    `${short}-${dd}-${y}`,
    `${y}-${short}-${dd}`,
    `${dd} ${short} ${y}`,
  ]);
}

/**
 * A record number joined to its cue as keys, ids and query strings write it:
 * `patient_4829133`, `mrn_4829133`, `patientId:4829133`, `PATIENT_ID_4829133`,
 * `patient_4829133_jane`, `mrn4829133`.
 */
function fakeJoinedMrn(): string {
  const id = mark(pick([() => digits(7), () => digits(8), () => `A${digits(7)}`])());
  const bare = /^\d+$/.test(id) ? id : digits(8);
  return pick([
    () => `patient_${id}`,
    () => `patient-${id}`,
    () => `Patient #${id}`,
    () => `mrn_${id}`,
    () => `MRN_${id}`,
    () => `mrn${mark(bare)}`,
    () => `patientId:${id}`,
    () => `patient_id=${id}`,
    () => `PATIENT_ID_${id}`,
    () => `patient-id ${id}`,
    () => `medicalRecordNumber: ${id}`,
    () => `encounterId=${id}`,
    () => `patient_${id}_${faker.person.firstName().toLowerCase()}`,
  ])();
}

/**
 * The joined forms (month-name dates, record numbers), PER_TYPE / 2 of each, labelled DATE
 * and MRN. Generated after the rest of the corpus, so that adding them left every earlier
 * record as it was.
 */
function joinedPositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 2; i++) {
    out.push(place(
      "DATE",
      "DATE",
      embed(fakeJoinedDate(), ["{}", "DOB {}", "/api/jobs/{}/status", "admitted {} to ward 4"]),
    ));
  }
  for (let i = 0; i < PER_TYPE / 2; i++) out.push(place("MRN", "MRN", fakeJoinedMrn()));
  return out;
}

/**
 * Technical strings beside the joined forms, under keys that are not technical (so every
 * detector reads them, as analytics properties and job ids on the bus are read): job ids,
 * flag keys with underscores and digits, dates joined by '_' in flag keys, "patient" and
 * "chart" in feature and widget names, month names beside numbers with no full date, UUIDs
 * and hashes. None may be flagged.
 */
function joinedNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  const two = (n: number) => String(n).padStart(2, "0");
  for (let i = 0; i < 10; i++) {
    const y = faker.number.int({ min: 2020, max: 2030 });
    const m = two(faker.number.int({ min: 1, max: 12 }));
    const d = two(faker.number.int({ min: 1, max: 28 }));
    const q = faker.number.int({ min: 1, max: 4 });
    const mon = pick(["jan", "Feb", "mar", "MAY", "Sep", "oct", "dec", "june"]);
    bad("near:job-id-dated", { page: `/api/jobs/job-${y}-${m}-${d}-${digits(3)}/status` });
    bad("near:job-id-dated", { job: `patient-export-${y}-${m}-${d}-${digits(3)}` });
    bad("near:flag-key", { flag: `exp_${y}_q${q}`, variant: `checkout_v${q}` });
    bad("near:flag-key-dated", { flag: `promo_${d}_${mon}_${y}` });
    bad("near:flag-key-patient", { flag: `patient_portal_v${q}`, page: `patient_${y}_q${q}` });
    bad("near:flag-key-patient", { flag: `patient-search-${y}`, step: `patient_v${q}` });
    bad("near:widget-id", { widget: `chart_${digits(5)}`, view: `chart-v${q}` });
    bad("near:month-no-date", { note: `sprint-${d}-${mon}`, release: `release-${y}-${mon}` });
    bad("near:month-no-date", { note: `v${q}-${mon}-${two(y % 100)}`, step: `${mon}-${y}-q${q}` });
    bad("near:uuid-hash-free", {
      page: faker.string.uuid(),
      ref: faker.git.commitSha(),
      tag: faker.string.hexadecimal({ length: 40, prefix: "" }),
    });
  }
  return out;
}

/**
 * Flag keys and versions that put a year, or a date written as a version, after an MRN cue
 * (`med_rec_2024_v2`, `patient_id_2024_q3`, `mrn-2024`, `encounter_2024_11`): the year is
 * not a record number. Under keys that are not technical, like joinedNearMisses(); generated
 * after it, so every earlier record stays as it was. None may be flagged.
 */
function joinedYearNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  const two = (n: number) => String(n).padStart(2, "0");
  const cues = [
    "mrn",
    "med_rec",
    "med-rec",
    "health_record",
    "patient_id",
    "encounter_id",
    "chart_no",
    "chart_number",
    "record_number",
    "medical_record_number",
    "accession_number",
    "patientId",
  ];
  for (let i = 0; i < 10; i++) {
    const y = faker.number.int({ min: 1990, max: 2035 });
    const m = two(faker.number.int({ min: 1, max: 12 }));
    const d = two(faker.number.int({ min: 1, max: 28 }));
    const q = faker.number.int({ min: 1, max: 4 });
    const c = pick(cues);
    const sep = c.includes("-") ? "-" : "_";
    bad("near:flag-key-mrn-year", {
      flag_key: `${c}${sep}${y}`,
      page: `${c}${sep}${y}${sep}q${q}`,
    });
    bad("near:flag-key-mrn-year", {
      flag_key: `${c}${sep}${y}${sep}v${q}`,
      variant: `${c}${sep}${y}${sep}${pick(["rollout", "beta", "canary", "pilot"])}`,
    });
    bad("near:flag-key-mrn-year", { flag_key: `mrn${y}`, page: `mrn-${y}-q${q}` });
    bad("near:flag-key-mrn-dated", {
      flag_key: `${c}${sep}${y}${sep}${m}`,
      page: `record_${y}_${m}_${d}`,
      variant: `encounter_${y}_${m}`,
    });
    bad("near:flag-key-mrn-version", { flag_key: `${c}${sep}v${q}`, page: `chart_${y}_q${q}` });
  }
  return out;
}

/**
 * Names and dates whose redaction must cover all of them, PER_TYPE / 4 of each form: surname
 * first with a comma (`Patient: GARCIA, JOSE`, `Name: Smith, Mary`), particles (`Dr. van der
 * Berg`), a first name before a surname that is an everyday word (`Mary Smith`), and a day and
 * month with a comma before the year (`2 March, 1955`). Generated after the rest of the corpus,
 * so that adding them left every earlier record as it was.
 */
function wholeSpanPositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const everyday = ["Smith", "Brown", "Young", "King", "White", "Green", "Wood", "Hill", "Bell"];
  const particles = ["van der", "van", "de la", "von", "de", "da", "van den", "del"];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    out.push(
      place("PERSON_NAME", "PERSON_NAME", `Patient: ${mark(`${last}, ${first}`.toUpperCase())}`),
      place("PERSON_NAME", "PERSON_NAME", `Name: ${mark(`${last}, ${first}`)} (guarantor)`),
      place(
        "PERSON_NAME",
        "PERSON_NAME",
        `Dr. ${mark(`${pick(particles)} ${faker.person.lastName()}`)} reviewed the chart`,
      ),
      place(
        "PERSON_NAME",
        "PERSON_NAME",
        `${mark(`${faker.person.firstName()} ${pick(everyday)}`)} was seen today`,
      ),
    );
  }
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const d = faker.date.birthdate({ min: 1930, max: 2015, mode: "year" });
    const month = d.toLocaleString("en-US", {
      month: pick(["long", "short"]),
      timeZone: "UTC",
    });
    const date = `${d.getUTCDate()} ${month}, ${d.getUTCFullYear()}`;
    out.push(place("DATE", "DATE", embed(date, ["born {}", "DOB {}", "{}", "admitted {}."])));
  }
  return out;
}

/**
 * Dates of birth as clinical systems and exports write them (PER_TYPE / 4): compact digits and
 * two-digit years after a birth cue (`DOB 19550302`, `dob=19550302`, `D.O.B. 03021955`,
 * `DOB: 02-03-55`, `DOB: 02.03.55`), SAS DATE9 (`02MAR1955`). Generated after the rest, so every
 * earlier record stays as it was.
 */
function birthDatePositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const d = faker.date.birthdate({ min: 1930, max: 2015, mode: "year" });
    const y = String(d.getUTCFullYear());
    const mm = String(d.getUTCMonth() + 1).padStart(2, "0");
    const dd = String(d.getUTCDate()).padStart(2, "0");
    const mon = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" }).toUpperCase();
    const text = pick([
      () => `DOB ${mark(`${y}${mm}${dd}`)}`,
      () => `dob=${mark(`${y}${mm}${dd}`)}&tab=2`,
      () => `D.O.B. ${mark(`${mm}${dd}${y}`)}`,
      () => `date of birth: ${mark(`${y}${mm}${dd}`)}`,
      () => `DOB: ${mark(`${dd}-${mm}-${y.slice(2)}`)}`,
      () => `DOB: ${mark(`${dd}.${mm}.${y.slice(2)}`)}`,
      () => `BIRTHDT=${mark(`${dd}${mon}${y}`)},SEX=F`,
      () => mark(`${dd}${mon}${y}`),
    ])();
    out.push(place("DATE", "DATE", text));
  }
  return out;
}

/**
 * HL7 v2 segments as an interface engine's error logs them (PER_TYPE / 4 of each): a patient's
 * or next of kin's name (`DOE^JANE^Q`) and a birth date (`19550302`) in their PID and NK1
 * fields, which only the field's position marks. Generated after the rest.
 */
function hl7Positives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const xpn = () =>
    `${faker.person.lastName().toUpperCase()}^${faker.person.firstName().toUpperCase()}^${
      faker.string.alpha({ length: 1, casing: "upper" })
    }`;
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const d = faker.date.birthdate({ min: 1930, max: 2015, mode: "year" });
    const ymd = d.toISOString().slice(0, 10).replaceAll("-", "");
    const sep = pick(["\r", "\n", " "]);
    out.push(
      place("hl7:pid-name", "PERSON_NAME", `ADT rejected:${sep}PID|1||||${mark(xpn())}||`),
      place("hl7:pid-birth-date", "DATE", `PID|${i + 1}||||||${mark(ymd)}|F|||`),
      place("hl7:nk1-name", "PERSON_NAME", `NK1|1|${mark(xpn())}|SPO`),
    );
  }
  return out;
}

/**
 * Identifiers in the forms logs and error reports carry them (PER_TYPE / 4 of each): a key and a
 * quoted value (JSON, SQL), a name key, FHIR JSON, DICOM attributes, X12 segments and a CSV
 * export under its header. One identifier type per record. Generated after the rest.
 */
function formatPositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const last = faker.person.lastName();
    const first = faker.person.firstName();
    const d = faker.date.birthdate({ min: 1930, max: 2015, mode: "year" });
    const ymd = d.toISOString().slice(0, 10).replaceAll("-", "");
    out.push(
      place(
        "format:json-mrn",
        "MRN",
        `validation failed for {"mrn":"${mark(fakeMrn())}","step":2}`,
      ),
      place("format:sql-mrn", "MRN", `SELECT * FROM visits WHERE mrn = '${mark(fakeMrn())}'`),
      place("format:name-key", "PERSON_NAME", `update rejected: last_name="${mark(last)}"`),
      place(
        "format:fhir-name",
        "PERSON_NAME",
        `{"resourceType":"Patient","name":[{"family":"${mark(last)}","given":["${first}"]}]}`,
      ),
      place(
        "format:dicom-name",
        "PERSON_NAME",
        `(0010,0010) PN [${mark(`${last.toUpperCase()}^${first.toUpperCase()}`)}]`,
      ),
      place("format:dicom-birth-date", "DATE", `(0010,0030) DA [${mark(ymd)}]`),
      place(
        "format:x12-name",
        "PERSON_NAME",
        `NM1*IL*1*${mark(last.toUpperCase())}*${first.toUpperCase()}~`,
      ),
      place("format:csv-name", "PERSON_NAME", `last,first\n${mark(last)},${first}`),
    );
  }
  return out;
}

/** The technical neighbours of those forms (PER_TYPE / 4 of each): none may be flagged. */
function formatNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, note: string) => out.push({ kind, value: { note }, labels: [] });
  for (let i = 0; i < PER_TYPE / 4; i++) {
    bad("near:json-technical", `{"flag_key":"checkout_v${i}","count":"${digits(5)}"}`);
    bad("near:dicom-uid", `(0020,000D) UI [1.2.840.10008.${digits(4)}.${digits(6)}]`);
    bad(
      "near:x12-envelope",
      `GS*HC*SENDER*RECEIVER*20261122*0830*${digits(4)}*X*005010X222A1~ST*837*${digits(4)}~`,
    );
    bad("near:csv-counts", `site,week,n_patients\nNORTH-${digits(2)},${i + 1},${digits(4)}`);
  }
  return out;
}

/** HL7 segments that name no person (PER_TYPE / 4 of each): headers and observations. */
function hl7NearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const control = faker.string.alphanumeric({ length: 10, casing: "upper" });
    out.push(
      {
        kind: "near:hl7-msh",
        value: {
          note: `MSH|^~\\&|ADT|HOSP|RF|RF|2026112208${digits(4)}||ADT^A01|${control}|P|2.5.1`,
        },
        labels: [],
      },
      {
        kind: "near:hl7-obx",
        value: {
          note: `OBX|${i + 1}|NM|2345-7^Glucose^LN||${
            faker.number.int({ min: 60, max: 300 })
          }|mg/dL|70-99|H|||F`,
        },
        labels: [],
      },
    );
  }
  return out;
}

/**
 * Technical strings beside the birth-date forms (PER_TYPE / 4): dated run, build and job ids,
 * two-digit-year and DATE9 shapes with no birth cue, versions, file names. Under keys that are
 * not technical; generated after the rest. None may be flagged.
 */
function birthDateNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  const two = (n: number) => String(n).padStart(2, "0");
  for (let i = 0; i < PER_TYPE / 20; i++) {
    const y = faker.number.int({ min: 2020, max: 2030 });
    const m = two(faker.number.int({ min: 1, max: 12 }));
    const d = two(faker.number.int({ min: 1, max: 28 }));
    const mon = pick(["jan", "feb", "mar", "may", "sep", "oct", "dec"]);
    bad("near:dated-id", { job: `run_${y}${m}${d}`, page: `/api/jobs/job-${y}${m}${d}-001` });
    bad("near:dated-id", { note: `build ${y}${m}${d} deployed`, ref: `release-${y}${m}${d}` });
    bad("near:two-digit-year", {
      note: `sprint ${d}-${m}-${y % 100}`,
      release: `${d}.${m}.${y % 100}`,
    });
    bad("near:two-digit-year", { version: `1.${m}.${d}`, note: `see v${m}.${d}.${y % 100}` });
    bad("near:date9-shape", {
      file: `backup_${d}${mon}${y}.tar`,
      tag: `${d}${mon.toUpperCase()}${y % 100}`,
    });
  }
  return out;
}

/**
 * Ages in clinical wording (PER_TYPE / 4), over 89 as Safe Harbor names them: `Age: 94`,
 * `age=94`, `94 y.o.`, `94yo`, `94 yrs`, `94 yr old`, `94 years of age`, `(94 y)`. Generated
 * after the rest, so every earlier record stays as it was.
 */
function agePositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const age = mark(String(faker.number.int({ min: 90, max: 109 })));
    const text = pick([
      `Age: ${age}`,
      `?age=${age}&sex=F`,
      `${age} y.o. female, lives alone`,
      `${age}yo M with fall`,
      `pt is ${age} yrs`,
      `${age} yr old widower`,
      `${age} years of age`,
      `widow (${age} y) seen today`,
    ]);
    out.push(place("AGE", "AGE", text));
  }
  return out;
}

/**
 * Durations, counts and parameters beside the age wordings (PER_TYPE / 4): numbers before
 * `yrs` below 90, `years` with no age wording, a sex after a number with no age cue, `page=`,
 * `stage:`. Under keys that are not technical; generated after the rest. None may be flagged.
 */
function ageNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  for (let i = 0; i < PER_TYPE / 20; i++) {
    const n = faker.number.int({ min: 1, max: 89 });
    const big = faker.number.int({ min: 90, max: 109 });
    bad("near:duration", { note: `smoked ${n} yrs`, step: `${n}yrs experience` });
    bad("near:duration", { note: `for ${big} years`, step: `${big} yoga classes` });
    bad("near:sex-no-cue", { note: `${big}F`, step: `bed ${big} M` });
    bad("near:parameter", { page: `/list?page=${big}&stage=${n % 5}`, note: `usage: ${big}` });
    bad("near:parameter", { note: `average=${big}`, step: `stage: ${n % 5}` });
  }
  return out;
}

/**
 * Record numbers in hospital wordings (PER_TYPE / 4): `MR# 4829133`, `MR4829133`, `Hospital No:`,
 * `Encounter #`, `Visit ID`, `FIN`, a Postgres key detail, a URL path, an HL7 CX field. Generated
 * after the rest, so every earlier record stays as it was.
 */
function hospitalMrnPositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const id = mark(digits(faker.number.int({ min: 6, max: 9 })).replace(/^0/, "4"));
    const text = pick([
      `MR# ${id}`,
      `MR${id}`,
      `Hospital No: ${id}`,
      `Encounter #${id}`,
      `Visit ID ${id}`,
      `FIN ${id}`,
      `Key (mrn)=(${id}) already exists.`,
      `GET /api/patients/${id}/notes 200`,
      `PID|1||${id}^^^HOSP^MR`,
    ]);
    out.push(place("MRN", "MRN", text));
  }
  return out;
}

/**
 * Technical strings beside the hospital record-number wordings (PER_TYPE / 4): merge requests
 * and honorifics before numbers, years after the cues, ratios and API paths with no record,
 * HL7 fields that hold no person's identifier, key details of other columns. Under keys that
 * are not technical; generated after the rest. None may be flagged.
 */
function hospitalMrnNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  for (let i = 0; i < PER_TYPE / 20; i++) {
    const y = faker.number.int({ min: 1990, max: 2035 });
    const n = faker.number.int({ min: 1000, max: 9999 });
    const q = faker.number.int({ min: 1, max: 4 });
    bad("near:merge-request", { note: `merged MR${n}`, step: `see MR !${n}` });
    bad("near:mrn-cue-year", { flag: `visit_${y}_q${q}`, page: `FIN ${y}`, step: `MR${y}` });
    bad("near:api-path", {
      page: `/api/patients/${y}/summary`,
      note: `3 patients/${n} population`,
    });
    bad("near:hl7-other", {
      note: `OBX|${q}|NM|8867-4^Heart rate^LN||${n % 200}|/min`,
      step: `${digits(7)}^^^HOSP^XX`,
    });
    bad("near:key-detail", { note: `Key (flag_key)=(checkout_v${q}) already exists.` });
  }
  return out;
}

/**
 * Names with diacritics (PER_TYPE / 4): a first name and one surname from faker's Spanish,
 * Polish, French and German lists, kept when either carries an accent (`José García`,
 * `Łukasz Wójcik`), with no cue (half) or after `Spoke with`. Those locales draw from their own
 * generators, seeded here, and the records come after the rest: every earlier record stays as
 * it was.
 */
function accentedNamePositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const locales = [fakerES, fakerPL, fakerFR, fakerDE];
  for (const f of locales) f.seed(CORPUS_SEED);
  for (let i = 0, k = 0; out.length < PER_TYPE / 4 && k < 10_000; k++) {
    const f = locales[k % locales.length]!;
    const first = f.person.firstName().split(" ")[0]!;
    const last = f.person.lastName().split(" ")[0]!;
    const name = `${first} ${last}`;
    if (!/[^\u0020-\u007e]/.test(name)) continue; // a letter beyond ASCII
    const text = i++ % 2 === 0
      ? `${mark(name)} was seen today`
      : `Spoke with ${mark(name)} about the results`;
    out.push(place("PERSON_NAME", "PERSON_NAME", text));
  }
  return out;
}

/**
 * Ticket, merge-request, study-visit, job, snapshot and cache-header strings beside the hospital
 * record-number, DATE9 and age wordings (the review of those rules): `visit`, `encounter` and
 * `mr` joined by '-', '_', ':' or '/' to a number, `FIN` before a short or joined number, DATE9
 * joined by '_' to a word that is no birth cue, `age` as the tail of a joined token, age groups
 * and numbers above 130. The listed strings and generated ids under keys that are not technical
 * (flag keys, job ids, event payloads, analytics properties read them); generated last, so
 * every earlier record stays as it was. None may be flagged.
 */
function reviewedNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  const listed: Array<[string, string[]]> = [
    ["near:ticket-id", [
      "MR-1234",
      "mr-4821",
      "mr_4821",
      "mr_4821_hotfix",
      "mr-4821-fix-login",
      "mr:12345",
      "FIN-1234",
      "FIN_123456",
      "FIN:12345",
      "FIN 4821 dashboard",
    ]],
    ["near:visit-id", [
      "visit-0003",
      "visit_1234",
      "VISIT-12345",
      "STUDY-42-VISIT-0003",
      "study42:visit-0003",
      "job:visit:12345",
      "encounter-12345",
      "encounter:1234",
      "Encounter/12345",
    ]],
    ["near:date9-joined", [
      "snapshot_01JAN2025",
      "SNAPSHOT_01JAN2025",
      "report_01Jan2025.csv",
      "adsl_01MAR2025",
      "DCO_01MAR2025",
    ]],
    ["near:age-key", [
      "max-age=300",
      "max_age=600",
      "cache-control: no-cache, max-age=0",
      "min-age=30",
      "token_age=45",
      "Age: 65+",
      "age: 18-24",
      "age: 18 - 24",
      "Age: 18+ cohort only",
      "age: 131",
      "Age: 200",
    ]],
  ];
  for (const [kind, texts] of listed) for (const text of texts) bad(kind, { note: text });
  for (let i = 0; i < PER_TYPE / 20; i++) {
    const n = String(faker.number.int({ min: 1, max: 20_000 }));
    const id = digits(faker.number.int({ min: 6, max: 9 })).replace(/^0/, "4");
    const mon = pick(["JAN", "Feb", "MAR", "Sep", "DEC"]);
    const d = String(faker.number.int({ min: 1, max: 28 })).padStart(2, "0");
    const y = faker.number.int({ min: 2020, max: 2030 });
    bad("near:ticket-id", { flag: `mr_${n}_hotfix`, step: `MR-${n}`, note: `FIN-${id}` });
    bad("near:visit-id", { job: `job:visit:${n}`, page: `visit_${n}`, note: `encounter-${id}` });
    bad("near:date9-joined", { job: `snapshot_${d}${mon}${y}`, note: `adsl_${d}${mon}${y}.xpt` });
    bad("near:age-key", { note: `max-age=${n}`, step: `Age: ${faker.number.int(99)}+` });
  }
  return out;
}

const SENTENCE = [
  "{}",
  "please contact {} tomorrow",
  "Note from intake: {}.",
  "value was {} (entered by hand)",
  "Re: {} - follow up",
];

/** Positive records, PER_TYPE per type, one identifier each. */
function positives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const gen: Array<[PhiType, () => string]> = [
    ["EMAIL", () => embed(faker.internet.email(), SENTENCE)],
    [
      "PHONE",
      () =>
        embed(
          pick([
            () => faker.phone.number({ style: "human" }),
            () => faker.phone.number({ style: "national" }),
            () => faker.phone.number({ style: "international" }),
          ])(),
          ["call {}", "phone: {}", "{}", "fax {} after 5pm", "reach me on {}"],
        ),
    ],
    [
      "SSN",
      () => {
        const [a, g, s] = fakeSsnParts();
        const sep = pick(["-", " ", "."]);
        return pick([
          () => mark(`${a}${sep}${g}${sep}${s}`),
          () => `SSN ${mark(`${a}${g}${s}`)}`,
          () => `social security number: ${mark(`${a}-${g}-${s}`)}`,
          () => `ssn ${mark(`${a}${sep}${g}${sep}${s}`)}`,
        ])();
      },
    ],
    ["CREDIT_CARD", () => embed(faker.finance.creditCardNumber(), SENTENCE)],
    [
      "NPI",
      () => pick(["NPI {}", "provider NPI: {}", "prescriber {}"]).replace("{}", mark(fakeNpi())),
    ],
    ["IBAN", () => embed(faker.finance.iban({ formatted: faker.datatype.boolean() }), SENTENCE)],
    ["VIN", () => embed(fakeVin(), SENTENCE)],
    [
      "IP_ADDRESS",
      () =>
        embed(faker.datatype.boolean() ? faker.internet.ipv4() : faker.internet.ipv6(), SENTENCE),
    ],
    ["MBI", () => embed(fakeMbi(), SENTENCE)],
    ["URL", () => embed(faker.internet.url() + pick(["", "/profile", "/p?id=12"]), SENTENCE)],
    ["DATE", () => embed(fakeDate(), ["born {}", "DOB {}", "admitted on {}", "seen {} in clinic"])],
    ["MRN", fakeMrn],
    [
      "STREET_ADDRESS",
      () => embed(faker.location.streetAddress(faker.datatype.boolean()), ["lives at {}", "{}"]),
    ],
    [
      "ZIP_CODE",
      () => pick(["zip code {}", "ZIP: {}"]).replace("{}", mark(faker.location.zipCode())),
    ],
    [
      "PERSON_NAME",
      () =>
        pick([
          () => `Patient ${mark(faker.person.fullName())} was seen today`,
          () => `Dr. ${mark(faker.person.lastName())} reviewed the chart`,
          () => `Name: ${mark(`${faker.person.firstName()} ${faker.person.lastName()}`)}`,
          () =>
            `Spoke with ${
              mark(`${faker.person.firstName()} ${faker.person.lastName()}`)
            } about the results`,
          () => `Mrs. ${mark(faker.person.lastName())} called back`,
        ])(),
    ],
    ["MAC_ADDRESS", () => embed(faker.internet.mac(), ["device {}", "{}", "mac {}"])],
    ["IMEI", () => embed(faker.phone.imei(), ["imei {}", "{}"])],
  ];
  for (const [type, make] of gen) {
    for (let i = 0; i < PER_TYPE; i++) out.push(place(type, type, make()));
  }
  return out;
}

const FULL_WIDTH = (s: string) =>
  s.replace(/[0-9@.]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** Evasions: every one must be caught. */
export function evasions(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const [a, g, s] = fakeSsnParts();
    const email = faker.internet.email();
    const phone = faker.phone.number({ style: "national" });
    out.push(
      place("evasion:full-width-ssn", "SSN", FULL_WIDTH(`${a}-${g}-${s}`)),
      place("evasion:full-width-email", "EMAIL", FULL_WIDTH(email)),
      place("evasion:odd-hyphens-ssn", "SSN", `${a}\u2010${g}\u2212${s}`),
      place("evasion:zero-width-email", "EMAIL", email.replace("@", "\u200b@\u200d")),
      place("evasion:zero-width-phone", "PHONE", phone.split("").join("\u200b")),
      place("evasion:percent-email", "EMAIL", `to=${email.replace("@", "%40")}`),
      place("evasion:entity-email", "EMAIL", email.replace("@", "&#64;").replace(".", "&period;")),
      place("evasion:base64-ssn", "SSN", `payload ${btoa(`ssn ${a}-${g}-${s}`)}`),
      place("evasion:base64-email", "EMAIL", btoa(`{"user":"${email}"}`)),
      place("evasion:nbsp-phone", "PHONE", phone.replace(/ /g, "\u00a0")),
      {
        kind: "evasion:split-keys",
        value: { ssn: { a, b: `${g}-${s}` } },
        labels: [{ type: "SSN", path: "$.ssn" }],
      },
      {
        kind: "evasion:split-keys",
        value: { phone_parts: { a: phone.slice(0, 5), b: phone.slice(5) } },
        labels: [{ type: "PHONE", path: "$.phone_parts" }],
      },
      {
        kind: "evasion:key-holds-phi",
        value: { [email]: true },
        labels: [{ type: "EMAIL", path: '$["[REDACTED]"]' }],
      },
    );
  }
  return out;
}

/**
 * Evasions through encodings (20 of each): a value percent-encoded twice (`%2540` for '@',
 * `%252D` for '-'), base64 after `key=` (`state=<base64 of JSON with an e-mail>`, URL-safe,
 * unpadded). Generated after the rest, so every earlier record stays as it was.
 */
function encodingEvasions(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const [a, g, s] = fakeSsnParts();
    const email = faker.internet.email();
    const state = btoa(JSON.stringify({ email, step: i }))
      .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
    out.push(
      place("evasion:double-percent-email", "EMAIL", `to=${email.replace("@", "%2540")}`),
      place("evasion:double-percent-ssn", "SSN", `q=ssn%253D${a}%252D${g}%252D${s}`),
      place("evasion:base64-after-key", "EMAIL", `/cb?code=${digits(6)}&state=${state}`),
    );
  }
  return out;
}

/** Near-misses: shapes that look like identifiers but are not; none may be flagged. */
export function nearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  for (let i = 0; i < 10; i++) {
    const [, g, s] = fakeSsnParts();
    bad("near:ssn-area-000", { note: `ref 000-${g}-${s}` });
    bad("near:ssn-area-666", { note: `ref 666-${g}-${s}` });
    bad("near:ssn-area-9xx", { note: `ref 9${digits(2)}-${g}-${s}` });
    bad("near:ssn-group-00", { note: `ref 123-00-${s}` });
    bad("near:ssn-serial-0000", { note: `ref 321-${g}-0000` });
    const card = faker.finance.creditCardNumber().replace(/\D/g, "");
    const last = (Number(card.at(-1)) + 1) % 10;
    bad("near:card-bad-luhn", { note: `order ${card.slice(0, -1)}${last}` });
    const iban = faker.finance.iban();
    bad("near:iban-bad-checksum", { note: `ref ${iban.slice(0, 2)}00${iban.slice(4)}` });
    bad("near:version-under-version", { version: `${i}.2.3.4`, name: "api" });
    bad("near:uuid", { id: faker.string.uuid(), request_id: faker.string.uuid() });
    bad("near:sha", {
      commit: faker.git.commitSha(),
      hash: faker.string.hexadecimal({ length: 64 }),
    });
    bad("near:timestamps", {
      ts: faker.date.recent().toISOString(),
      created_at: faker.date.past().toISOString(),
    });
    bad("near:epoch-ms", { ts: faker.date.recent().getTime(), count: 1_700_000_000_000 + i });
    bad("near:job-id", {
      job_id: `job-2024-${digits(4)}`,
      research_id: `res_${faker.string.alphanumeric(10)}`,
    });
  }
  bad("near:ssn-sample", { note: "example 078-05-1120 from the card" });
  return out;
}

/** Technical payloads with no PHI: analytics, flags, jobs, errors, health. */
export function technicalPayloads(count = 400): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const flags = ["new-dashboard", "beta_export", "consent-banner-v2", "fast_search", "darkMode"];
  for (let i = 0; i < count; i++) {
    const kind = i % 5;
    let value: unknown;
    if (kind === 0) {
      value = {
        event: pick(["page_view", "button_click", "flag_evaluated", "export_started"]),
        event_id: faker.string.uuid(),
        session_id: faker.string.uuid(),
        ts: faker.date.recent().toISOString(),
        props: {
          flag_key: pick(flags),
          variant: pick(["on", "off", "control", "treatment"]),
          page: pick(["/dashboard", "/projects", "/settings/flags", "/studies/overview"]),
          duration_ms: faker.number.int({ min: 1, max: 5000 }),
          count: faker.number.int({ min: 0, max: 99999 }),
          enabled: faker.datatype.boolean(),
        },
      };
    } else if (kind === 1) {
      value = {
        type: pick(["job.progress", "job.completed", "job.started"]),
        job_id: `job_${faker.string.alphanumeric(12)}`,
        research_id: `res-${faker.number.int({ min: 1000, max: 9999 })}`,
        progress: faker.number.float({ min: 0, max: 1, fractionDigits: 2 }),
        rows_processed: faker.number.int({ min: 0, max: 10_000_000 }),
        started_at: faker.date.recent().toISOString(),
        epoch_ms: faker.date.recent().getTime(),
      };
    } else if (kind === 2) {
      value = {
        level: "error",
        release: faker.system.semver(),
        environment: pick(["production", "staging", "development"]),
        exception: {
          values: [{
            type: pick(["TypeError", "RangeError", "PostgresError", "AbortError"]),
            value: pick([
              "Cannot read properties of undefined (reading 'map')",
              "connection terminated unexpectedly",
              "The operation was aborted",
              'relation "feature_flags" does not exist',
              "invalid input syntax for type uuid",
            ]),
            stacktrace: {
              frames: [{ filename: "lib/flags/evaluate.ts", lineno: faker.number.int(400) }],
            },
          }],
        },
        tags: { runtime: "deno", version: `2.${faker.number.int(9)}.${faker.number.int(9)}` },
        contexts: { os: { name: "Linux", version: "6.1" } },
      };
    } else if (kind === 3) {
      value = {
        status: pick(["ok", "degraded"]),
        checks: {
          database: { status: "ok", latency_ms: faker.number.int(40) },
          redis: { status: "ok", latency_ms: faker.number.int(10) },
        },
        uptime_s: faker.number.int(100000),
        version: faker.system.semver(),
        build: faker.git.commitSha({ length: 7 }),
      };
    } else {
      value = {
        flag: pick(flags),
        enabled: faker.datatype.boolean(),
        rollout_percent: faker.number.int(100),
        required_modes: ["DEMO", "LIVE"],
        target_environments: ["production"],
        reason: pick(["STATIC", "SPLIT", "MODE_GATED", "DISABLED", "TARGETING_MATCH"]),
        updated_at: faker.date.recent().toISOString(),
        bucket: faker.number.int(99),
      };
    }
    out.push({ kind: "technical", value, labels: [] });
  }
  return out;
}

/**
 * Eponyms a research platform's searches, analytics properties and error messages hold: a
 * surname before the disease, statistic or institution it names (`Parkinson's disease`,
 * `Pearson correlation`, `Mayo Clinic`). None may be flagged.
 */
const EPONYMS = [
  "Parkinson disease",
  "Parkinson's disease",
  "Alzheimer disease",
  "Huntington disease",
  "Wilson disease",
  "Addison disease",
  "Graves disease",
  "Crohn's disease",
  "Hodgkin lymphoma",
  "Burkitt lymphoma",
  "Ewing sarcoma",
  "Kaposi sarcoma",
  "Cushing syndrome",
  "Marfan syndrome",
  "Creutzfeldt-Jakob disease",
  "Hashimoto thyroiditis",
  "Bell palsy",
  "Pearson correlation",
  "Spearman rank correlation",
  "Cox regression",
  "Gleason score",
  "Apgar score",
  "Charlson index",
  "Mayo Clinic",
  "Cleveland Clinic",
  "Emory University",
  "Baylor College of Medicine",
];

function eponymNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  for (const [k, term] of EPONYMS.entries()) {
    const title = term.replace(/(^|[\s-])([a-z])/g, (_, a, b) => a + b.toUpperCase());
    bad("near:eponym", { search_term: term, cohort: `${title} cohort ${k + 1}` });
    bad("near:eponym", { note: `export of the ${title} cohort failed: timeout after 30 s` });
    bad("near:eponym", { message: `${term} dashboard loaded`, page: `/cohorts/${k + 1}` });
  }
  return out;
}

/** People whose surname is an eponym's, after their first name: each must be found. */
function eponymPositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const first = faker.person.firstName();
    const last = pick(["Parkinson", "Wilson", "Addison", "Graves", "Pearson", "Spearman"]);
    const head = pick(["disease history", "score sheet", "clinic notes"]);
    out.push(place("PERSON_NAME", "PERSON_NAME", `Reviewed ${mark(`${first} ${last}`)} ${head}`));
  }
  return out;
}

/** A NANP number: area code and exchange starting 2-9. */
function fakeNanp(): string {
  const d29 = () => String(faker.number.int({ min: 2, max: 9 }));
  return `${d29()}${digits(2)}${d29()}${digits(2)}${digits(4)}`;
}

/**
 * A NANP number with its country code glued on as one run (E.164 without the `+`,
 * `14155550132`; the international prefix, `0014155550132`) with phone context: a phone cue
 * before it in text, or a phone key above it as a JSON number. Bare, such runs are counters and
 * ids (the near-misses below).
 */
function countryCodePhonePositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 4; i++) {
    const phone = `${pick(["1", "001"])}${fakeNanp()}`;
    out.push(
      place(
        "PHONE",
        "PHONE",
        embed(phone, [
          "Callback {} if it breaks",
          "dial {} later",
          "whatsapp: {}",
          "tel {}",
          "mobile {} after 5pm",
          "contact: {}",
        ]),
      ),
    );
  }
  for (let i = 0; i < 10; i++) {
    const key = pick(["whatsapp", "mobile", "callback_number", "contactNumber", "sms"]);
    out.push({
      kind: "PHONE",
      value: { event: "button_click", props: { [key]: Number(`1${fakeNanp()}`) } },
      labels: [{ type: "PHONE", path: `$.props.${key}` }],
    });
  }
  return out;
}

/**
 * Beside them, under keys that are not technical: epoch milliseconds (13 digits from 1) and
 * seconds as text and numbers, 11-digit runs from 1 whose area code or exchange starts 0 or 1,
 * and glued runs with no phone context: counters, byte sizes, quotas and durations as JSON
 * numbers, id segments (`job-12345678901`, `run_13456789012`, `build.…`), research ids and
 * sizes and counts in text.
 */
function countryCodePhoneNearMisses(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  const bad = (kind: string, value: unknown) => out.push({ kind, value, labels: [] });
  for (let i = 0; i < 10; i++) {
    const ms = faker.date.recent().getTime();
    bad("near:epoch-ms-text", { note: `retry after ${ms}`, value: ms });
    bad("near:epoch-s-text", { note: `at ${Math.floor(ms / 1000)}` });
    const area01 = `1${pick(["0", "1"])}${digits(2)}${faker.number.int({ min: 2, max: 9 })}${
      digits(6)
    }`;
    bad("near:11-digit-area-0-1", { note: `ref ${area01}` });
  }
  for (let i = 0; i < 10; i++) {
    const run = `1${fakeNanp()}`;
    const n = Number(run);
    const key = pick(["count", "processed", "quota", "duration_ns", "max_upload_bytes", "views"]);
    bad("near:glued-number", { event: "job_finished", props: { [key]: n } });
    bad("near:glued-id", {
      jobId: `${pick(["job-", "run_", "build.", "export-", "task:"])}${run}`,
    });
    bad("near:glued-research-id", { researchId: run, page: "jobs" });
    bad("near:glued-text", {
      description: pick([
        `Raise the upload cap to ${run} bytes`,
        `Cohort rollout for tenant ${run}`,
        `processed ${run} rows`,
        `heap at ${run} after compaction`,
      ]),
    });
  }
  return out;
}

/** Names after `participant`, `subject` and `enrollee`, cues of research and plan records. */
function participantCuePositives(): LabelledRecord[] {
  const out: LabelledRecord[] = [];
  for (let i = 0; i < PER_TYPE / 10; i++) {
    const cue = pick([
      "participant",
      "Participant",
      "subject",
      "Subject:",
      "enrollee",
      "Enrollee:",
    ]);
    const name = `${faker.person.firstName()} ${faker.person.lastName()}`;
    out.push(
      place(
        "PERSON_NAME",
        "PERSON_NAME",
        pick([
          () => `Enable for ${cue} ${mark(name)}`,
          () => `${cue} ${mark(name)} withdrew consent`,
        ])(),
      ),
    );
  }
  return out;
}

/** Beside them: the words as technical text and e-mail subject lines use them. */
function participantCueNearMisses(): LabelledRecord[] {
  return [
    "subject line too long",
    "Subject: Your Weekly Digest",
    "Subject: Quarterly Report",
    "Subject: Re: Invoice",
    "Subject Alternative Name mismatch",
    "prices subject to change",
    "JWT subject claim missing",
    "X.509 Subject CN=api.example.com",
    "Subject Matter Expert review",
    "Participant Portal",
    "Show Participant Consent Form",
    "participant ID 42 not found",
    "Participant List export",
    "enrollee count by plan",
    "Enrollee Services",
    "Subject: Grace Period ends",
    "subject Randomization Service",
    "Subject Enrollment Wizard",
    "Participant Data Export",
    "subject: Onboarding",
  ].map((note) => ({ kind: "near:participant-cue", value: { note }, labels: [] }));
}

/** The whole generated corpus, deterministic for CORPUS_SEED. */
export function generateCorpus(): {
  positives: LabelledRecord[];
  evasions: LabelledRecord[];
  nearMisses: LabelledRecord[];
  technical: LabelledRecord[];
} {
  faker.seed(CORPUS_SEED);
  const corpus = {
    positives: positives(),
    evasions: evasions(),
    nearMisses: nearMisses(),
    technical: technicalPayloads(),
  };
  // Added later, generated last: the records above stay as they were.
  corpus.positives.push(...joinedPositives());
  corpus.nearMisses.push(...joinedNearMisses());
  corpus.nearMisses.push(...joinedYearNearMisses());
  corpus.positives.push(...wholeSpanPositives());
  corpus.positives.push(...birthDatePositives());
  corpus.nearMisses.push(...birthDateNearMisses());
  corpus.positives.push(...agePositives());
  corpus.nearMisses.push(...ageNearMisses());
  corpus.positives.push(...hospitalMrnPositives());
  corpus.nearMisses.push(...hospitalMrnNearMisses());
  corpus.evasions.push(...encodingEvasions());
  corpus.positives.push(...accentedNamePositives());
  corpus.nearMisses.push(...reviewedNearMisses());
  corpus.positives.push(...hl7Positives());
  corpus.nearMisses.push(...hl7NearMisses());
  corpus.positives.push(...formatPositives());
  corpus.nearMisses.push(...formatNearMisses());
  corpus.nearMisses.push(...eponymNearMisses());
  corpus.positives.push(...eponymPositives());
  corpus.positives.push(...countryCodePhonePositives());
  corpus.nearMisses.push(...countryCodePhoneNearMisses());
  corpus.positives.push(...participantCuePositives());
  corpus.nearMisses.push(...participantCueNearMisses());
  return corpus;
}
