/**
 * The key-name detector: a value under a key that names a personal identifier or a secret
 * counts as found whole, subtrees included. Keys are compared as words (case-, separator-
 * and camelCase-insensitive), so `firstName`, `first_name`, `FIRST-NAME` and `firstname`
 * all match "first name" while `zip` never matches inside `description`.
 */
import type { PhiType } from "./types.ts";

/**
 * Roles that name a person (a patient, a study subject or participant, a plan member, a
 * guarantor): `<role> name` is a PERSON_NAME key, and an object under `<role>` (or its plural)
 * is a person whose `name` is one (walk.ts).
 */
export const PERSON_ROLES: readonly string[] = [
  "patient",
  "subject",
  "participant",
  "member",
  "guarantor",
  "subscriber",
  "insured",
  "policyholder",
  "caregiver",
];

/** Compact (space-free) phrase → type. A phrase matches any run of consecutive key words. */
const SENSITIVE_PHRASES: ReadonlyArray<readonly [PhiType, readonly string[]]> = [
  ["SSN", ["ssn", "social security", "social security number", "social security no", "ssn last4"]],
  [
    "DATE",
    [
      "dob",
      "birth",
      "birthdate",
      "birth date",
      "birthday",
      "date of birth",
      "born",
      "born on",
      "dod",
      "death date",
      "date of death",
      "deceased date",
      "admission date",
      "admit date",
      "discharge date",
      "visit date",
      "encounter date",
      "service date",
      "date of service",
      "appointment",
      "appointment date",
      "procedure date",
    ],
  ],
  [
    "MRN",
    [
      "mrn",
      "medical record",
      "medical record number",
      "medical record no",
      "patient id",
      "patient number",
      "patient no",
      "chart number",
      "chart no",
      "chart id",
      "health record number",
      "hospital number",
    ],
  ],
  [
    "PERSON_NAME",
    [
      "patient name",
      // `pt_name`, `ptName`: the clinical short form (`pt` alone is a locale and a point
      // size, no key of its own).
      "pt name",
      "ptname",
      "first name",
      "firstname",
      "fname",
      "last name",
      "lname",
      "surname",
      "given name",
      "family name",
      "middle name",
      "maiden name",
      "full name",
      "legal name",
      "person name",
      "contact name",
      "guardian",
      "next of kin",
      "emergency contact",
      "mother name",
      "father name",
      "spouse",
      // A person's name under a flat `<role>_name` key, as under `{ <role>: { name } }` (the
      // roles of PERSON_KEYS in walk.ts; `patient name` above). A bare `name`, `display_name`
      // and `<thing>_name` (`flag_name`, `event_name`, `file_name`) name no person.
      ...PERSON_ROLES.flatMap((role) => [
        `${role} name`,
        `${role} display name`,
        `${role} preferred name`,
        `${role} nickname`,
      ]),
    ],
  ],
  ["EMAIL", ["email", "emails", "email address", "e mail", "mail address"]],
  [
    "PHONE",
    [
      "phone",
      "phones",
      "telephone",
      "tel",
      "phone number",
      "mobile number",
      "mobile phone",
      "cell phone",
      "cell number",
      "cellphone",
      "fax",
      "fax number",
      "pager",
      "msisdn",
    ],
  ],
  [
    "STREET_ADDRESS",
    [
      "address",
      "addresses",
      "addr",
      "street",
      "street address",
      "address line",
      "address line1",
      "address line2",
      "home address",
      "mailing address",
      "billing address",
      "shipping address",
      "residence",
    ],
  ],
  ["ZIP_CODE", ["zip", "zipcode", "zip code", "postal", "postal code", "postcode", "post code"]],
  [
    "LOCATION",
    ["city", "county", "town", "latitude", "longitude", "lat", "lng", "lon", "geo", "gps"],
  ],
  [
    "IP_ADDRESS",
    [
      "ip",
      "ip address",
      "ipv4",
      "ipv6",
      "client ip",
      "remote ip",
      "remote addr",
      "remote address",
      "x forwarded for",
      "forwarded for",
      "x real ip",
    ],
  ],
  [
    "SECRET",
    [
      "password",
      "passwd",
      "pwd",
      "passphrase",
      "token",
      "access token",
      "refresh token",
      "id token",
      "secret",
      "client secret",
      "api key",
      "apikey",
      "access key",
      "private key",
      "secret key",
      "authorization",
      "proxy authorization",
      "cookie",
      "cookies",
      "set cookie",
      "jwt",
      "bearer",
      "credential",
      "credentials",
      "session token",
      "csrf token",
      "otp",
      "pin",
    ],
  ],
  [
    "LICENSE_NUMBER",
    [
      "license",
      "licence",
      "license number",
      "licence number",
      "drivers license",
      "driver license",
      "driving licence",
      "license plate",
      "plate number",
      "passport",
      "passport number",
      "national id",
      "dea number",
      "certificate number",
    ],
  ],
  ["VIN", ["vin", "vehicle id", "vehicle identification number"]],
  [
    "DEVICE_ID",
    [
      "device id",
      "deviceid",
      "device serial",
      "serial number",
      "serial no",
      "udi",
      "udid",
      "advertising id",
      "idfa",
      "gaid",
    ],
  ],
  ["IMEI", ["imei"]],
  ["MAC_ADDRESS", ["mac address", "macaddr"]],
  [
    "ACCOUNT_NUMBER",
    [
      "account number",
      "account no",
      "acct",
      "acct number",
      "acct no",
      "bank account",
      "routing number",
      "iban",
      "card number",
      "credit card",
      "cc number",
      "tax id",
      "ein",
      "tin",
    ],
  ],
  [
    "HEALTH_PLAN",
    [
      "beneficiary",
      "beneficiary id",
      "mbi",
      "medicare number",
      "medicaid number",
      "member id",
      "member number",
      "subscriber id",
      "policy number",
      "health plan",
      "health plan id",
      "insurance id",
      "insurance number",
      "group number",
    ],
  ],
  ["NPI", ["npi"]],
];

/**
 * The same in German, French, Spanish, Italian, Portuguese and Dutch: words that are keys of a
 * person's identifier and nothing technical, with and without their accents. Left out on
 * purpose: the words for a bare "name" (`nom`, `nombre`, `nome`, `naam`: products, flags and
 * files have names, as the English `name` is no key), and short words that are technical in
 * English (`cp` for code postal: copy, checkpoint; `cap` for CAP: a limit; `via`; `ort`;
 * `portable`).
 */
const FOREIGN_PHRASES: ReadonlyArray<readonly [PhiType, readonly string[]]> = [
  [
    "PERSON_NAME",
    [
      // de
      "vorname",
      "nachname",
      "familienname",
      "geburtsname",
      // fr
      "prenom",
      "prénom",
      "nom de famille",
      "nom famille",
      "nom de naissance",
      // es
      "apellido",
      "apellidos",
      "nombre completo",
      // it
      "cognome",
      "nome completo",
      // pt
      "sobrenome",
      "apelido",
      // nl
      "voornaam",
      "achternaam",
    ],
  ],
  [
    "DATE",
    [
      "geburtsdatum",
      "geburtstag",
      "date de naissance",
      "date naissance",
      "naissance",
      "fecha de nacimiento",
      "fecha nacimiento",
      "nacimiento",
      "data di nascita",
      "data nascita",
      "data de nascimento",
      "data nascimento",
      "nascimento",
      "geboortedatum",
    ],
  ],
  [
    "PHONE",
    [
      "telefon",
      "telefonnummer",
      "handy",
      "handynummer",
      "mobiltelefon",
      "téléphone",
      "telefono",
      "teléfono",
      "celular",
      "cellulare",
      "telefone",
      "telefoon",
      "telefoonnummer",
    ],
  ],
  ["EMAIL", ["courriel", "correo electronico", "correo electrónico"]],
  [
    "STREET_ADDRESS",
    [
      "adresse",
      "anschrift",
      "strasse",
      "straße",
      "hausnummer",
      "rue",
      "direccion",
      "dirección",
      "domicilio",
      "calle",
      "indirizzo",
      "endereco",
      "endereço",
      "adres",
      "straat",
    ],
  ],
  [
    "ZIP_CODE",
    [
      "plz",
      "postleitzahl",
      "code postal",
      "codigo postal",
      "código postal",
      "cep",
      "postcode",
    ],
  ],
  ["LOCATION", ["wohnort", "ville", "ciudad", "città", "citta", "cidade", "woonplaats"]],
  ["SSN", ["sozialversicherungsnummer", "securite sociale", "sécurité sociale"]],
  [
    "LICENSE_NUMBER",
    ["personalausweis", "ausweisnummer", "dni", "codice fiscale", "cpf", "bsn"],
  ],
];

/** The last word of a key that makes it a count/flag/kind about the identifier, not the identifier. */
const EXEMPT_LAST = new Set([
  "count",
  "counts",
  "total",
  "type",
  "types",
  "kind",
  "length",
  "len",
  "size",
  "enabled",
  "disabled",
  "present",
  "valid",
  "verified",
  "required",
  "optional",
  "status",
  "format",
  "provided",
  "missing",
  "changed",
  "expires",
  "expiry",
  "ttl",
  "source",
  "field",
  "fields",
  "label",
  "policy",
  "strategy",
  "mode",
  "limit",
  "max",
  "min",
]);

/** A first word that makes the key a count or a flag. */
const EXEMPT_FIRST = new Set(["num", "n", "has", "is", "count", "total", "max", "min", "avg"]);

const PHRASE_TYPES = new Map<string, PhiType>();
let LONGEST_PHRASE = 1;
for (const [type, phrases] of [...SENSITIVE_PHRASES, ...FOREIGN_PHRASES]) {
  for (const phrase of phrases) {
    const words = phrase.split(" ");
    LONGEST_PHRASE = Math.max(LONGEST_PHRASE, words.length);
    PHRASE_TYPES.set(words.join(""), type);
  }
}

/** Splits `firstName`, `first_name`, `FIRST-NAME`, `IPAddress` into lower-case words. */
export function keyWords(key: string): string[] {
  const words: string[] = [];
  let start = -1;
  const n = key.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? key.charCodeAt(i) : 32;
    const upper = c >= 65 && c <= 90;
    const lower = (c >= 97 && c <= 122) || c > 127;
    const digit = c >= 48 && c <= 57;
    if (!(upper || lower || digit)) {
      if (start >= 0) words.push(key.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    if (start < 0) {
      start = i;
      continue;
    }
    const prev = key.charCodeAt(i - 1);
    const prevUpper = prev >= 65 && prev <= 90;
    const prevLower = (prev >= 97 && prev <= 122) || prev > 127;
    const prevDigit = prev >= 48 && prev <= 57;
    const next = i + 1 < n ? key.charCodeAt(i + 1) : 0;
    const nextLower = (next >= 97 && next <= 122) || next > 127;
    // Word boundaries: aB, a1/1a (digits apart), ABc (acronym then word).
    if (
      (upper && (prevLower || prevDigit)) ||
      (digit && !prevDigit) ||
      (!digit && prevDigit) ||
      (upper && prevUpper && nextLower)
    ) {
      words.push(key.slice(start, i).toLowerCase());
      start = i;
    }
  }
  return words;
}

/** Compact form used to compare keys: the words joined without separators. */
export function compactKey(key: string): string {
  return keyWords(key).join("");
}

function classify(key: string): PhiType | null {
  const words = keyWords(key);
  if (words.length === 0) return null;
  if (words.length > 1) {
    const last = words[words.length - 1]!;
    const first = words[0]!;
    if (EXEMPT_LAST.has(last) || EXEMPT_FIRST.has(first)) return null;
  }
  // A multiple birth (FHIR `multipleBirthInteger`, `multipleBirthBoolean`) and a birth order
  // are a count and a flag, not a date of birth.
  const birth = words.indexOf("birth");
  if (birth >= 0 && (words[birth - 1] === "multiple" || words[birth + 1] === "order")) return null;
  // Longest phrase first so "ip address" wins over "address" and "email address" over "address".
  for (let size = Math.min(LONGEST_PHRASE, words.length); size >= 1; size--) {
    for (let i = 0; i + size <= words.length; i++) {
      let compact = words[i]!;
      for (let k = 1; k < size; k++) compact += words[i + k]!;
      const type = PHRASE_TYPES.get(compact);
      if (type !== undefined) return type;
    }
  }
  return null;
}

const KEY_CACHE_LIMIT = 4096;
const keyCache = new Map<string, PhiType | null>();

/** The identifier type a key names, or null when values under it are not sensitive by name. */
export function sensitiveKeyType(key: string): PhiType | null {
  const cached = keyCache.get(key);
  if (cached !== undefined) return cached;
  const type = key.length > 128 ? null : classify(key);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(key, type);
  return type;
}

/**
 * True when every value under this key must be treated as sensitive (PHI or a secret),
 * whatever it looks like. Shared with the structured logger.
 */
export function isSensitiveKey(key: string): boolean {
  return sensitiveKeyType(key) !== null;
}

/** Technical keys, compared in compact form. Values of technical shape under them are not PHI. */
export const DEFAULT_SAFE_KEYS: readonly string[] = [
  "id",
  "uuid",
  "guid",
  "ts",
  "timestamp",
  "time",
  "date_created",
  "created",
  "updated",
  "created_at",
  "updated_at",
  "last_updated",
  "last_modified",
  "deleted_at",
  "started_at",
  "finished_at",
  "completed_at",
  "expires_at",
  "received_at",
  "sent_at",
  "occurred_at",
  "event_id",
  "request_id",
  "trace_id",
  "span_id",
  "parent_span_id",
  "correlation_id",
  "session_id",
  "job_id",
  "run_id",
  "research_id",
  "study_id",
  "experiment_id",
  "flag_id",
  "flag_key",
  "key",
  "variant",
  "version",
  "release",
  "build",
  "commit",
  "sha",
  "hash",
  "checksum",
  "etag",
  "duration",
  "duration_ms",
  "elapsed",
  "elapsed_ms",
  "latency",
  "latency_ms",
  "count",
  "total",
  "size",
  "bytes",
  "length",
  "seq",
  "sequence",
  "offset",
  "index",
  "attempt",
  "retries",
  "status",
  "status_code",
  "code",
  "level",
  "port",
  "pid",
  "epoch",
  "epoch_ms",
  "ms",
  "environment",
  "env",
  "mode",
  "platform",
  "sdk",
  "event",
  "event_name",
  "type",
  "rollout_percent",
  "bucket",
  "progress",
  "percent",
];

/** Last words that make a key technical (`foo_id`, `fooAt`, `foo_ms`, `foo_version`, ...). */
const TECHNICAL_LAST = new Set([
  "id",
  "ids",
  "uuid",
  "guid",
  "at",
  "ts",
  "ms",
  "ns",
  "sec",
  "secs",
  "seconds",
  "count",
  "total",
  "version",
  "hash",
  "sha",
  "checksum",
  "seq",
  "index",
  "idx",
  "duration",
  "latency",
  "bytes",
  "size",
  "len",
  "length",
  "offset",
  "port",
  "pid",
  "code",
  "status",
  "level",
  "epoch",
  "timestamp",
  "time",
  "key",
  "percent",
]);

/** Builds the compact lookup set for a list of safe keys. */
export function safeKeySet(keys: Iterable<string>): Set<string> {
  const set = new Set<string>();
  for (const key of keys) set.add(compactKey(key));
  return set;
}

/**
 * FHIR elements (compact form) whose time is when something happened to a patient (an
 * observation, a procedure, an onset, a death): clinical dates, not technical timestamps,
 * although they end in `time`. (`issued`, `recordedDate`, `authoredOn` end in no technical
 * word; `meta.lastUpdated`, the server's write time, is technical.)
 */
const CLINICAL_TIMES = new Set([
  "effectivedatetime",
  "performeddatetime",
  "onsetdatetime",
  "abatementdatetime",
  "occurrencedatetime",
  "deceaseddatetime",
  "collecteddatetime",
  "valuedatetime",
  "timingdatetime",
  "asserteddatetime",
  "effectivetime",
  "performedtime",
]);

/**
 * True when values under `key` are technical (ids, timestamps, counters, versions): a key in
 * `safe`, or one whose last word is technical (`jobId`, `created_at`) and that is no
 * clinical time (`effectiveDateTime`). An empty `safe` set means no key is technical: every
 * value meets every detector.
 */
export function isTechnicalKey(key: string, safe: ReadonlySet<string>): boolean {
  if (safe.size === 0) return false;
  const words = keyWords(key);
  if (words.length === 0) return false;
  const compact = words.join("");
  if (safe.has(compact)) return true;
  return TECHNICAL_LAST.has(words[words.length - 1]!) && !CLINICAL_TIMES.has(compact);
}
