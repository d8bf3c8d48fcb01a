/**
 * Value dumps: database and ORM error texts that print a whole row, a key or the bound
 * parameters of a query after a fixed marker (`Failing row contains (`, `Key (a, b)=(`,
 * `invalid input syntax for type date: "…"`, `[parameters: …]`, `bindings: […]`). The values
 * are redacted whole and the SQL, the error class and the constraint name stay; near-misses
 * (placeholders only, `parameters: none`, a single technical key, tuples of counts, `bindings`
 * in prose) stay clean; 100 KB adversarial inputs finish. Every value is synthetic, built in this
 * file from parts.
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";
import { CAP } from "./detectors/value_dumps.ts";

const GIVEN = "Qu" + "enby";
const FAMILY = "Zar" + "kowski";
const RECORD = "48" + "29133";
const BIRTH = "1955" + "-03-02";
const R = "[REDACTED:SENSITIVE_KEY]";

/** Asserts that none of `values` is left in `out`. */
function gone(out: string, values: readonly string[], label: string): void {
  for (const v of values) assert.ok(!out.includes(v), `${v} left in ${out} (${label})`);
}

Deno.test("Postgres: the row after `Failing row contains (` is redacted whole", () => {
  const cases: Array<[string, string]> = [
    [
      `ERROR:  null value in column "zip" of relation "patients" violates not-null constraint\n` +
      `DETAIL:  Failing row contains (${RECORD}, ${GIVEN}, ${FAMILY}, ${BIRTH}, null).`,
      `ERROR:  null value in column "zip" of relation "patients" violates not-null constraint\n` +
      `DETAIL:  Failing row contains (${R}).`,
    ],
    [
      `ERROR:  new row for relation "patients" violates check constraint "dob_past"\n` +
      `DETAIL:  Failing row contains (7, ${FAMILY.toUpperCase()}, ${GIVEN.toUpperCase()}, 2055-03-02).`,
      `ERROR:  new row for relation "patients" violates check constraint "dob_past"\n` +
      `DETAIL:  Failing row contains (${R}).`,
    ],
    // Values with parentheses of their own, and a note over two lines.
    [
      `Failing row contains (${RECORD}, ${FAMILY} (née Smith), Pt states :) then\nleft, ${GIVEN}).`,
      `Failing row contains (${R}).`,
    ],
    // Inside a JSON string, and at the very end of a text.
    [
      `{"detail":"Failing row contains (${RECORD}, ${GIVEN}, ${FAMILY}).","code":"23502"}`,
      `{"detail":"Failing row contains (${R}).","code":"23502"}`,
    ],
    [`Failing row contains (${RECORD}, ${GIVEN})`, `Failing row contains (${R})`],
    // An e-mail inside takes the text to the full path: the same one placeholder.
    [
      `Failing row contains (${RECORD}, ${GIVEN.toLowerCase()}@example.org, ${FAMILY}).`,
      `Failing row contains (${R}).`,
    ],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.ok(scanText(text).findings.some((f) => f.type === "SENSITIVE_KEY"), text);
  }
});

Deno.test("Postgres: a key detail of two columns or more is redacted whole", () => {
  const cases: Array<[string, string]> = [
    [
      `ERROR:  duplicate key value violates unique constraint "patients_name_key"\n` +
      `DETAIL:  Key (last_name, first_name)=(${FAMILY}, ${GIVEN}) already exists.`,
      `ERROR:  duplicate key value violates unique constraint "patients_name_key"\n` +
      `DETAIL:  Key (last_name, first_name)=(${R}) already exists.`,
    ],
    [
      `Key (last_name, first_name, dob)=(${FAMILY}, ${GIVEN}, ${BIRTH}) already exists.`,
      `Key (last_name, first_name, dob)=(${R}) already exists.`,
    ],
    [
      `Key (mrn, site)=(${RECORD}, 3) is not present in table "patients".`,
      `Key (mrn, site)=(${R}) is not present in table "patients".`,
    ],
    [
      `Key (lower(last_name), "First Name")=(${FAMILY.toLowerCase()}, ${GIVEN}) already exists.`,
      `Key (lower(last_name), "First Name")=(${R}) already exists.`,
    ],
    [
      `Key (room, during)=(101, [2026-01-01,2026-01-02)) conflicts with existing key ` +
      `(room, during)=(101, [2026-01-01,2026-01-03)).`,
      `Key (room, during)=(${R}) conflicts with existing key (room, during)=(${R}).`,
    ],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.ok(scanText(text).findings.some((f) => f.type === "SENSITIVE_KEY"), text);
  }
});

Deno.test("Postgres: the quoted input of a type error is redacted", () => {
  const cases: Array<[string, string]> = [
    [
      `ERROR:  invalid input syntax for type date: "19550302x"`,
      `ERROR:  invalid input syntax for type date: "${R}"`,
    ],
    [
      `ERROR:  invalid input syntax for type integer: "${FAMILY}"`,
      `ERROR:  invalid input syntax for type integer: "${R}"`,
    ],
    [
      `invalid input syntax for integer: "${FAMILY}" at character 12`,
      `invalid input syntax for integer: "${R}" at character 12`,
    ],
    [
      `invalid input syntax for type timestamp with time zone: "${GIVEN} ${FAMILY}"`,
      `invalid input syntax for type timestamp with time zone: "${R}"`,
    ],
    [
      `invalid input value for enum patient_sex: "${GIVEN}"`,
      `invalid input value for enum patient_sex: "${R}"`,
    ],
    [
      `value too long for type character varying(8): "${FAMILY}"`,
      `value too long for type character varying(8): "${R}"`,
    ],
    [
      `date/time field value out of range: "${BIRTH.replace("03", "13")}"`,
      `date/time field value out of range: "${R}"`,
    ],
    [
      `value "${RECORD}${RECORD}" is out of range for type integer`,
      `value "${R}" is out of range for type integer`,
    ],
    [
      `{"message":"invalid input syntax for type integer: \\"${FAMILY}\\""}`,
      `{"message":"invalid input syntax for type integer: \\"${R}\\""}`,
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("ORMs and drivers: the parameters bound to a query are redacted whole", () => {
  const sqlAlchemy = `sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate ` +
    `key value violates unique constraint "patients_mrn_key"\n` +
    `[SQL: INSERT INTO patients (mrn, first, last) VALUES (%(mrn)s, %(first)s, %(last)s)]\n`;
  const cases: Array<[string, string]> = [
    [
      sqlAlchemy + `[parameters: {'mrn': '${RECORD}', 'first': '${GIVEN}', 'last': '${FAMILY}'}]`,
      sqlAlchemy + `[parameters: {${R}}]`,
    ],
    [
      `[SQL: INSERT INTO patients (first, last, mrn) VALUES (?, ?, ?)]\n` +
      `[parameters: ('${GIVEN}', '${FAMILY}', '${RECORD}')]`,
      `[SQL: INSERT INTO patients (first, last, mrn) VALUES (?, ?, ?)]\n[parameters: (${R})]`,
    ],
    // SQLAlchemy's marker needs no SQL before it; a value with an apostrophe or a bracket.
    [
      `[parameters: ("O'${FAMILY}", '${GIVEN} ]x', '${RECORD}')]`,
      `[parameters: (${R})]`,
    ],
    // knex: the error message, and the query object it logs.
    [
      `insert into "patients" ("first", "last", "mrn") values ($1, $2, $3) - duplicate key ` +
      `... bindings: [ '${GIVEN}', '${FAMILY}', '${RECORD}' ]`,
      `insert into "patients" ("first", "last", "mrn") values ($1, $2, $3) - duplicate key ` +
      `... bindings: [${R}]`,
    ],
    [
      `{ method: 'insert', options: {}, bindings: [ '${GIVEN}', '${FAMILY}', '${RECORD}' ], ` +
      `sql: 'insert into "patients" ("first", "last", "mrn") values (?, ?, ?)' }`,
      `{ method: 'insert', options: {}, bindings: [${R}], ` +
      `sql: 'insert into "patients" ("first", "last", "mrn") values (?, ?, ?)' }`,
    ],
    [
      `{"sql":"select * from patients where last = ?","bindings":["${FAMILY}"]}`,
      `{"sql":"select * from patients where last = ?","bindings":[${R}]}`,
    ],
    [
      `{\\"sql\\":\\"select * from patients where last = ?\\",\\"bindings\\":[\\"${FAMILY}\\"]}`,
      `{\\"sql\\":\\"select * from patients where last = ?\\",\\"bindings\\":[${R}]}`,
    ],
    // Sequelize, TypeORM, Prisma, node-postgres.
    [
      `SequelizeUniqueConstraintError: Validation error sql: 'INSERT INTO "Patients" ` +
      `("first","last") VALUES ($1,$2);', parameters: [ '${GIVEN}', '${FAMILY}' ]`,
      `SequelizeUniqueConstraintError: Validation error sql: 'INSERT INTO "Patients" ` +
      `("first","last") VALUES ($1,$2);', parameters: [${R}]`,
    ],
    [
      `QueryFailedError: query failed: INSERT INTO "patient"("first", "last") VALUES ($1, $2) ` +
      `-- PARAMETERS: ["${GIVEN}","${FAMILY}"]`,
      `QueryFailedError: query failed: INSERT INTO "patient"("first", "last") VALUES ($1, $2) ` +
      `-- PARAMETERS: [${R}]`,
    ],
    [
      `prisma:query SELECT "public"."Patient"."id" FROM "public"."Patient" WHERE ` +
      `"public"."Patient"."mrn" = $1 LIMIT $2 params=["${RECORD}",1]`,
      `prisma:query SELECT "public"."Patient"."id" FROM "public"."Patient" WHERE ` +
      `"public"."Patient"."mrn" = $1 LIMIT $2 params=[${R}]`,
    ],
    [
      `query: UPDATE patients SET last = $1 WHERE id = $2 params: ('${FAMILY}', 12)`,
      `query: UPDATE patients SET last = $1 WHERE id = $2 params: (${R})`,
    ],
  ];
  for (const [text, redacted] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.ok(scanText(text).findings.some((f) => f.type === "SENSITIVE_KEY"), text);
    gone(redactText(text), [GIVEN, FAMILY, RECORD], text);
  }
});

Deno.test("a Sentry event with a dump in its message is reported at that path", () => {
  const event = {
    exception: {
      values: [{
        type: "PostgresError",
        value: `Failing row contains (${RECORD}, ${GIVEN}, ${FAMILY}).`,
      }],
    },
  };
  assert.deepEqual(scan(event).findings, [
    { type: "SENSITIVE_KEY", path: "$.exception.values[0].value" },
  ]);
});

Deno.test("an unclosed dump is redacted up to the cap, and the rest is read as usual", () => {
  const text = "Failing row contains (" + "x".repeat(CAP + 100) + ` MRN: ${RECORD}`;
  assert.equal(
    redactText(text),
    `Failing row contains (${R}` + "x".repeat(100) + " MRN: [REDACTED:MRN]",
  );
});

Deno.test("near-misses: placeholders, no values, one technical key, counts, prose stay clean", () => {
  for (
    const text of [
      // SQL with placeholders only, and parameters that are none or name no one.
      `INSERT INTO flags (key, enabled) VALUES ($1, $2)`,
      `insert into "flags" ("key", "enabled") values ($1, $2) returning "id"`,
      `[SQL: SELECT flags.key FROM flags]\n[parameters: none]`,
      `[SQL: SELECT flags.key FROM flags LIMIT ? OFFSET ?]\n[parameters: (50, 0)]`,
      `select "key" from "flags" limit ? offset ? bindings: [ 50, 100 ]`,
      `select * from flags where enabled = ? bindings: [true]`,
      `[parameters: ()]`,
      `select 1 bindings: []`,
      // A single technical key (the cue rules decide about one column).
      `ERROR:  duplicate key value violates unique constraint "flags_key_key"\n` +
      `DETAIL:  Key (flag_key)=(checkout_v2) already exists.`,
      `Key (id)=(4829133) already exists.`,
      // A row of nothing that names anyone.
      `Failing row contains (42, null, t).`,
      // The marker words without a dump after them.
      `invalid input syntax for type uuid`,
      `invalid input syntax for type json`,
      `value too long for type character varying(64)`,
      `The failing row contains no data; key rotation is due.`,
      `check the key (and the value) before retrying`,
      // Tuples of counts in metrics lines.
      `rows (ok, failed)=(1200, 3) in 812 ms`,
      `latency p50/p99 (ms): (12, 87)`,
      `counts: (42, 7, 0)`,
      // `bindings`, `params` and `parameters` in prose and configuration, with no SQL before.
      `Regenerated the FFI bindings: [x86_64, aarch64] for the release`,
      `keyboard bindings: ["ctrl+s", "ctrl+z"]`,
      `GET /flags params: {"page": "next", "limit": "fifty"} 200`,
      `model parameters: [temperature, top_p] were tuned`,
    ]
  ) {
    assert.deepEqual(scanText(text).findings, [], text);
    assert.equal(redactText(text), text, text);
  }
});

/** 100 KB adversarial inputs for the dump readers: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["failing rows", "Failing row contains (".repeat(4_600)],
  ["failing rows closed", "Failing row contains (a) ".repeat(4_000)],
  ["deep nesting", "Failing row contains " + "(".repeat(100_000)],
  ["deep nesting closed", "Failing row contains " + "(".repeat(50_000) + ")".repeat(50_000)],
  ["key details", "Key (a, b)=(".repeat(8_400)],
  ["key columns", "Key (" + "a, ".repeat(33_000)],
  ["key column lists", "Key (a, ".repeat(12_500)],
  ["quoted key columns", 'Key ("'.repeat(14_300)],
  ["rows that name no one", "Failing row contains (1, 2, 3) ".repeat(3_200)],
  ["type errors", 'invalid input syntax for type x: "'.repeat(2_900)],
  ["out of range", 'value "'.repeat(14_300)],
  ["unclosed lists", "[parameters: [".repeat(7_200)],
  ["sql lists", "select bindings: [".repeat(5_600)],
  ["lists without sql", "bindings: [".repeat(9_100)],
  ["quotes", "select params: ['" + "\\'".repeat(50_000)],
  ["brackets", "select params: " + "[{(".repeat(33_000)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
