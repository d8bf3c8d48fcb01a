/**
 * Browser User-Agent strings hold product names and versions that read like PHI to the value
 * rules (`Macintosh` a surname, `OS X 10` an address, `Chrome/120.0.0.0` an IPv4 address,
 * `Chrome/120.0.6099.144` a phone): they must stay as they are, while an identifier beside
 * one in the same text is still found. Every identifier here is synthetic, built here.
 */
import assert from "node:assert/strict";
import { redact, redactText, scan, scanText } from "./mod.ts";

/** The types scan() reports for a value read the way analytics and the event bus read it. */
const strictTypes = (value: string) =>
  scan({ page: value }, { safeKeys: [] }).findings.map((f) => f.type);

const USER_AGENTS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
  "Dalvik/2.1.0 (Linux; U; Android 11; SM-G991B Build/RP1A.200720.012)",
];

Deno.test("browser User-Agent strings produce no finding", () => {
  for (const ua of USER_AGENTS) {
    assert.equal(redactText(ua), ua, ua);
    assert.deepEqual(strictTypes(ua), [], ua);
    assert.equal(scanText(ua).found, false, ua);
    // As a header value, a log field and inside a log line.
    const line = `203.0.113.7 - - "GET /health HTTP/1.1" 200 512 "-" "${ua}"`;
    assert.equal(redactText(line), line.replace("203.0.113.7", "[REDACTED:IP_ADDRESS]"), line);
    assert.deepEqual(redact({ headers: { "user-agent": ua } }), { headers: { "user-agent": ua } });
  }
});

Deno.test("an identifier beside a User-Agent in the same text is still found", () => {
  const ua = USER_AGENTS[0]!;
  const mobile = USER_AGENTS[7]!;
  const cases: Array<[string, string]> = [
    [`${ua} 203.0.113.7`, `${ua} [REDACTED:IP_ADDRESS]`],
    [`client 203.0.113.7 ua=${ua}`, `client [REDACTED:IP_ADDRESS] ua=${ua}`],
    [`${ua}\nPatient: Quenby Zarkowski`, `${ua}\nPatient: [REDACTED:PERSON_NAME]`],
    [`${mobile} from 12 Main Street`, `${mobile} from [REDACTED:STREET_ADDRESS]`],
    [`${ua}, call 415-555-0132`, `${ua}, call [REDACTED:PHONE]`],
    // Words after the last product are no part of it.
    [`${ua} Robert Johnson`, `${ua} [REDACTED:PERSON_NAME]`],
    [`${ua} for Jane Smith`, `${ua} for [REDACTED:PERSON_NAME]`],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("the words and versions of a User-Agent are read as usual elsewhere", () => {
  const cases: Array<[string, string]> = [
    ["Dr. Macintosh saw the patient", "[REDACTED:PERSON_NAME] saw the patient"],
    ["server 120.0.0.1 refused", "server [REDACTED:IP_ADDRESS] refused"],
    // No product token before the comment: no User-Agent.
    ["Mozilla (Macintosh; 10.0.0.7)", "Mozilla ([REDACTED:PERSON_NAME]; [REDACTED:IP_ADDRESS])"],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("scanText() completes on 100 KB of User-Agent-like text", () => {
  for (
    const text of [
      "Mozilla/5.0 (".repeat(8_000),
      "Mozilla/5.0 " + "A/1 ".repeat(25_000),
      "Mozilla/5.0 " + "(a; b) ".repeat(14_000),
      "Mozilla/5.0 A/1 ".repeat(6_000),
      "Mozilla/5.0 (a) ".repeat(6_000),
      // Thousands of hits inside one User-Agent: each is judged by a bounded read.
      "Mozilla/5.0 " + "Chrome/120.0.0.0 ".repeat(6_000) + "(x)",
      "Mozilla/5.0 (x) " + "Macintosh ".repeat(10_000) + "A/1",
    ]
  ) {
    const result = scanText(text, { timeBudgetMs: 120_000 });
    assert.ok(!result.findings.some((f) => f.type === "SCANNER_ERROR"), text.slice(0, 16));
  }
});

Deno.test("an identifier written into a User-Agent is still found", () => {
  const cases: Array<[string, string]> = [
    [
      "Mozilla/5.0 (Windows NT 10.0; ssn 536-22-1234) Chrome/120.0.0.0",
      "Mozilla/5.0 (Windows NT 10.0; ssn [REDACTED:SSN]) Chrome/120.0.0.0",
    ],
    [
      "Mozilla/5.0 (X11; jane.doe@example.org) Firefox/121.0",
      "Mozilla/5.0 (X11; [REDACTED:EMAIL]) Firefox/121.0",
    ],
    [
      "Mozilla/5.0 (X11; Linux; Jane Smith) Firefox/121.0",
      "Mozilla/5.0 (X11; Linux; [REDACTED:PERSON_NAME]) Firefox/121.0",
    ],
    [
      "Mozilla/5.0 (X11; call 415-555-0132) Firefox/121.0",
      "Mozilla/5.0 (X11; call [REDACTED:PHONE]) Firefox/121.0",
    ],
    [
      "Mozilla/5.0 (X11; 12 Main Street) Firefox/121.0",
      "Mozilla/5.0 (X11; [REDACTED:STREET_ADDRESS]) Firefox/121.0",
    ],
  ];
  for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
});

Deno.test("inside a User-Agent only its own product and platform words are dropped: PHI written into one is found", () => {
  const b64 = (s: string) => btoa(s).replace(/=+$/, "");
  const name = b64("Patient: Jane Doe");
  const street = b64("lives at 12 Main Street, Springfield");
  const nameDob = b64("Patient Quenby Zarkowski DOB 03/02/1955");
  const cases: Array<[string, string[]]> = [
    // Base64 of PHI inside a User-Agent: decoded hits are never dropped.
    [`Mozilla/5.0 (X11) ${name} (x)`, ["PERSON_NAME"]],
    [`Mozilla/5.0 (X11; ${name}; y)`, ["PERSON_NAME"]],
    [`Mozilla/5.0 (${street})`, ["STREET_ADDRESS"]],
    [`Mozilla/5.0 (X11) ${street} A/1`, ["STREET_ADDRESS"]],
    [`Mozilla/5.0 (X11) ${nameDob} (x)`, ["PERSON_NAME", "DATE"]],
    // One-word names after a cue, and names that are no product or platform word.
    [
      "Mozilla/5.0 (Linux; Android 14) ClinicApp/2.3 (patient: Zarkowski; dob/1955-03-02; zip 02118)",
      ["PERSON_NAME", "DATE", "ZIP_CODE"],
    ],
    ["Dalvik/2.1.0 (Linux; U; Android 11; patient Zarkowski)", ["PERSON_NAME"]],
    ["Mozilla/5.0 (patient Zarkowski; zip 90210)", ["PERSON_NAME", "ZIP_CODE"]],
    ["Mozilla/5.0 (Patient: Zarkowski)", ["PERSON_NAME"]],
    ["Mozilla/5.0 (name=Zarkowski)", ["PERSON_NAME"]],
    ["Mozilla/5.0 (X11) Jane/Doe", ["PERSON_NAME"]],
    ["Mozilla/5.0 (X11) seen patient Zarkowski (bed 4)", ["PERSON_NAME"]],
    ["Mozilla/5.0 (X11; Boston, MA 02118)", ["PERSON_NAME"]],
    [
      "Browser: Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0 (reported for patient Zarkowski, dob 03/02/1955)",
      ["PERSON_NAME", "DATE"],
    ],
    // A product or platform word after a name cue is a name.
    ["Mozilla/5.0 (patient: Macintosh)", ["PERSON_NAME"]],
    ["Mozilla/5.0 (X11; patient Linux)", ["PERSON_NAME"]],
    // Places and addresses that are no platform.
    ["Mozilla/5.0 (lives in Springfield, Illinois 62704)", ["LOCATION"]],
    ["Mozilla/5.0 (PO Box 1234, Springfield)", ["STREET_ADDRESS"]],
    // A date, phone or IP after a '/' that is no browser product's version.
    ["Mozilla/5.0 (X11) dob/03-02-1955", ["DATE"]],
    ["Mozilla/5.0 (X11) born/1955-03-02", ["DATE"]],
    ["Mozilla/5.0 (X11) admitted/2024-01-05 dob/1955-03-02", ["DATE"]],
    ["Mozilla/5.0 (X11) tel/415-555-0132", ["PHONE"]],
    ["Mozilla/5.0 (X11) phone/4155550132", ["PHONE"]],
    ["Mozilla/5.0 (X11) ip/203.0.113.7", ["IP_ADDRESS"]],
    ["Mozilla/5.0 (X11) ClinicApp/203.0.113.7", ["IP_ADDRESS"]],
  ];
  for (const [text, types] of cases) {
    assert.deepEqual(strictTypes(text).toSorted(), types.toSorted(), text);
    assert.notEqual(redactText(text), text, text);
  }
});
