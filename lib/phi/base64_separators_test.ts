/**
 * Base64 of PHI behind `-`, `_`, `/` or `+` (`b-<base64>`, `/_islands/<base64>.js`): those
 * characters are base64's too (`+/` standard, `-_` URL-safe), so the run read from the token
 * before them, decoded at the wrong offset, was no text and nothing was found; a run starting
 * with one (`/<base64>`), or whose first token was short (`x-<base64>`), was not read at all.
 * Found by the PHI-egress review through POST /api/analytics/events (stored verbatim).
 */
import assert from "node:assert/strict";
import { redact, redactText, scan, scanText } from "./mod.ts";

/** Synthetic values, built here. */
const SSN = ["536", "22", "4187"].join("-");
const EMAIL = ["quilla.vantreese", "canarymail.org"].join("@");
const NAME = "Mrs. Quilla Vantreese";
const DOB = "DOB: 07/29/1957";
const b64 = (s: string) => btoa(s).replace(/=+$/, "");
const base64url = (s: string) =>
  btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

/** What analytics reads: scan() with no safe key. */
const strictTypes = (value: unknown) => scan(value, { safeKeys: [] }).findings.map((f) => f.type);

Deno.test("base64 of PHI after '-', '_', '/' or '+' is found", () => {
  const ssn = b64(`SSN ${SSN}`);
  const email = b64(EMAIL);
  const cases: Array<[string, string]> = [
    [`x-${ssn}`, "SSN"],
    [`x_${ssn}`, "SSN"],
    [`x+${ssn}`, "SSN"],
    [`/${ssn}`, "SSN"],
    [`/a/${ssn}`, "SSN"],
    [`b-${ssn}`, "SSN"],
    [`abc-${ssn}`, "SSN"],
    [`build_2024-${ssn}`, "SSN"],
    [`/a/b/c/d/e/f/g/h/i/j/k/${ssn}`, "SSN"],
    [`/_islands/${email}.js`, "EMAIL"],
    [`p_${email}`, "EMAIL"],
    [`see /_islands/${email}.js here`, "EMAIL"],
    [`a-${b64(NAME)}`, "PERSON_NAME"],
    [`c-${b64(DOB)}`, "DATE"],
    // Something after it too.
    [`${ssn}-v2`, "SSN"],
    [`p_${email}_v2`, "EMAIL"],
  ];
  for (const [text, type] of cases) {
    assert.deepEqual(scanText(text).findings, [{ type, path: "$" }], text);
    assert.deepEqual(strictTypes({ page: text }), [type], text);
  }
  assert.equal(redactText(`b-${ssn}`), "b-[REDACTED:SSN]");
  assert.equal(redactText(`/_islands/${email}.js`), "/_islands/[REDACTED:EMAIL].js");
  assert.equal(redactText(`${ssn}-v2`), "[REDACTED:SSN]-v2");
});

Deno.test("the review's analytics properties are found", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ button: `b-${b64(`SSN ${SSN}`)}` }, "SSN"],
    [{ page: `p_${b64(EMAIL)}` }, "EMAIL"],
    [{ action: `a-${b64(NAME)}` }, "PERSON_NAME"],
    [{ component: `c-${b64(DOB)}` }, "DATE"],
  ];
  for (const [properties, type] of cases) {
    assert.deepEqual(strictTypes(properties), [type], JSON.stringify(properties));
    const out = JSON.stringify(redact(properties, { safeKeys: [] }));
    assert.ok(out.includes(`[REDACTED:${type}]`), out);
  }
  // The research id is scanned as a bare value.
  assert.deepEqual(strictTypes(`r-${b64(`SSN ${SSN}`)}`), ["SSN"]);
});

Deno.test("URL-safe base64 with '-' or '_' of its own is still found, after a prefix too", () => {
  // '?' and '>' as a group's third byte encode to '/' and '+' ('_' and '-' URL-safe).
  const text = `{"email":"${EMAIL}","q":"a???>>>"}`;
  const url = base64url(text);
  const std = b64(text);
  assert.match(url, /[-_]/);
  assert.match(std, /[+/]/);
  for (const value of [url, std, `x-${url}`, `x_${url}`, `/a/${std}`, `job-${std}`]) {
    assert.deepEqual(scanText(value).findings, [{ type: "EMAIL", path: "$" }], value);
  }
  assert.deepEqual(scanText(`state=${url}`).findings, [{ type: "EMAIL", path: "$" }]);
});

/** A seeded generator (xorshift32), so the technical cases are fixed. */
function generator(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

Deno.test("technical data with '-', '_' and '/' stays clean", () => {
  const jwt = [
    base64url(JSON.stringify({ alg: "HS256", typ: "JWT" })),
    base64url(JSON.stringify({ sub: "2b1f0c9e-7d4a-4e1b-9c55-0a3f6e8d2c71", iat: 1732406400 })),
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
  ].join(".");
  const technical = [
    "2b1f0c9e-7d4a-4e1b-9c55-0a3f6e8d2c71",
    "2B1F0C9E-7D4A-4E1B-9C55-0A3F6E8D2C71",
    "beta-search_v2",
    "checkout_v2-Treatment_B",
    "/_islands/GovernancePanel-abc123.js",
    "/_frsh/js/8f3a2c1d9e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f/island-GovernancePanel.js",
    "/static/chunk-QX7PZ2LM.js",
    "a-b-c",
    "well-known_config/Default-Settings",
    "sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
    "9f86d081-884c7d65-9a2feaa0-c55ad015-a3bf4f1b-2b0b822c-d15d6c15-b0f00a08",
    "V1StGXR8_Z5jdHi6B-myT",
    "feature/PHI-1234_Scanner-Separators",
    "Mozilla/5.0-AppleWebKit/537.36_KHTML",
    jwt,
  ];
  for (const value of technical) {
    assert.deepEqual(strictTypes({ page: value }), [], value);
    assert.deepEqual(scanText(value).findings, [], value);
  }
  assert.equal(scan({ session_id: jwt, flag_key: "beta-search_v2" }).found, false);
  // Random ids and hashes (base64 of random bytes), joined by separators and behind short
  // lower-case prefixes. (Random short pieces can read as names: `Au-…`, `/Ka_…`; not here.)
  const next = generator(20261124);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const word = (length: number, letters = 62) => {
    let s = "";
    for (let k = 0; k < length; k++) s += alphabet[26 + Math.floor(next() * (letters - 26))];
    return s;
  };
  const random = (length: number) => {
    let s = "";
    for (let k = 0; k < length; k++) s += alphabet[Math.floor(next() * 62)];
    return s;
  };
  const separators = "-_/+";
  for (let k = 0; k < 3_000; k++) {
    const sep = () => separators[Math.floor(next() * 4)];
    const value = k % 3 === 0
      ? `${word(1 + (k % 3))}${sep()}${random(12 + (k % 40))}`
      : k % 3 === 1
      ? `/${word(5)}/${random(16 + (k % 30))}${sep()}${random(12 + (k % 7))}`
      : `${random(21 + (k % 50))}${sep()}${word(2)}`;
    assert.deepEqual(scanText(value).findings, [], value);
  }
});

Deno.test("long runs of separators and base64 are read in linear time", () => {
  // No timing is asserted: a budget far above the linear cost tells linear from quadratic.
  const ssn = b64(`SSN ${SSN}`);
  for (
    const unit of [
      "a-",
      "Ab-",
      "Abcdefghijklm-",
      "Ab1+/",
      `x-${ssn}-`,
      "A_b/C+d-",
      "AbCdEfGhIjKlMnOp/",
    ]
  ) {
    for (const length of [8_000, 100_000]) {
      const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
      const result = scanText(text, { timeBudgetMs: 60_000 });
      assert.equal(result.findings.some((f) => f.type === "SCANNER_ERROR"), false, unit);
    }
  }
});
