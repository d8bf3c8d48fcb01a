/**
 * Span-level evaluation on the labelled presidio-research synthetic dataset
 * (read from ../shared/data, never copied into the repository).
 *
 * Every tool is measured the same way: it yields a character mask of the text
 * it redacted. A labelled span counts as recalled when at least
 * SPAN_RECALL_COVERAGE of its characters are redacted; over-redaction is the
 * fraction of redacted characters that lie outside every labelled span.
 */

export const SPAN_RECALL_COVERAGE = 0.5;
/** The looser reading (any redacted character recalls the span), reported beside it. */
export const SPAN_RECALL_ANY = Number.MIN_VALUE;

export interface PresidioSpan {
  entity_type: string;
  entity_value: string;
  start_position: number;
  end_position: number;
}

export interface PresidioRecord {
  full_text: string;
  spans: PresidioSpan[];
}

/** Where the dataset lives, relative to this file: /work/shared/data beside the repo. */
export const PRESIDIO_PATH = new URL(
  "../../../shared/data/presidio-synth-v2.json",
  import.meta.url,
);

/** Loads the dataset, or null when it is not on this machine. */
export function loadPresidio(): PresidioRecord[] | null {
  let raw: string;
  try {
    raw = Deno.readTextFileSync(PRESIDIO_PATH);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  return JSON.parse(raw) as PresidioRecord[];
}

/** A tool under evaluation: text in, redaction mask out (1 = redacted character). */
export type MaskFn = (text: string) => Uint8Array;

export interface TypeFigures {
  total: number;
  recalled: number;
  recall: number;
}

export interface PresidioFigures {
  perType: Record<string, TypeFigures>;
  redactedChars: number;
  outsideChars: number;
  /** Share of redacted characters outside every labelled span. */
  overRedaction: number;
  /** Share of redacted characters inside a labelled span (character precision). */
  charPrecision: number;
}

/** Scores one tool's masks against the labelled spans (masks computed once per record). */
export function scorePresidio(
  records: PresidioRecord[],
  maskOf: MaskFn,
  coverage = SPAN_RECALL_COVERAGE,
): PresidioFigures {
  const perType: Record<string, TypeFigures> = {};
  let redactedChars = 0;
  let outsideChars = 0;
  for (const record of records) {
    const text = record.full_text;
    const mask = maskOf(text);
    const labelled = new Uint8Array(text.length);
    for (const span of record.spans) {
      let covered = 0;
      for (let i = span.start_position; i < span.end_position; i++) {
        labelled[i] = 1;
        if (mask[i] === 1) covered++;
      }
      const figures = perType[span.entity_type] ??= { total: 0, recalled: 0, recall: 0 };
      figures.total++;
      const length = span.end_position - span.start_position;
      if (length > 0 && covered > 0 && covered / length >= coverage) figures.recalled++;
    }
    for (let i = 0; i < text.length; i++) {
      if (mask[i] !== 1) continue;
      redactedChars++;
      if (labelled[i] !== 1) outsideChars++;
    }
  }
  for (const figures of Object.values(perType)) {
    figures.recall = figures.total === 0 ? 0 : figures.recalled / figures.total;
  }
  const overRedaction = redactedChars === 0 ? 0 : outsideChars / redactedChars;
  return { perType, redactedChars, outsideChars, overRedaction, charPrecision: 1 - overRedaction };
}

/**
 * Rebuilds which characters a redactor replaced from its output alone: the output is
 * literal runs of the input separated by placeholders matched by `placeholder`.
 * Literal runs are matched left to right at their earliest position (after at least
 * one replaced character); the last one is anchored at the end of the input.
 */
export function maskFromRedacted(
  original: string,
  redacted: string,
  placeholder: RegExp,
): Uint8Array {
  const mask = new Uint8Array(original.length);
  const literals = redacted.split(placeholder);
  if (literals.length === 1) return mask;
  let cursor = 0;
  for (let k = 0; k < literals.length; k++) {
    const literal = literals[k] ?? "";
    let at: number;
    if (k === 0) {
      at = 0;
    } else if (k === literals.length - 1) {
      at = Math.max(cursor + 1, original.length - literal.length);
    } else {
      const found = original.indexOf(literal, cursor + 1);
      at = found < 0 ? cursor + 1 : found;
    }
    for (let i = cursor; i < at && i < original.length; i++) mask[i] = 1;
    cursor = Math.min(original.length, at + literal.length);
  }
  return mask;
}

/** Builds a mask from [start, end) positions. */
export function maskFromPositions(
  length: number,
  positions: Iterable<[number, number]>,
): Uint8Array {
  const mask = new Uint8Array(length);
  for (const [start, end] of positions) {
    for (let i = Math.max(0, start); i < Math.min(length, end); i++) mask[i] = 1;
  }
  return mask;
}

/** Computes every record's mask once, so several scorings share one run of the tool. */
export function cachedMasks(records: PresidioRecord[], maskOf: MaskFn): MaskFn {
  const masks = new Map<string, Uint8Array>();
  for (const record of records) masks.set(record.full_text, maskOf(record.full_text));
  return (text) => masks.get(text) ?? maskOf(text);
}
