/**
 * Benchmark inputs, generated from a fixed seed: small flat analytics payloads, Sentry-sized
 * nested events (5-20 KB) and one megabyte of log text, each with a sprinkling of PHI.
 */
import { faker } from "@faker-js/faker";
import { technicalPayloads } from "../tests/phi/corpus.ts";

/** Flat analytics events such as the consent-gated collector receives. */
export function analyticsPayloads(count = 1000): Record<string, unknown>[] {
  faker.seed(11);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      event: faker.helpers.arrayElement(["page_view", "button_click", "flag_evaluated", "search"]),
      event_id: faker.string.uuid(),
      ts: faker.date.recent().toISOString(),
      page: faker.helpers.arrayElement(["/dashboard", "/projects", "/studies/overview"]),
      flag_key: faker.helpers.arrayElement(["new-dashboard", "beta_export", "fast_search"]),
      variant: faker.helpers.arrayElement(["on", "off", "control"]),
      duration_ms: faker.number.int(5000),
      // One event in twenty carries free text a user typed, sometimes with PHI in it.
      label: i % 20 === 0 ? `search: ${faker.person.fullName()} ${faker.phone.number()}` : "Save",
    });
  }
  return out;
}

/** Sentry-like error events between 5 and 20 KB. */
export function sentryEvents(count = 50): unknown[] {
  faker.seed(12);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const frames = Array.from({ length: faker.number.int({ min: 10, max: 40 }) }, () => ({
      filename: `lib/${faker.system.fileName()}`,
      function: faker.hacker.verb() + faker.hacker.noun(),
      lineno: faker.number.int(900),
      colno: faker.number.int(80),
      in_app: faker.datatype.boolean(),
      context_line:
        `  const ${faker.hacker.noun()} = await ${faker.hacker.verb()}(${faker.hacker.noun()});`,
    }));
    const breadcrumbs = Array.from({ length: faker.number.int({ min: 10, max: 60 }) }, () => ({
      timestamp: faker.date.recent().getTime() / 1000,
      category: faker.helpers.arrayElement(["http", "query", "navigation", "console"]),
      message: faker.helpers.arrayElement([
        `GET /api/flags/${faker.string.alphanumeric(8)} 200`,
        `SELECT * FROM feature_flags WHERE key = $1`,
        `navigated to /projects/${faker.number.int(900)}`,
        i % 5 === 0 ? `lookup failed for ${faker.internet.email()}` : "cache miss",
      ]),
      level: "info",
    }));
    out.push({
      event_id: faker.string.uuid().replace(/-/g, ""),
      timestamp: faker.date.recent().toISOString(),
      level: "error",
      release: faker.system.semver(),
      environment: "production",
      exception: {
        values: [{ type: "TypeError", value: faker.hacker.phrase(), stacktrace: { frames } }],
      },
      breadcrumbs: { values: breadcrumbs },
      request: {
        method: "POST",
        url: `https://governance.example.org/api/${faker.hacker.noun()}`,
        headers: { "user-agent": faker.internet.userAgent(), "content-type": "application/json" },
      },
      tags: { runtime: "deno", mode: "LIVE" },
      extra: { job_id: `job_${faker.string.alphanumeric(12)}`, attempt: faker.number.int(5) },
    });
  }
  return out;
}

/** About one megabyte of log lines (JSON-ish and plain), one line in forty with PHI. */
export function logText(bytes = 1_000_000): string {
  faker.seed(13);
  const lines: string[] = [];
  let size = 0;
  let i = 0;
  const technical = technicalPayloads(200).map((r) => JSON.stringify(r.value));
  while (size < bytes) {
    let line: string;
    if (i % 40 === 0) {
      line =
        `${faker.date.recent().toISOString()} WARN intake failed for patient ${faker.person.fullName()} ` +
        `(${faker.internet.email()}, ${faker.phone.number()}) at ${faker.location.streetAddress()}`;
    } else if (i % 3 === 0) {
      line = `${faker.date.recent().toISOString()} INFO ${technical[i % technical.length]}`;
    } else {
      line = `${faker.date.recent().toISOString()} DEBUG request_id=${faker.string.uuid()} ` +
        `route=/api/flags status=200 duration_ms=${faker.number.int(900)} cache=hit`;
    }
    lines.push(line);
    size += line.length + 1;
    i++;
  }
  return lines.join("\n");
}

/** UTF-8 size of a string, in bytes. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
