/**
 * The mode table in words, generated from {@link MODE_POLICY}: the console
 * renders it, and docs/operations/MODE_TOGGLE.md holds the same table (a test
 * fails when the doc drifts from the code).
 */
import { type Mode, MODES } from "../config.ts";
import { MODE_POLICY, type ModeRules } from "./policy.ts";

const STANDBY_REFUSAL = "refused, 503 `MODE_STANDBY`";

interface Row {
  label: string;
  cell(rules: ModeRules): string;
}

const ROWS: Row[] = [
  {
    label: "Reads, SSE, health",
    cell: (r) => (r.routes.read ? "yes" : STANDBY_REFUSAL),
  },
  {
    label: "Sign-in and sign-out",
    cell: (r) => (r.routes.auth ? "yes" : STANDBY_REFUSAL),
  },
  {
    label: "Mode changes by ADMIN (`governance-write`)",
    cell: (r) => (r.routes["governance-write"] ? "yes" : STANDBY_REFUSAL),
  },
  {
    label: "Other writes (`write`)",
    cell: (r) => (r.routes.write ? "yes" : STANDBY_REFUSAL),
  },
  {
    label: "Analytics ingestion (`ingest`)",
    cell: (r) =>
      r.routes.ingest && r.analyticsMode
        ? `stored with \`mode=${r.analyticsMode}\``
        : `${STANDBY_REFUSAL} (clients drop)`,
  },
  {
    label: "Outbound network (Sentry, worker, any provider)",
    cell: (
      r,
    ) => (r.outbound ? "allowed unless `NO_NETWORK`/`MOCK_ONLY`" : "blocked, never attempted"),
  },
];

/** The table as header and rows of plain cells (markdown inline code allowed). */
export function modePolicyTable(): { header: string[]; rows: string[][] } {
  return {
    header: ["", ...MODES],
    rows: ROWS.map((row) => [row.label, ...MODES.map((mode: Mode) => row.cell(MODE_POLICY[mode]))]),
  };
}

/** The table as GitHub-flavoured markdown. */
export function modePolicyMarkdown(): string {
  const { header, rows } = modePolicyTable();
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
