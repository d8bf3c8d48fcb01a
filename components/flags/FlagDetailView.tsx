/**
 * A flag's page (/flags/:key): its state, the "Why is it on or off?" tool, the rollout preview
 * and (ADMIN) the edit form and the archive button behind a confirmation.
 */
import type { Context } from "hono";
import FlagRolloutPreview from "../../islands/FlagRolloutPreview.tsx";
import { APP_ENVS, MODES } from "../../lib/config.ts";
import type { FlagStatus, FlagView } from "../../lib/flags/mod.ts";
import { gates, toMinute } from "../../lib/flags/pages/format.ts";
import { NOTICES } from "../../lib/flags/pages/messages.ts";
import type { PageState } from "../../lib/flags/pages/page_state.ts";
import { hasSurroundingSpace, WHY_FIELDS, type WhyQuery } from "../../lib/flags/pages/why.ts";
import { MAX_TARGETING_KEY } from "../../lib/flags/hash.ts";
import type { SnapshotStatus } from "../../lib/flags/snapshot.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { Island } from "../../lib/web/island.tsx";
import {
  CsrfField,
  ErrorSummary,
  FieldError,
  fieldErrorAttrs,
  type FormError,
  QueryNotice,
} from "../forms.tsx";
import { type Here, OverrideBadge, StateBadge } from "./badges.tsx";
import { FlagFields } from "./FlagFields.tsx";
import { SnapshotNotice } from "./SnapshotNotice.tsx";

export interface FlagDetailViewProps {
  c: Context<AppEnv>;
  flag: FlagView;
  /** Where the flag is evaluated by default (and the Why tool's default mode and environment). */
  now: Here;
  /** The Why tool's question, when one was asked, and its answer. */
  why: WhyQuery | undefined;
  answer: FlagStatus | undefined;
  /** Why the question was refused (no answer then): ids that are not ids, or PHI. */
  whyErrors?: readonly FormError[];
  admin: boolean;
  /** The version the edit form's values were based on (below the flag's after a conflict). */
  basedOn: number;
  snapshot: SnapshotStatus;
  state: PageState;
}

export function FlagDetailView(
  { c, flag, now, why, answer, whyErrors = [], admin, basedOn, snapshot, state }:
    FlagDetailViewProps,
) {
  return (
    <>
      <p>
        <a href="/flags">← All flags</a>
      </p>
      <h1>
        Flag <code>{flag.key}</code>
      </h1>
      <ErrorSummary
        errors={state.errors ?? []}
        title="The flag was not saved:"
        formId="edit-heading"
      />
      <QueryNotice c={c} notices={NOTICES} />
      <SnapshotNotice status={snapshot} />
      <p>
        <StateBadge flag={flag} here={now} /> <OverrideBadge flag={flag} /> rollout{" "}
        {flag.rolloutPercent}%, gates: {gates(flag)}, {flag.targetUsers.length}{" "}
        target user(s), version {flag.version}, updated {toMinute(flag.updatedAt)} UTC.
      </p>
      {flag.override !== null && (
        <p class="notice notice--warn" role="note">
          <strong>{flag.overrideName}={String(flag.override)}</strong>{" "}
          is set in the server's environment. It overrides everything below, so changing this flag
          here has no effect until the variable is removed and the server restarted.
        </p>
      )}

      <section aria-labelledby="why-heading">
        <h2 id="why-heading">Why is it on or off?</h2>
        <ErrorSummary
          errors={whyErrors}
          title="The question was not answered:"
        />
        {
          /* Posted, not a GET form: the ids typed (a refused e-mail address too) stay out of the
            address bar, the history and proxy logs. The answer is rendered in the reply; the
            fragment scrolls to it (the server never sees it, so the route is the same). */
        }
        <form method="post" action={`/flags/${flag.key}/why#why-answer`} class="filter-form">
          <CsrfField c={c} />
          <label>
            User id
            <input
              type="text"
              id={WHY_FIELDS.userId}
              name="userId"
              maxLength={MAX_TARGETING_KEY}
              value={why?.userId ?? ""}
              {...fieldErrorAttrs(whyErrors, WHY_FIELDS.userId, "why-user-hint")}
            />
            <span class="field-hint" id="why-user-hint">
              As listed on {admin ? <a href="/admin/users">Users</a> : "Users (administrators)"}
              {" "}
              and in the audit log's Actor column; not an email address.
            </span>
          </label>
          <FieldError errors={whyErrors} field={WHY_FIELDS.userId} />
          <label>
            Session id
            <input
              type="text"
              id={WHY_FIELDS.sessionId}
              name="sessionId"
              maxLength={MAX_TARGETING_KEY}
              value={why?.sessionId ?? ""}
              {...fieldErrorAttrs(whyErrors, WHY_FIELDS.sessionId)}
            />
          </label>
          <FieldError errors={whyErrors} field={WHY_FIELDS.sessionId} />
          <label>
            Mode
            <select name="mode">
              {MODES.map((mode) => (
                <option
                  key={mode}
                  value={mode}
                  selected={(why?.mode ?? now.mode) === mode}
                >
                  {mode}
                </option>
              ))}
            </select>
          </label>
          <label>
            Environment
            <select name="env">
              {APP_ENVS.map((env) => (
                <option key={env} value={env} selected={(why?.env ?? now.environment) === env}>
                  {env}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="button">Explain</button>
        </form>
        {
          /* Focused on load, as a refused question's ErrorSummary is: a role=status already in
            the page when it loads is not announced, and the answer may be below the fold. */
        }
        {answer && (
          <p
            class={answer.enabled ? "notice notice--ok" : "notice"}
            role="status"
            id="why-answer"
            tabindex={-1}
            autofocus
            data-testid="why-answer"
          >
            <strong>{answer.enabled ? "On" : "Off"}</strong> ({answer.reason}). {answer.explanation}
            {why && hasSurroundingSpace(why) &&
              " The id was evaluated as typed, with its leading or trailing spaces, as a service's " +
                "targeting key would be; without them it may get another answer."}
          </p>
        )}
        <p class="field-hint">
          The same answer is available to services at{" "}
          <code>GET /api/admin/feature-flags/{flag.key}/status</code>.
        </p>
      </section>

      <Island
        component={FlagRolloutPreview}
        props={{
          flagKey: flag.key,
          rolloutPercent: flag.rolloutPercent,
          inputId: "rollout-percent",
        }}
      />

      {admin
        ? (
          <>
            <section aria-labelledby="edit-heading">
              <h2 id="edit-heading" tabindex={-1}>Change</h2>
              {basedOn < flag.version && (
                <p class="notice notice--warn" role="note" data-testid="stale-form">
                  The form below holds your change, made on version {basedOn}; version{" "}
                  {flag.version} is stored now, so saving it is refused.{" "}
                  <a href={`/flags/${flag.key}`}>
                    Reload the flag
                  </a>{" "}
                  to see the stored values, then apply your change to them.
                </p>
              )}
              <form method="post" action={`/flags/${flag.key}`} class="form-card">
                <CsrfField c={c} />
                <input type="hidden" name="version" value={String(basedOn)} />
                <FlagFields flag={flag} form={state.form} errors={state.errors} />
                <button type="submit" class="button button--primary">Save</button>
              </form>
            </section>
            <section aria-labelledby="archive-heading">
              <h2 id="archive-heading">Archive</h2>
              <details class="confirm" data-testid="archive">
                <summary>
                  Archive<span class="sr-only">{` ${flag.key}`}</span>
                </summary>
                <p>
                  <code>{flag.key}</code>{" "}
                  evaluates as unknown (off) for every user and service within a second, whatever
                  its settings. Its history stays in the audit log; it is listed under Archived
                  flags on{" "}
                  <a href="/flags#archived-heading">Feature flags</a>, where an administrator can
                  restore it (turned off, with these settings).
                </p>
                <form method="post" action={`/flags/${flag.key}/archive`} class="inline-form">
                  <CsrfField c={c} />
                  <input type="hidden" name="version" value={String(flag.version)} />
                  <button type="submit" class="button button--danger">Archive {flag.key}</button>
                </form>
              </details>
            </section>
          </>
        )
        : <p class="muted">Only administrators can change flags.</p>}
    </>
  );
}
