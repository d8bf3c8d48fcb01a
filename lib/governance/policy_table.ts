/**
 * The mode table in words, generated from {@link MODE_POLICY}, for two readers:
 * - operators: {@link modePolicyTable} / {@link modePolicyMarkdown}, with route classes and error
 *   codes; docs/operations/MODE_TOGGLE.md holds the same table (a test fails when it drifts);
 * - the people at the /governance console: {@link modePolicyConsoleTable} in plain words, with
 *   {@link ACTIONS_BY_CLASS} saying what "governance actions" and "other changes" are (a test
 *   fails when a route of either class is registered without being listed there).
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
    label: "Sign-in, sign-out, changing one's own password (`auth`)",
    cell: (r) => (r.routes.auth ? "yes" : STANDBY_REFUSAL),
  },
  {
    label:
      "Governance actions (`governance-write`: mode, flags, experiments, containment by ADMIN; anyone withdrawing their own analytics consent)",
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

// --- the console's plain-language table ----------------------------------------------------------

/** One kind of action a person would name, and the routes (`METHOD path`) that perform it. */
export interface ActionItem {
  text: string;
  routes: readonly string[];
}

/**
 * What each changing route class covers, in the words of the console. Every registered route of
 * the class must appear in exactly one item (tests/admin_pages_ux_test.ts walks the registry), so
 * the console cannot say less than the code does.
 */
export const ACTIONS_BY_CLASS: Readonly<Record<"governance-write" | "write", ActionItem[]>> = {
  "governance-write": [
    {
      text: "changing the mode",
      routes: ["POST /governance/mode", "POST /api/governance/mode"],
    },
    {
      text: "creating, editing, turning on or off and archiving feature flags",
      routes: [
        "POST /flags",
        "POST /flags/:key",
        "POST /flags/:key/archive",
        "POST /api/governance/flags/{flagKey}",
        "POST /api/admin/feature-flags/{name}",
        "DELETE /api/admin/feature-flags/{name}",
      ],
    },
    {
      text: "creating and editing experiments",
      routes: ["POST /experiments", "POST /experiments/:key", "POST /api/admin/experiments"],
    },
    {
      text:
        "deactivating an account or lowering its role (in STANDBY, raising a role or reactivating an account waits)",
      routes: ["POST /admin/users/:id", "PATCH /api/admin/users/{id}"],
    },
    {
      text: "revoking API tokens",
      routes: ["POST /admin/tokens/:id/revoke", "DELETE /api/admin/tokens/{id}"],
    },
    {
      text: "clearing sign-in locks",
      routes: ["POST /admin/locks/:key/clear", "DELETE /api/admin/locks/{key}"],
    },
    {
      text: "deleting one account's analytics events",
      routes: ["POST /analytics/erase", "DELETE /api/analytics/users/{id}/events"],
    },
    {
      text: "anyone withdrawing their own analytics consent",
      routes: ["POST /settings/privacy/revoke", "POST /api/consent/revoke"],
    },
  ],
  write: [
    {
      text: "adding accounts and setting passwords",
      routes: [
        "POST /admin/users",
        "POST /api/admin/users",
        "POST /admin/users/:id/password",
        "POST /api/admin/users/{id}/password",
      ],
    },
    { text: "creating API tokens", routes: ["POST /admin/tokens", "POST /api/admin/tokens"] },
    {
      text: "granting analytics consent",
      routes: ["POST /settings/privacy/grant", "POST /api/consent/grant"],
    },
    { text: "job progress reports from the worker", routes: ["POST /api/jobs/{id}/status"] },
  ],
};

const PAUSED = "paused: refused until the mode changes";

interface ConsoleRow {
  label: string;
  cell(rules: ModeRules): string;
}

const CONSOLE_ROWS: ConsoleRow[] = [
  {
    label: "Reading pages and data, live updates, health checks",
    cell: (r) => (r.routes.read ? "yes" : PAUSED),
  },
  {
    label: "Signing in and out, changing your own password",
    cell: (r) => (r.routes.auth ? "yes" : PAUSED),
  },
  {
    label: "Governance actions (listed below the table)",
    cell: (r) => (r.routes["governance-write"] ? "yes" : PAUSED),
  },
  {
    label: "Other changes (listed below the table)",
    cell: (r) => (r.routes.write ? "yes" : PAUSED),
  },
  {
    label: "Recording usage analytics (with consent) and browser error reports",
    cell: (r) =>
      r.routes.ingest && r.analyticsMode
        ? (r.analyticsMode === "DEMO"
          ? "recorded, marked as demonstration data"
          : "recorded as live data")
        : "not recorded; browsers retry for a while, then discard them",
  },
  {
    label: "Calls to outside services (error reporting, the worker, other providers)",
    cell: (r) =>
      r.outbound
        ? "allowed, unless the server is configured to make no outside calls"
        : "blocked, never attempted",
  },
];

/** The table as the console shows it: plain words, no route classes or error codes. */
export function modePolicyConsoleTable(): { header: string[]; rows: string[][] } {
  return {
    header: ["", ...MODES],
    rows: CONSOLE_ROWS.map((row) => [
      row.label,
      ...MODES.map((mode: Mode) => row.cell(MODE_POLICY[mode])),
    ]),
  };
}
