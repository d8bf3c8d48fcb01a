/**
 * One run, one report: accuracy and throughput of the PHI scanner side by side with
 * redact-pii and @openredaction/openredaction, printed as the Markdown tables of docs/phi.md.
 *
 *   deno run -A bench/phi_report.ts
 *
 * Timings alternate between the tools round by round and report the median, so a busy
 * machine slows every tool alike; forty untimed rounds come first, for V8 to finish
 * optimising every tool's code (ours runs up to 1.7x slower until about the 35th pass over
 * the presidio texts: its rules are many and V8 optimises them one by one as they get hot).
 */
import { redactText, scan } from "../lib/phi/mod.ts";
import { CORPUS_SEED, generateCorpus, type LabelledRecord } from "../tests/phi/corpus.ts";
import { cleanShare, scoreCorpus } from "../tests/phi/evaluate.ts";
import {
  cachedMasks,
  loadPresidio,
  type MaskFn,
  scorePresidio,
  SPAN_RECALL_ANY,
  SPAN_RECALL_COVERAGE,
} from "../tests/phi/presidio.ts";
import { openRedactionTool, oursMask, redactPiiTool } from "../tests/phi/tools.ts";
import { analyticsPayloads, logText, sentryEvents, utf8Bytes } from "./phi_fixtures.ts";

const out: string[] = [];
const print = (line = "") => out.push(line);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const redactPii = redactPiiTool();
const openRedaction = openRedactionTool();
const tools: Array<[string, MaskFn, (text: string) => string]> = [
  ["ours", oursMask, (t) => redactText(t)],
  ["redact-pii", redactPii.mask, redactPii.redact],
  ["openredaction", openRedaction.mask, openRedaction.redact],
];

/** Rounds run (interleaved, untimed) before timing: until then V8 is still optimising. */
const WARM_UP_ROUNDS = 40;

/** Wall times (ms) of each round of each of `fns`, rounds interleaved across `fns`. */
function interleavedTimes(
  fns: Array<() => void>,
  rounds: number[],
  warmUp = WARM_UP_ROUNDS,
): number[][] {
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < warmUp; r++) for (const fn of fns) fn();
  const most = Math.max(...rounds);
  for (let r = 0; r < most; r++) {
    for (const [k, fn] of fns.entries()) {
      if (r >= rounds[k]!) continue;
      const t0 = performance.now();
      fn();
      times[k]!.push(performance.now() - t0);
    }
  }
  return times;
}

/** The median of a list. */
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

/** Median wall time (ms) of `fn` per round, rounds interleaved across `fns`. */
function interleaved(fns: Array<() => void>, rounds: number[], warmUp?: number): number[] {
  return interleavedTimes(fns, rounds, warmUp).map(median);
}

// --- Timings first, on a fresh JIT state, interleaved across tools -----------------------

const corpus = generateCorpus();
const presidio = loadPresidio();
const presidioTexts = (presidio ?? []).map((r) => r.full_text);
const presidioBytes = presidioTexts.reduce((a, t) => a + utf8Bytes(t), 0);
const corpusTexts = corpus.positives.map((r) => plantedText(r) ?? "");
const corpusBytes = corpusTexts.reduce((a, t) => a + utf8Bytes(t), 0);
const run = (texts: string[], k: number) => () => {
  for (const t of texts) tools[k]![2](t);
};
// openredaction is timed last and alone: once it has run, its heap slows every tool in the
// process (measured here: ours about 2x, redact-pii 1.25x), which would skew the comparison.
const presidioRounds = presidio === null
  ? [[0], [0]]
  : interleavedTimes([run(presidioTexts, 0), run(presidioTexts, 1)], [31, 31]);
const [presidioOurs, presidioPii] = presidioRounds.map(median);
// redact-pii's time over ours in each pair of adjacent rounds: the spread the load causes.
const pairRatios = presidioRounds[1]!.map((pii, r) => pii / presidioRounds[0]![r]!).sort((a, b) =>
  a - b
);
const [corpusOurs, corpusPii] = interleaved([run(corpusTexts, 0), run(corpusTexts, 1)], [15, 15]);
const analytics = analyticsPayloads(1000);
const sentry = sentryEvents(50);
const log = logText(1_000_000);
const sentryBytes = sentry.reduce((a: number, e) => a + utf8Bytes(JSON.stringify(e)), 0);
const logBytes = utf8Bytes(log);
const [analyticsMs, sentryMs, logMs] = interleaved([
  () => analytics.forEach((p) => scan(p)),
  () => sentry.forEach((e) => scan(e)),
  () => redactText(log, { timeBudgetMs: 60_000 }),
], [30, 30, 15]);
// (A second of openredaction per round: one warm-up round is plenty for its timing.)
const [presidioOr] = presidio === null ? [0] : interleaved([run(presidioTexts, 2)], [5], 1);
const [corpusOr] = interleaved([run(corpusTexts, 2)], [5], 1);
const presidioMs = [presidioOurs!, presidioPii!, presidioOr!];
const corpusMs = [corpusOurs!, corpusPii!, corpusOr!];

// --- Generated corpus -------------------------------------------------------------------

const ours = scoreCorpus(corpus.positives);

/** The string at the labelled path that holds the planted identifier. */
function plantedText(record: LabelledRecord): string | null {
  const planted = record.planted;
  if (planted === undefined) return null;
  const stack: unknown[] = [record.value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string" && v.includes(planted)) return v;
    if (v !== null && typeof v === "object") stack.push(...Object.values(v));
  }
  return null;
}

function textRecall(mask: MaskFn, records: LabelledRecord[]): Record<string, number> {
  const hits: Record<string, [number, number]> = {};
  for (const record of records) {
    const text = plantedText(record);
    if (text === null) continue;
    const at = text.indexOf(record.planted!);
    const m = mask(text);
    let covered = 0;
    for (let i = at; i < at + record.planted!.length; i++) covered += m[i]!;
    const entry = hits[record.kind] ??= [0, 0];
    entry[1]++;
    if (covered / record.planted!.length >= SPAN_RECALL_COVERAGE) entry[0]++;
  }
  return Object.fromEntries(Object.entries(hits).map(([k, [a, b]]) => [k, a / b]));
}

function stringsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) stringsOf(v, into);
  }
  return into;
}

/** Share of technical payloads in which a text redactor redacts nothing. */
function textClean(mask: MaskFn, records: LabelledRecord[]): number {
  let clean = 0;
  for (const record of records) {
    if (stringsOf(record.value).every((s) => !mask(s).includes(1))) clean++;
  }
  return clean / records.length;
}

const corpusRecall = tools.map(([, mask]) => textRecall(mask, corpus.positives));
const corpusClean = tools.map(([, mask]) => textClean(mask, corpus.technical));

const labelledCounts = Object.entries(ours.perType).filter(([, s]) => s.labelled > 0).sort()
  .map(([type, s]) => `${type} ${s.labelled}`);
print(
  `### Generated corpus (seed ${CORPUS_SEED}; labelled identifiers: ${labelledCounts.join(", ")})`,
);
print();
print(
  "Structured `scan()` (the way the app calls it: keys, paths) and, for the side-by-side, the same",
);
print(
  "strings through each tool as plain text (an identifier counts when >= 50% of it is redacted).",
);
print();
print("| type | scan() recall | scan() precision | ours (text) | redact-pii | openredaction |");
print("| --- | --- | --- | --- | --- | --- |");
for (const [type, s] of Object.entries(ours.perType).sort()) {
  if (s.labelled === 0) continue;
  const cells = corpusRecall.map((r) => pct(r[type] ?? 0));
  print(`| ${type} | ${pct(s.recall)} | ${pct(s.precision)} | ${cells.join(" | ")} |`);
}
print(
  `| technical payloads left alone | ${pct(cleanShare(corpus.technical))} (scan) | | ${
    corpusClean.map(pct).join(" | ")
  } |`,
);
print(
  `| MB/s (strings above) | | | ${
    corpusMs.map((ms) => (corpusBytes / 1e6 / (ms / 1000)).toFixed(1)).join(" | ")
  } |`,
);
const evasion = scoreCorpus(corpus.evasions);
const near = scoreCorpus(corpus.nearMisses);
print();
print(
  `Evasions caught: ${corpus.evasions.length - evasion.misses.length}/${corpus.evasions.length}. ` +
    `Near-misses flagged: ${near.falsePositives.length}/${corpus.nearMisses.length}.`,
);

// --- presidio-synth-v2 ------------------------------------------------------------------

if (presidio === null) {
  print();
  print("presidio-synth-v2.json not found: presidio figures skipped.");
} else {
  const masks = tools.map(([, mask]) => cachedMasks(presidio, mask));
  const strict = masks.map((m) => scorePresidio(presidio, m, SPAN_RECALL_COVERAGE));
  const loose = masks.map((m) => scorePresidio(presidio, m, SPAN_RECALL_ANY));
  const bytes = presidioBytes;
  const ms = presidioMs;
  print();
  print(`### presidio-synth-v2 (${presidio.length} texts, ${(bytes / 1e3).toFixed(0)} KB)`);
  print();
  print(
    "Span recall: a labelled span is recalled when >= 50% of its characters are redacted " +
      "(in brackets: when any character is).",
  );
  print();
  print("| entity type | spans | ours | redact-pii | openredaction |");
  print("| --- | --- | --- | --- | --- |");
  for (const type of Object.keys(strict[0]!.perType).sort()) {
    const cells = strict.map((s, k) =>
      `${pct(s.perType[type]!.recall)} (${pct(loose[k]!.perType[type]!.recall)})`
    );
    print(`| ${type} | ${strict[0]!.perType[type]!.total} | ${cells.join(" | ")} |`);
  }
  print(
    `| over-redaction (redacted chars outside every span) | | ${
      strict.map((s) => pct(s.overRedaction)).join(" | ")
    } |`,
  );
  print(
    `| throughput, MB/s (median of interleaved rounds) | | ${
      ms.map((m) => (bytes / 1e6 / (m / 1000)).toFixed(1)).join(" | ")
    } |`,
  );
  print(
    `| speed relative to redact-pii | | ${
      ms.map((m) => `${(ms[1]! / m).toFixed(1)}x`).join(" | ")
    } |`,
  );
  const q = (f: number) => pairRatios[Math.floor(f * (pairRatios.length - 1))]!.toFixed(1);
  print();
  print(
    `Ours against redact-pii round by round (${pairRatios.length} adjacent pairs): ` +
      `median ${q(0.5)}x, middle half ${q(0.25)}x-${q(0.75)}x, range ${q(0)}x-${q(1)}x.`,
  );
}

// --- Throughput on the app's own payloads -------------------------------------------------

print();
print("### Throughput on the app's payloads (ours)");
print();
print("| input | rate |");
print("| --- | --- |");
print(
  `| flat analytics payloads, scan() | ${
    Math.round(1000 / (analyticsMs! / 1000)).toLocaleString("en-US")
  } payloads/s |`,
);
print(
  `| Sentry-sized events (5-20 KB, ${(sentryBytes / 50 / 1e3).toFixed(1)} KB avg), scan() | ${
    Math.round(50 / (sentryMs! / 1000)).toLocaleString("en-US")
  } events/s, ${(sentryBytes / 1e6 / (sentryMs! / 1000)).toFixed(1)} MB/s |`,
);
print(
  `| 1 MB of log text, redactText() | ${(logBytes / 1e6 / (logMs! / 1000)).toFixed(1)} MB/s |`,
);

await Deno.stdout.write(new TextEncoder().encode(out.join("\n") + "\n"));
