/**
 * PHI scanner throughput: `deno bench -A bench/phi_bench.ts`.
 * Divide the input sizes printed by bench/phi_report.ts by the times here for MB/s; the
 * report does that (and the side-by-side accuracy) in one run.
 */
import { redact, redactText, scan, scanText } from "../lib/phi/mod.ts";
import { loadPresidio } from "../tests/phi/presidio.ts";
import { openRedactionTool, redactPiiTool } from "../tests/phi/tools.ts";
import { analyticsPayloads, logText, sentryEvents } from "./phi_fixtures.ts";

const analytics = analyticsPayloads(1000);
const sentry = sentryEvents(50);
const log = logText(1_000_000);
const presidioTexts = (loadPresidio() ?? []).map((r) => r.full_text);
const redactPii = redactPiiTool();
const openRedaction = openRedactionTool();

Deno.bench("scan: 1,000 flat analytics payloads", { group: "analytics", baseline: true }, () => {
  for (const payload of analytics) scan(payload);
});

Deno.bench("redact: 1,000 flat analytics payloads", { group: "analytics" }, () => {
  for (const payload of analytics) redact(payload);
});

Deno.bench("scan: 50 Sentry-sized events (5-20 KB)", { group: "sentry", baseline: true }, () => {
  for (const event of sentry) scan(event);
});

Deno.bench("redact: 50 Sentry-sized events (5-20 KB)", { group: "sentry" }, () => {
  for (const event of sentry) redact(event);
});

Deno.bench("redactText: 1 MB of log text", { group: "log" }, () => {
  redactText(log, { timeBudgetMs: 60_000 });
});

if (presidioTexts.length > 0) {
  Deno.bench("ours: presidio-synth-v2 (1,500 texts)", { group: "presidio", baseline: true }, () => {
    for (const text of presidioTexts) redactText(text);
  });
  Deno.bench("redact-pii: presidio-synth-v2", { group: "presidio" }, () => {
    for (const text of presidioTexts) redactPii.redact(text);
  });
  Deno.bench("openredaction: presidio-synth-v2", { group: "presidio", n: 5 }, () => {
    for (const text of presidioTexts) openRedaction.redact(text);
  });
}

const adversarial: Record<string, string> = {
  "a@a@a@": "a@".repeat(50_000),
  "1-1-1-": "1-".repeat(50_000),
  "digits": "7".repeat(100_000),
  "hex:colons": "a1:".repeat(33_000),
  "1 1 1 ": "1 ".repeat(50_000),
  "&name=x": "&name=x".repeat(14_300),
};
for (const [name, text] of Object.entries(adversarial)) {
  Deno.bench(`adversarial 100 KB: ${name}`, { group: "adversarial" }, () => {
    scanText(text);
  });
}
