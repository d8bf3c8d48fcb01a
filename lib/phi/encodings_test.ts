/**
 * Encodings that hid PHI from the detectors: a value percent-encoded twice (`%2540` for '@', as a
 * URL inside a query string is) and base64 after `key=` (`state=<base64>`, where the '=' was read
 * as part of the base64 run and the run failed to decode).
 */
import assert from "node:assert/strict";
import { redactText, scan, scanText } from "./mod.ts";

/** The types scan() reports for a value read the way analytics and the event bus read it. */
const strictTypes = (value: string) =>
  scan({ page: value }, { safeKeys: [] }).findings.map((f) => f.type);

/** Synthetic values, built here. */
const EMAIL = ["jane.doe", "example.org"].join("@");
const SSN = ["536", "22", "1234"].join("-");
const base64url = (s: string) =>
  btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

Deno.test("a value percent-encoded twice or three times is decoded", () => {
  const cases: Array<[string, string, string]> = [
    [EMAIL.replace("@", "%2540"), "[REDACTED:EMAIL]", "EMAIL"],
    [`to=${EMAIL.replace("@", "%252540")}&x=1`, "to=[REDACTED:EMAIL]&x=1", "EMAIL"],
    [SSN.replaceAll("-", "%252D"), "[REDACTED:SSN]", "SSN"],
    [
      `next=%2Fp%3Fssn%3D${SSN.replaceAll("-", "%252D")}`,
      "next=%2Fp%3Fssn%3D[REDACTED:SSN]",
      "SSN",
    ],
  ];
  for (const [text, redacted, type] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), [type], text);
  }
});

Deno.test("a literal percent sign stays as it is", () => {
  for (const text of ["50%25 off", "100%25", "%2541", "%25%25", "%252", "%25zz"]) {
    assert.equal(redactText(text), text, text);
    assert.deepEqual(strictTypes(text), [], text);
  }
});

Deno.test("base64 after key= is decoded as a segment of its own", () => {
  const json = JSON.stringify({ email: EMAIL, n: 1 });
  const cases: Array<[string, string, string]> = [
    [`state=${btoa(json)}`, "state=[REDACTED:EMAIL]", "EMAIL"],
    [`?code=abc&state=${base64url(json)}`, "?code=abc&state=[REDACTED:EMAIL]", "EMAIL"],
    [`x=${btoa(`ssn ${SSN}`)}`, "x=[REDACTED:SSN]", "SSN"],
    [`userPayloadData=${btoa(json)}`, "userPayloadData=[REDACTED:EMAIL]", "EMAIL"],
  ];
  for (const [text, redacted, type] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), [type], text);
    assert.deepEqual(scanText(text).findings, [{ type, path: "$" }], text);
  }
  // Padding at the end of a segment is still part of it.
  assert.equal(redactText(btoa(json)), "[REDACTED:EMAIL]");
  assert.equal(redactText(`${btoa(json)} next`), "[REDACTED:EMAIL] next");
});

Deno.test("values after key= that are no base64 of PHI stay clean", () => {
  for (
    const text of [
      "token=SomeLongMixedCaseValue123",
      `state=${btoa(JSON.stringify({ step: 2, flag: "checkout_v2" }))}`,
      "a=b=c=d",
      "sig=AbCdEfGhIjKlMnOpQrStUv==&v=2",
    ]
  ) {
    assert.deepEqual(strictTypes(text), [], text);
  }
});

/** Hex of a text's UTF-8 bytes (lower case). */
const hex = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");

/** RFC 4648 base32 of a text's UTF-8 bytes, with or without its '=' padding. */
function base32(s: string, pad = true): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of new TextEncoder().encode(s)) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31];
  while (pad && out.length % 8 !== 0) out += "=";
  return out;
}

/** A seeded generator of pseudo-random bytes (xorshift32), so the technical cases are fixed. */
function randomBytes(seed: number, length: number): Uint8Array {
  let x = seed || 1;
  const out = new Uint8Array(length);
  for (let k = 0; k < length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = x & 0xff;
  }
  return out;
}
const bytesHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("a run of hex digits that decodes to text is read as that text", () => {
  const cases: Array<[string, string, string]> = [
    [hex(EMAIL), "[REDACTED:EMAIL]", "EMAIL"],
    [hex(EMAIL).toUpperCase(), "[REDACTED:EMAIL]", "EMAIL"],
    [hex(SSN), "[REDACTED:SSN]", "SSN"],
    [hex(SSN.replaceAll("-", "")), "[REDACTED:SSN]", "SSN"],
    [`contact=${hex(EMAIL)}`, "contact=[REDACTED:EMAIL]", "EMAIL"],
    [`job-${hex(`ssn ${SSN}`)}`, "job-[REDACTED:SSN]", "SSN"],
  ];
  for (const [text, redacted, type] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), [type], text);
  }
  assert.equal(redactText(`sent to ${hex(EMAIL)} today`), "sent to [REDACTED:EMAIL] today");
});

Deno.test("a base32 run that decodes to text is read as that text", () => {
  const cases: Array<[string, string, string]> = [
    [base32(EMAIL, false), "[REDACTED:EMAIL]", "EMAIL"],
    [base32(EMAIL), "[REDACTED:EMAIL]", "EMAIL"],
    [base32(`ssn ${SSN}`), "[REDACTED:SSN]", "SSN"],
    [`v=${base32(EMAIL, false)}`, "v=[REDACTED:EMAIL]", "EMAIL"],
  ];
  for (const [text, redacted, type] of cases) {
    assert.equal(redactText(text), redacted, text);
    assert.deepEqual(strictTypes(text), [type], text);
  }
  assert.equal(
    redactText(`token ${base32(EMAIL)} sent`),
    "token [REDACTED:EMAIL] sent",
  );
});

Deno.test("hashes, UUIDs, random hex tokens and upper-case identifiers stay clean", async () => {
  const digest = async (algorithm: string, text: string) =>
    bytesHex(new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text))));
  const values: string[] = [
    await digest("SHA-1", EMAIL),
    await digest("SHA-256", EMAIL),
    (await digest("SHA-256", SSN)).slice(0, 32),
    (await digest("SHA-1", SSN)).toUpperCase(),
    "123e4567-e89b-12d3-a456-426614174000",
    "0123456789abcdef0123456789abcdef",
    "INTERNATIONALIZATION",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
    "ERRCONNECTIONREFUSED",
    "MAX_RETRY_COUNT_EXCEEDED",
    "AKIAIOSFODNN7EXAMPLE",
    // Encoded text with no PHI in it.
    hex("checkout_v2 enabled"),
    base32("checkout_v2 enabled"),
  ];
  // Random tokens of 8-64 bytes as hex, in both cases, and as base32.
  for (let seed = 1; seed <= 3000; seed++) {
    const bytes = randomBytes(seed * 2654435761, 8 + (seed % 57));
    values.push(bytesHex(bytes));
    if (seed % 3 === 0) values.push(bytesHex(bytes).toUpperCase());
    if (seed % 3 === 1) values.push(base32(String.fromCharCode(...bytes), false));
  }
  for (const value of values) {
    assert.deepEqual(strictTypes(value), [], value);
    assert.equal(redactText(`id ${value} done`), `id ${value} done`, value);
  }
});

/** 100 KB strings for the escape and padding readers: the scan must finish. */
const ADVERSARIAL: Array<[string, string]> = [
  ["doubled escapes", "%25".repeat(33_400)],
  ["doubled escape heads", "%252".repeat(25_000)],
  ["keys and base64", "Ab=Cd".repeat(20_000)],
  ["padding runs", "AbCdEfGhIjKl==".repeat(7_200)],
  ["backslashes", "1" + "\\".repeat(100_000)],
  ["JSON escape heads", "\\u00".repeat(25_000)],
  ["doubled JSON escapes", "\\\\nA".repeat(25_000)],
  ["form values", "a=Bc+De".repeat(14_300)],
  ["form spaces", "1+".repeat(50_000)],
  ["form values and e-mails", "q=Ab+Cd.".repeat(12_500)],
  ["hex digits", "6a".repeat(50_000)],
  ["hex runs", "6a6f686e2e736d69 ".repeat(5_900)],
  ["base32 alphabet", "NJXWQ3RO".repeat(12_500)],
  ["base32 runs", "NJXWQ3ROONWWS5DI= ".repeat(5_600)],
];

for (const [name, text] of ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}

Deno.test("an encoded space does not end a URL: the raw run of URL characters does", () => {
  const cases: Array<[string, string]> = [
    ["GET https://x.example.org/p/Quenby%20Zarkowski/chart 404", "GET [REDACTED:URL] 404"],
    [
      "GET https://x.example.org/files/Quenby%20Zarkowski%20MRN%204829133.pdf",
      "GET [REDACTED:URL]",
    ],
    ["url=https%3A%2F%2Fx.example.org%2Fp%2FQuenby%2520Zarkowski", "url=[REDACTED:URL]"],
    ["see https://x.example.org/a. Next", "see [REDACTED:URL]. Next"],
    ['<a href="https://x.example.org/a">x</a>', '<a href="[REDACTED:URL]">x</a>'],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("a '|' in a URL's query value (FHIR system|value) is part of it", () => {
  const cases: Array<[string, string]> = [
    ["?identifier=http://hospital.example.org/mrn|4829133", "?identifier=[REDACTED:URL]"],
    [
      "GET https://fhir.example.org/Patient?identifier=http://hospital.example.org/mrn|4829133 200",
      "GET [REDACTED:URL] 200",
    ],
    // A field separator or a table's column ends it.
    [
      "OBX|1|RP|url^^L||http://x.example.org/a?b=1|N|||F",
      "OBX|1|RP|url^^L||[REDACTED:URL]|N|||F",
    ],
    ["| http://x.example.org/a | 200 |", "| [REDACTED:URL] | 200 |"],
    ["see http://x.example.org/a|b", "see [REDACTED:URL]|b"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

/** Base64 wrapped as MIME (76 characters a line) or PEM (64) writes it. */
const wrapped = (s: string, width: number, eol = "\n") =>
  btoa(s).match(new RegExp(`.{1,${width}}`, "g"))!.join(eol);

Deno.test("wrapped base64 (MIME, PEM) is decoded as one block: a field across a line break is found", () => {
  // 57 bytes a MIME line: each field below starts near its first line's end.
  const ssnText = `${"n".repeat(50)} ssn ${SSN} end of the synthetic note`;
  const emailText = `${"n".repeat(38)} mail ${EMAIL} end of the synthetic note`;
  // 48 bytes a PEM line.
  const pemText = `${"n".repeat(40)} ssn ${SSN} end`;
  const cases: Array<[string, string]> = [
    [wrapped(ssnText, 76), "SSN"],
    [wrapped(ssnText, 76, "\r\n"), "SSN"],
    [`Content-Transfer-Encoding: base64\n\n${wrapped(emailText, 76)}\n--b1--`, "EMAIL"],
    [wrapped(pemText, 64), "SSN"],
    // In a logged JSON text (line breaks escaped) and in an XML element.
    [JSON.stringify({ body: wrapped(ssnText, 76) }), "SSN"],
    [JSON.stringify({ body: wrapped(ssnText, 76, "\r\n") }), "SSN"],
    [`<data>${wrapped(ssnText, 76)}</data>`, "SSN"],
    [`${wrapped(ssnText, 76)} (2 lines)`, "SSN"],
  ];
  for (const [text, type] of cases) {
    // Read line by line, no line holds the whole field.
    for (const line of text.split(/\r?\n|\\r\\n|\\n/)) {
      assert.deepEqual(strictTypes(line), [], line);
    }
    assert.deepEqual(strictTypes(text), [type], text);
    const out = redactText(text);
    assert.ok(!/[A-Za-z0-9+/]{60}/.test(out), out);
  }
});

Deno.test("wrapped base64 without PHI, and lines of the same length that are no base64, stay clean", () => {
  for (
    const text of [
      wrapped(`${"a synthetic note without identifiers, ".repeat(6)}`, 76),
      ["0123456789abcdef".repeat(4), "fedcba9876543210".repeat(4)].join("\n"),
      ["A".repeat(76), "B".repeat(76), "C".repeat(20)].join("\n"),
    ]
  ) {
    assert.equal(redactText(text), text, text);
    assert.deepEqual(strictTypes(text), [], text);
  }
});

Deno.test("wrapped base64 over 8 KB: a piece after the first that decodes to no text is read line by line", () => {
  // UTF-8 of a text to base64, as a MIME part with charset=utf-8 carries it.
  const utf8 = (s: string) => {
    let x = "";
    for (const b of new TextEncoder().encode(s)) x += String.fromCharCode(b);
    return btoa(x);
  };
  const wrap = (b64: string, width: number) => b64.match(new RegExp(`.{1,${width}}`, "g"))!;
  const pad = (s: string, n: number) => (s + " ".repeat(n)).slice(0, n);
  const note =
    "Clinical note: vitals stable, no change in plan, follow up in clinic next week as arranged.\n";
  // Accents lower the second piece's printable ASCII share under 95%; the SSN's line alone
  // decodes to text.
  const accents =
    "Observación clínica: señal estable, sin cambios; próxima revisión mañana según protocolo.\n"
      .repeat(4);
  const body = note.repeat(70) + accents +
    `Paciente Quenby Zarkowski, SSN ${SSN}, DOB 03/02/1955.\n` + accents;
  const plain = btoa(pad("a synthetic note without identifiers, just some words.", 57));
  const padded = btoa(pad(`Patient Quenby Zarkowski ssn ${SSN} dob 03/02/1955`, 55));
  const printable = btoa(pad(`Patient Quenby Zarkowski ssn ${SSN} dob 03/02/1955`, 57));
  const bytes = btoa("\u0001\u00ff\u0002".repeat(19));
  const cases: Array<[string, string]> = [
    [`Content-Transfer-Encoding: base64\r\n\r\n${wrap(utf8(body), 76).join("\r\n")}\r\n`, "SSN"],
    // Lines ending in '=' (each its own block's last line) after 8 KB of lines.
    [[...Array(108).fill(plain), padded, padded].join("\n"), "SSN"],
    // Lines of bytes after the PHI line, in the second piece.
    [[...Array(108).fill(plain), printable, bytes, bytes].join("\n"), "SSN"],
  ];
  for (const [text, type] of cases) {
    assert.ok(text.length > 8_192, "more than one piece");
    assert.ok(strictTypes(text).some((t) => t === type), text.slice(-200));
    assert.ok(!redactText(text).includes(btoa(pad(`Patient Quenby`, 12))), "PHI line left raw");
  }
});

Deno.test("wrapped base64: what a line alone holds is found, though the joined text reads on", () => {
  // A field ends a 57-byte MIME line, the next line starts with a digit: joined, the SSN has
  // six digits and the date a five-digit year; read alone, each line holds the field.
  const lines = (a: string, b: string) => btoa(a.padStart(57, "n") + b).match(/.{1,76}/g)!;
  const cases: Array<[string[], string]> = [
    [lines(`a synthetic note, ssn ${SSN}`, "56 more words of the synthetic note"), "SSN"],
    [lines("a synthetic note, dated 03/02/1955", "0 more words of the synthetic note"), "DATE"],
  ];
  for (const [block, type] of cases) {
    for (const eol of ["\n", "\r\n"]) {
      const text = block.join(eol);
      assert.deepEqual(strictTypes(text), [type], text);
      assert.ok(!redactText(text).includes(block[0]!), text);
    }
  }
});

Deno.test("wrapped base64 narrower than 40 characters or at a width that is no multiple of 4 is joined too", () => {
  for (const width of [16, 20, 24, 30, 32, 33, 36, 38, 50, 57, 63, 65, 70, 75, 77]) {
    // The SSN starts a few bytes before the first line's last decoded byte: across the break.
    const lead = Math.floor((3 * width) / 4) - 10;
    const note = `${"n".repeat(lead)} ssn ${SSN} end of the synthetic note, no more`;
    for (const eol of ["\n", "\r\n"]) {
      const text = wrapped(note, width, eol);
      for (const line of text.split(/\r?\n/)) assert.deepEqual(strictTypes(line), [], line);
      assert.deepEqual(strictTypes(text), ["SSN"], `${width}: ${text}`);
      assert.deepEqual(scanText(text).findings, [{ type: "SSN", path: "$" }], text);
      assert.equal(redactText(text), "[REDACTED:SSN]", text);
    }
    // In a logged JSON text, its line breaks escaped.
    const json = JSON.stringify({ body: wrapped(note, width) });
    assert.deepEqual(strictTypes(json), ["SSN"], json);
    assert.equal(redactText(json), '{"body":"[REDACTED:SSN]"}', json);
  }
});

Deno.test("wrapped base64 over 8 KB at a width that is no multiple of 4: the pieces after the first decode in step", () => {
  // 8 KB of base64 is 6 KB of text: the SSN is in the second piece, whole in it.
  const note = "a synthetic note without identifiers, ".repeat(200) + `ssn ${SSN} end of the note`;
  for (const width of [33, 50, 57, 63, 70, 77]) {
    const text = wrapped(note, width);
    assert.ok(text.length > 8_192, "more than one piece");
    assert.deepEqual(strictTypes(text), ["SSN"], `${width}`);
    assert.ok(!redactText(text).includes(btoa(note.slice(-21)).slice(-8)), `${width}`);
  }
});

Deno.test("narrow and odd-width lines of tokens, keys and hashes stay clean", () => {
  // A seeded generator: the same bytes on every run.
  let seed = 20_261_124;
  const byte = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) >>> 24;
  const bytes = (n: number) => String.fromCharCode(...Array.from({ length: n }, byte));
  for (const width of [16, 22, 30, 33, 50]) {
    for (
      const text of [
        // Random tokens one to a line, each as wide as the last.
        Array.from({ length: 40 }, () => btoa(bytes(64)).slice(0, width)).join("\n"),
        // Wrapped base64 of bytes (a key, a certificate), and of text without identifiers.
        wrapped(bytes(600), width),
        wrapped("a synthetic note without identifiers, ".repeat(12), width),
        // Hex hashes, one to a line.
        Array.from(
          { length: 40 },
          () =>
            [...bytes(32)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("").slice(
              0,
              width,
            ),
        ).join("\n"),
      ]
    ) {
      assert.equal(redactText(text), text, text);
      assert.deepEqual(strictTypes(text), [], text);
    }
  }
});

/** 100 KB of wrapped base64 that is no text, or text without PHI: the scan must finish. */
const WRAPPED_ADVERSARIAL: Array<[string, string]> = [
  ["wrapped base64 of bytes", wrapped("\u0001\u00ff\u0002".repeat(25_000), 76)],
  ["wrapped base64 of text", wrapped("a synthetic note, ".repeat(4_000), 76)],
  ["wrapped base64 lines of 40", wrapped("Ab1".repeat(25_000), 40)],
  ["wrapped base64 lines of 16", wrapped("Ab1".repeat(25_000), 16)],
  ["wrapped base64 of text, lines of 33", wrapped("a synthetic note, ".repeat(4_000), 33)],
  // Each text line is followed by a line of bytes: the join from it fails, and is not
  // tried again from the lines inside it.
  [
    "wrapped base64 of text lines between lines of bytes",
    Array.from(
      { length: 650 },
      (_, k) =>
        btoa(`a synthetic note number ${k} without identifiers ok`.padEnd(57)) + "\n" +
        btoa("\u0001\u00ff\u0002".repeat(19)),
    ).join("\n"),
  ],
  // Every line ends in '=': a block's last line, so none starts a join of the lines after it.
  [
    "wrapped base64 lines ending in =",
    Array.from({ length: 1_300 }, (_, k) => btoa(`a synthetic note number ${k} ok`.padEnd(55)))
      .join("\n"),
  ],
];
for (const [name, text] of WRAPPED_ADVERSARIAL) {
  Deno.test(`scanText() completes on 100 KB of ${name}`, () => {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), "budget hit");
  });
}
