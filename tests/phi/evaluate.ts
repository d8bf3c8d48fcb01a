/** Scores scan() on the generated corpus: recall and precision per type, by (type, path). */
import { scan } from "../../lib/phi/mod.ts";
import type { LabelledRecord } from "./corpus.ts";

export interface TypeScore {
  labelled: number;
  recalled: number;
  reported: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface CorpusScore {
  perType: Record<string, TypeScore>;
  /** Records with a missed label, for failure messages (kind and path only). */
  misses: Array<{ kind: string; type: string; path: string }>;
  /** Findings on records without that label, for failure messages. */
  falsePositives: Array<{ kind: string; type: string; path: string }>;
}

const score = (perType: Record<string, TypeScore>, type: string): TypeScore =>
  perType[type] ??= { labelled: 0, recalled: 0, reported: 0, correct: 0, recall: 0, precision: 0 };

/**
 * A label is recalled when scan() reports its type at its path (or below it). A finding is
 * correct when a label of the same type sits at its path (or above it).
 */
export function scoreCorpus(records: LabelledRecord[]): CorpusScore {
  const perType: Record<string, TypeScore> = {};
  const misses: CorpusScore["misses"] = [];
  const falsePositives: CorpusScore["falsePositives"] = [];
  for (const record of records) {
    const { findings } = scan(record.value);
    for (const label of record.labels) {
      const s = score(perType, label.type);
      s.labelled++;
      const hit = findings.some((f) =>
        f.type === label.type && (f.path === label.path || f.path.startsWith(label.path))
      );
      if (hit) s.recalled++;
      else misses.push({ kind: record.kind, type: label.type, path: label.path });
    }
    for (const finding of findings) {
      const s = score(perType, finding.type);
      s.reported++;
      const ok = record.labels.some((l) =>
        l.type === finding.type && (finding.path === l.path || finding.path.startsWith(l.path))
      );
      if (ok) s.correct++;
      else falsePositives.push({ kind: record.kind, type: finding.type, path: finding.path });
    }
  }
  for (const s of Object.values(perType)) {
    s.recall = s.labelled === 0 ? 1 : s.recalled / s.labelled;
    s.precision = s.reported === 0 ? 1 : s.correct / s.reported;
  }
  return { perType, misses, falsePositives };
}

/** Share of records with no finding at all (for corpora of technical payloads). */
export function cleanShare(records: LabelledRecord[]): number {
  let clean = 0;
  for (const record of records) if (!scan(record.value).found) clean++;
  return records.length === 0 ? 1 : clean / records.length;
}
