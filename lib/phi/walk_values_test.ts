/**
 * scan() and redact() on values that are not plain JSON: Maps, Sets, URLs, Headers, boxed
 * primitives, bytes, error causes, class instances. Each is either read (and redacted as what
 * it holds) or reported as a SCANNER_ERROR; none passes unread.
 */
import assert from "node:assert/strict";
import { redact, scan } from "./mod.ts";

const types = (value: unknown) => scan(value).findings.map((f) => `${f.type} ${f.path}`).sort();
const json = (value: unknown) => JSON.stringify(redact(value));

Deno.test("a Map is read as an object: its string keys are keys, its other keys values", () => {
  assert.deepEqual(types({ m: new Map([["mrn", "4829133"]]) }), ["MRN $.m.mrn"]);
  assert.equal(
    json({ m: new Map<string, unknown>([["mrn", "4829133"], ["n", 3]]) }),
    '{"m":{"mrn":"[REDACTED]","n":3}}',
  );
  // A key that is no string is scanned as a value; the map is written as [key, value] pairs.
  const m = new Map<unknown, unknown>([[4155550132, "x"], ["note", "call 415-555-0132"]]);
  assert.deepEqual(types({ m }), ["PHONE $.m[0][0]", "PHONE $.m[1][1]"]);
  assert.equal(
    json({ m }),
    '{"m":[["[REDACTED:PHONE]","x"],["note","call [REDACTED:PHONE]"]]}',
  );
  assert.equal(json({ m: new Map([["plain", "hello"]]) }), '{"m":{"plain":"hello"}}');
});

Deno.test("a Set is read as an array", () => {
  assert.deepEqual(types(new Set(["quenby@example.org"])), ["EMAIL $[0]"]);
  assert.equal(
    json({ s: new Set(["quenby@example.org", "ok"]) }),
    '{"s":["[REDACTED:EMAIL]","ok"]}',
  );
});

Deno.test("URL, URLSearchParams and Headers are read as their text and entries", () => {
  const url = new URL("https://x.example.org/?email=jane@example.org");
  // As its text is: the same findings and the same redacted text.
  assert.deepEqual(types({ u: url }), types({ u: url.href }));
  assert.ok(types({ u: url }).includes("EMAIL $.u"));
  assert.equal(json({ u: url }), json({ u: url.href }));
  const redactedUrl = redact({ u: url }) as { u: string };
  assert.equal(typeof redactedUrl.u, "string");
  assert.ok(!redactedUrl.u.includes("jane"), redactedUrl.u);
  const plain = new URL("https://x.example.org/a");
  assert.equal(json({ u: plain }), json({ u: plain.href }));

  const params = new URLSearchParams("email=jane@example.org&mrn=4829133&page=2");
  assert.deepEqual(types({ q: params }), ["EMAIL $.q.email", "MRN $.q.mrn"]);
  assert.equal(json({ q: params }), '{"q":{"email":"[REDACTED]","mrn":"[REDACTED]","page":"2"}}');

  const headers = new Headers({
    authorization: "Basic dXNlcjpwYXNzd29yZA==",
    "x-patient-name": "Quenby Zarkowski",
    accept: "text/html",
  });
  assert.deepEqual(types({ h: headers }), [
    'PERSON_NAME $.h["x-patient-name"]',
    "SECRET $.h.authorization",
  ]);
  assert.equal(
    json({ h: headers }),
    '{"h":{"accept":"text/html","authorization":"[REDACTED]","x-patient-name":"[REDACTED]"}}',
  );
});

Deno.test("a Request is read as its method, URL and headers; a body it cannot read fails closed", () => {
  const get = new Request("https://x.example.org/?email=jane@example.org", {
    headers: { cookie: "sid=abc" },
  });
  assert.deepEqual(types({ r: get }), [
    "EMAIL $.r.url",
    "SECRET $.r.headers.cookie",
    "URL $.r.url",
  ]);
  const redacted = redact({ r: get }) as { r: Record<string, unknown> };
  assert.equal(redacted.r.method, "GET");
  assert.ok(!JSON.stringify(redacted).includes("jane"));
  const post = new Request("https://x.example.org/", { method: "POST", body: "mrn 4829133" });
  assert.ok(types(post).includes("SCANNER_ERROR $.body"));
  assert.ok(!JSON.stringify(redact(post)).includes("4829133"));
});

Deno.test("String, Number and Boolean objects are read as their primitive", () => {
  assert.deepEqual(types({ note: new String("jane@example.org") }), ["EMAIL $.note"]);
  assert.equal(json({ note: new String("jane@example.org") }), '{"note":"[REDACTED:EMAIL]"}');
  assert.equal(json({ note: new String("hello") }), '{"note":"hello"}');
  assert.deepEqual(types({ n: new Number(4155550132) }), ["PHONE $.n"]);
  assert.equal(json({ n: new Number(3), b: new Boolean(false) }), '{"n":3,"b":false}');
});

Deno.test("bytes are read as UTF-8 text, within the size limit", () => {
  const bytes = new TextEncoder().encode("jane.doe@example.org");
  assert.deepEqual(types(bytes), ["EMAIL $"]);
  assert.equal(json({ b: bytes }), '{"b":"[REDACTED:EMAIL]"}');
  assert.deepEqual(types({ b: bytes.buffer }), ["EMAIL $.b"]);
  assert.deepEqual(types({ b: new DataView(bytes.buffer) }), ["EMAIL $.b"]);
  assert.equal(json({ b: new TextEncoder().encode("hello") }), '{"b":"hello"}');
  const big = new Uint8Array(2_000);
  assert.equal(scan(big, { maxChars: 1_000 }).findings[0]?.type, "SCANNER_ERROR");
});

Deno.test("an error's cause, its AggregateError errors and its own fields are read", () => {
  const caused = new Error("outer", { cause: new Error("jane.doe@example.org") });
  assert.deepEqual(types({ error: caused }), [
    "EMAIL $.error.cause.message",
    "EMAIL $.error.cause.stack",
  ]);
  assert.ok(!json({ error: caused }).includes("jane"));
  const aggregate = new AggregateError([new Error("jane@example.org")]);
  assert.deepEqual(types(aggregate), ["EMAIL $.errors[0].message", "EMAIL $.errors[0].stack"]);
  // A database error's detail (own enumerable fields) is read and written out redacted.
  const db = Object.assign(new Error("duplicate key"), {
    detail: "Key (email)=(jane@example.org) already exists.",
    code: "23505",
  });
  assert.deepEqual(types(db), ["EMAIL $.detail"]);
  const out = redact(db) as Record<string, unknown>;
  assert.equal(out.code, "23505");
  assert.ok(!JSON.stringify(out).includes("jane"));
  // A cause chain that loops fails closed at the depth bound, as any too-deep value does.
  const loop = new Error("loop");
  (loop as { cause?: unknown }).cause = loop;
  assert.equal(scan(loop).findings.at(-1)?.type, "SCANNER_ERROR");
});

Deno.test("a plain class instance is read as its own fields (what JSON.stringify writes)", () => {
  class Visit {
    note = "call 415-555-0132";
    n = 2;
  }
  assert.deepEqual(types({ v: new Visit() }), ["PHONE $.v.note"]);
  assert.equal(json({ v: new Visit() }), '{"v":{"note":"call [REDACTED:PHONE]","n":2}}');
});

Deno.test("values the scanner cannot read are a SCANNER_ERROR, never written out", () => {
  const secret = "jane@example.org";
  const cases: Record<string, unknown> = {
    promise: Promise.resolve(secret),
    weakMap: new WeakMap([[{}, secret]]),
    regexp: new RegExp(secret),
    toJSON: { toJSON: () => secret },
    classToJSON: new (class {
      #v = secret;
      toJSON() {
        return this.#v;
      }
    })(),
    blob: new Blob([secret]),
  };
  for (const [name, value] of Object.entries(cases)) {
    assert.deepEqual(types({ v: value }), ["SCANNER_ERROR $.v"], name);
    const out = json({ v: value, ok: 1 });
    assert.equal(out, '{"v":"[REDACTED:SCANNER_ERROR]","ok":1}', name);
  }
  // A sensitive key redacts a value of any kind whole; a Map is never "empty" there.
  assert.equal(json({ mrn: new Map([["a", "4829133"]]) }), '{"mrn":"[REDACTED]"}');
  assert.deepEqual(types({ mrn: new Map() }), ["MRN $.mrn"]);
});

Deno.test("functions and symbols carry no data JSON writes: redact drops them, scan skips them", () => {
  assert.deepEqual(types({ f: () => 1, s: Symbol("x") }), []);
  assert.equal(json({ f: () => 1, s: Symbol("x"), n: 1 }), '{"n":1}');
});

Deno.test("plain JSON values are walked as before", () => {
  const event = {
    name: "flag_toggled",
    props: { key: "new_checkout", enabled: true, at: "2025-03-02T10:00:00Z" },
    list: [1, "two", null],
  };
  assert.deepEqual(types(event), []);
  assert.deepEqual(redact(event), event);
  const nullProto = Object.assign(Object.create(null), { note: "call 415-555-0132" });
  assert.deepEqual(types(nullProto), ["PHONE $.note"]);
  assert.deepEqual(types({ at: new Date(0) }), []);
});

Deno.test("a name/value pair reads its value as if under the key it names", () => {
  const pairs = [
    { key: "mrn", value: "4829133" },
    { key: "dob", value: "19550302" },
    { key: "patient_name", value: "Quenby Zarkowski" },
  ];
  assert.deepEqual(types(pairs), ["DATE $[1].value", "MRN $[0].value", "PERSON_NAME $[2].value"]);
  assert.equal(
    json(pairs),
    '[{"key":"mrn","value":"[REDACTED]"},{"key":"dob","value":"[REDACTED]"},' +
      '{"key":"patient_name","value":"[REDACTED]"}]',
  );
  // GA4 parameters, FHIR Parameters (value[x]) and a pair with a type beside it.
  assert.deepEqual(types({ params: [{ name: "last_name", value: "Zarkowski" }] }), [
    "PERSON_NAME $.params[0].value",
  ]);
  assert.deepEqual(types({ parameter: [{ name: "mrn", valueString: "4829133" }] }), [
    "MRN $.parameter[0].valueString",
  ]);
  assert.deepEqual(types({ field: "phone", type: "string", value: "5550132" }), ["PHONE $.value"]);
  assert.deepEqual(types({ key: "user_property", value: { string_value: "x" } }), []);
});

Deno.test("pairs that name no identifier, or objects that are more than a pair, are as before", () => {
  for (
    const value of [
      { name: "checkout", value: "blue" },
      { name: "email", value: true },
      { name: "email", value: "" },
      { key: "theme", value: "dark" },
      { name: "phone", label: "Phone", placeholder: "Your number" },
      // More than a pair: a record with a name and a value among other fields.
      { id: 1, name: "email", value: "enabled", owner: "ops", kind: "flag" },
    ]
  ) {
    assert.deepEqual(types(value), [], JSON.stringify(value));
    assert.deepEqual(redact(value), value);
  }
});

Deno.test("[key, value] tuples read their value as if under the key", () => {
  const headers = {
    headers: [["authorization", "Basic dXNlcjpwYXNzd29yZA=="], [
      "X-Patient-Name",
      "Quenby Zarkowski",
    ], [
      "accept",
      "text/html",
    ]],
  };
  assert.deepEqual(types(headers), ["PERSON_NAME $.headers[1][1]", "SECRET $.headers[0][1]"]);
  assert.equal(
    json(headers),
    '{"headers":[["authorization","[REDACTED]"],["X-Patient-Name","[REDACTED]"],["accept","text/html"]]}',
  );
  // Object.entries() of a record, and a Map with repeated or non-string keys.
  assert.deepEqual(types(Object.entries({ mrn: "4829133", n: 2 })), ["MRN $[0][1]"]);
  // Not tuples: a list of key names, a list of words.
  assert.deepEqual(types({ fields: ["email", "phone"] }), []);
  assert.deepEqual(types([["name", "asc"], ["created_at", "desc"]]), []);
});

Deno.test("a name under a patient, subject, member or guarantor is a person's name", () => {
  for (const parent of ["patient", "subject", "member", "guarantor", "Patient", "patients"]) {
    assert.deepEqual(types({ [parent]: { name: "Quenby Zarkowski" } }), [
      `PERSON_NAME $.${parent}.name`,
    ]);
  }
  assert.deepEqual(types({ patients: [{ name: "Quenby Zarkowski", id: "p-1" }] }), [
    "PERSON_NAME $.patients[0].name",
  ]);
  assert.equal(
    json({ patient: { displayName: "Q Z", status: "active" } }),
    '{"patient":{"displayName":"[REDACTED]","status":"active"}}',
  );
  // As the dotted key is.
  assert.deepEqual(types({ "patient.name": "Quenby Zarkowski" }), [
    'PERSON_NAME $["patient.name"]',
  ]);
  // An app user's display name and the names of things stay as they are.
  for (
    const value of [
      { user: { name: "Quenby Zarkowski" } },
      { flag: { name: "new_checkout" } },
      { experiment: { name: "Checkout Button" } },
      { patient: { id: "p-1", status: "active" } },
    ]
  ) assert.deepEqual(types(value), [], JSON.stringify(value));
});

Deno.test("a text under the key patient reads as after the word patient", () => {
  assert.deepEqual(types({ patient: "Quenby Zarkowski" }), ["PERSON_NAME $.patient"]);
  assert.equal(json({ patient: "Quenby Zarkowski" }), '{"patient":"[REDACTED:PERSON_NAME]"}');
  assert.equal(
    json({ patient: "Quenby Zarkowski, MRN 4829133" }),
    '{"patient":"[REDACTED:PERSON_NAME], MRN [REDACTED:MRN]"}',
  );
  assert.deepEqual(types({ patients: ["Zarkowski, Quenby"] }), ["PERSON_NAME $.patients[0]"]);
  // Ids and words that are no name stay.
  for (const id of ["1234", "enrolled", "p-1", "64cf7f21-f2db-4d7c-a175-39724ec7e09b"]) {
    assert.deepEqual(types({ patient: id }), [], id);
  }
});

Deno.test("UTF-16 text is read from a Uint16Array; bytes that are no UTF-8 text fail closed", () => {
  const text = "call 415-555-0132";
  const units = new Uint16Array([...text].map((c) => c.charCodeAt(0)));
  assert.deepEqual(types(units), ["PHONE $"]);
  assert.equal(json({ u: units }), '{"u":"call [REDACTED:PHONE]"}');
  // The same UTF-16 text as bytes (`c\0a\0l\0l\0…`) hides the number from every detector, and
  // numbers are no text: both are unreadable, never written out.
  for (const value of [new Uint8Array(units.buffer), new Float64Array([4155550132])]) {
    assert.deepEqual(types(value), ["SCANNER_ERROR $"]);
    assert.equal(json({ v: value }), '{"v":"[REDACTED:SCANNER_ERROR]"}');
  }
});

Deno.test("a sort spec of [column, direction] pairs is no list of sensitive values", () => {
  const sort = { sort: [["email", "asc"], ["created_at", "desc"], ["last_name", "DESC"]] };
  assert.deepEqual(types(sort), []);
  assert.deepEqual(redact(sort), sort);
  assert.deepEqual(types([["dob", "Ascending"], ["phone", " descending "]]), []);
  // Any other value beside a sensitive name is still read as under that key, in the same list.
  assert.deepEqual(types([["email", "asc"], ["email", "x"], ["ssn", "ASC-1"]]), [
    "EMAIL $[1][1]",
    "SSN $[2][1]",
  ]);
  assert.equal(
    json({ sort: [["email", "asc"], ["phone", "descend"]] }),
    '{"sort":[["email","asc"],["phone","[REDACTED]"]]}',
  );
});

Deno.test("a sort spec with 1 / -1 or under a sort key names columns: its directions are no values", () => {
  const cases: unknown[] = [
    [["email", 1]],
    [["email", -1], ["last_name", 1]],
    { sort: { email: "asc" } },
    { sort: { email: 1, created_at: -1 } },
    { $sort: { email: -1 } },
    { orderBy: { last_name: "desc" } },
    { order_by: { dob: "Descending" } },
    // Prisma's list form: each object under orderBy.
    { orderBy: [{ email: "asc" }, { last_name: "DESC" }] },
    { sortBy: { phone: " ascending " } },
  ];
  for (const value of cases) {
    assert.deepEqual(types(value), [], JSON.stringify(value));
    assert.deepEqual(redact(value), value, JSON.stringify(value));
  }
  // Only the directions are spared: a value beside them, or under a sensitive key outside a
  // sort key, is read as before.
  assert.deepEqual(types({ sort: { email: "jane@x.org" } }), ["EMAIL $.sort.email"]);
  assert.equal(json({ sort: { email: "jane@x.org" } }), '{"sort":{"email":"[REDACTED]"}}');
  assert.deepEqual(types({ orderBy: { ssn: "123-45-6789" } }), ["SSN $.orderBy.ssn"]);
  assert.equal(json({ orderBy: { ssn: "123-45-6789" } }), '{"orderBy":{"ssn":"[REDACTED]"}}');
  assert.deepEqual(types({ sort: { email: "asc", phone: 2 } }), ["PHONE $.sort.phone"]);
  assert.deepEqual(types({ sort: { pin: "1" } }), ["SECRET $.sort.pin"]);
  assert.deepEqual(types({ email: "asc", pin: 1 }), ["EMAIL $.email", "SECRET $.pin"]);
  assert.deepEqual(types({ user: { email: -1 } }), ["EMAIL $.user.email"]);
  // 1 and -1 are directions only when every tuple's second item is one, and under sort, $sort,
  // sortBy or orderBy when every key there has one: under `order` (a clinical or lab order)
  // they are values.
  assert.deepEqual(types([["pin", 2], ["email", 1]]), ["EMAIL $[1][1]", "SECRET $[0][1]"]);
  assert.equal(
    json([["email", 1], ["pin", 1234]]),
    '[["email","[REDACTED]"],["pin","[REDACTED]"]]',
  );
  assert.deepEqual(types({ order: { mrn: -1 } }), ["MRN $.order.mrn"]);
  assert.deepEqual(types({ sort: { mrn: -1, pin: 2 } }), ["MRN $.sort.mrn", "SECRET $.sort.pin"]);
  assert.deepEqual(types({ order: { email: "asc" } }), []);
});
