/**
 * /flags: every flag with its state (as it evaluates here and now: a flag gated out of the
 * current mode or environment says so), rollout, gates, targets and any environment override
 * (STEWARD+), and the archived flags, which an ADMIN can restore; a detail page per flag with the
 * edit form (ADMIN), the archive button behind a confirmation (ADMIN), the "Why?" tool and a
 * live rollout preview. Plain forms: everything works without JavaScript.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { ErrorPage } from "../components/ErrorPage.tsx";
import { TableScroll } from "../components/TableScroll.tsx";
import FlagRolloutPreview from "../islands/FlagRolloutPreview.tsx";
import { actorOf } from "../lib/audit/mod.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import { APP_ENVS, type AppEnv as Environment, type Mode, MODES } from "../lib/config.ts";
import type { RouteContext } from "../lib/context.ts";
import {
  type ArchivedFlag,
  FLAG_SCOPES,
  type FlagInput,
  type FlagStatus,
  type FlagView,
  KEY_PATTERN,
} from "../lib/flags/mod.ts";
import { page } from "../lib/http/access.ts";
import { type FormFields, formValue, formValues, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { eventKeyPhiTypes } from "../lib/validation/event_key.ts";
import {
  attemptSave,
  createFormFailures,
  type FormFailure,
  versionBehindForm,
} from "../lib/web/form_failure.ts";
import { Island } from "../lib/web/island.tsx";
import {
  archiveVersion,
  FLAG_FIELDS,
  flagInputFromForm,
  keyError,
} from "../lib/flags/pages/form.ts";
import { gates, toMinute, toSecond } from "../lib/flags/pages/format.ts";
import {
  ARCHIVE_CONFLICT_MESSAGE,
  NOTICES,
  SAVE_CONFLICT_MESSAGE,
} from "../lib/flags/pages/messages.ts";
import { failed, type PageState } from "../lib/flags/pages/page_state.ts";
import { whyQuery } from "../lib/flags/pages/why.ts";

export { FLAG_FIELDS };
import {
  CsrfField,
  ErrorSummary,
  FieldError,
  fieldErrorAttrs,
  type FormError,
  QueryNotice,
} from "../components/forms.tsx";

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;

const ADMIN_CHANGE = { role: "ADMIN", class: "governance-write" } as const;

function isAdmin(c: Context<AppEnv>): boolean {
  const principal = c.get("principal");
  return principal?.kind === "user" && roleAtLeast(principal.role, "ADMIN");
}

function OverrideBadge({ flag }: { flag: FlagView }) {
  if (flag.override === null) return null;
  return (
    <span
      class={flag.override ? "badge badge--warn" : "badge badge--danger"}
      title={`${flag.overrideName}=${flag.override} is set in the server's environment`}
    >
      {flag.override ? "forced on" : "forced off"} by {flag.overrideName}
    </span>
  );
}

/** Where flags are evaluated by default: this instance's mode and environment. */
interface Here {
  mode: Mode;
  environment: Environment;
  status(key: string): FlagStatus;
}

/**
 * The stored switch and, when a gate keeps an enabled flag off here and now, the state it
 * evaluates to: "enabled, off in DEMO (needs LIVE)". Overrides have their own badge.
 */
function StateBadge({ flag, here }: { flag: FlagView; here: Here }) {
  if (!flag.enabled) return <span class="badge">disabled</span>;
  const { reason } = here.status(flag.key);
  if (reason === "MODE_GATED" || reason === "ENVIRONMENT_GATED") {
    const [now, needs] = reason === "MODE_GATED"
      ? [here.mode, flag.requiredModes]
      : [here.environment, flag.targetEnvironments];
    return (
      <span class="badge badge--warn" data-testid="state-gated">
        enabled, off in {now} (needs {needs.join(" or ")})
      </span>
    );
  }
  return <span class="badge badge--ok">enabled</span>;
}

/** The edit (or create) fields; values come from `flag` or the form just posted. */
function FlagFields(
  { flag, form, withKey, errors = [] }: {
    flag?: FlagView | undefined;
    form?: FormFields | undefined;
    withKey?: boolean;
    /** The messages of the refused form, shown beside the fields they are about. */
    errors?: readonly FormError[] | undefined;
  },
) {
  const invalid = (field: string, ...hints: string[]) => fieldErrorAttrs(errors, field, ...hints);
  const value = (name: string, fallback: string) => form ? formValue(form, name) ?? "" : fallback;
  const checked = (name: string, option: string, fallback: boolean) =>
    form ? formValues(form, name).includes(option) : fallback;
  const enabled = form ? formValue(form, "enabled") === "on" : flag?.enabled ?? false;
  return (
    <>
      {withKey && (
        <>
          <label>
            Key
            <input
              type="text"
              id={FLAG_FIELDS.key}
              name="key"
              required
              maxLength={100}
              pattern={KEY_PATTERN.source.slice(1, -1)}
              value={value("key", "")}
              {...invalid(FLAG_FIELDS.key, "key-hint")}
            />
            <span class="field-hint" id="key-hint">
              Lower case: letters, digits,{" "}
              <code>_ . -</code>; starts with a letter. Cannot change later.
            </span>
          </label>
          <FieldError errors={errors} field={FLAG_FIELDS.key} />
        </>
      )}
      <label class="checkbox">
        <input type="checkbox" name="enabled" checked={enabled} /> Enabled
      </label>
      <label>
        Description
        <input
          type="text"
          id={FLAG_FIELDS.description}
          name="description"
          maxLength={500}
          value={value("description", flag?.description ?? "")}
          {...invalid(FLAG_FIELDS.description)}
        />
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.description} />
      <label>
        Scope
        <select name="scope" id={FLAG_FIELDS.scope} {...invalid(FLAG_FIELDS.scope)}>
          {FLAG_SCOPES.map((scope) => (
            <option
              key={scope}
              value={scope}
              selected={value("scope", flag?.scope ?? "product") === scope}
            >
              {scope}
            </option>
          ))}
        </select>
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.scope} />
      <label>
        Rollout (%)
        <input
          type="number"
          id={FLAG_FIELDS.rolloutPercent}
          name="rollout_percent"
          min={0}
          max={100}
          step={1}
          required
          value={value("rollout_percent", String(flag?.rolloutPercent ?? 100))}
          {...invalid(FLAG_FIELDS.rolloutPercent, "rollout-hint")}
        />
        <span class="field-hint" id="rollout-hint">
          The share of users who get the flag. Each user has a fixed bucket from 1 to 100, worked
          out from their id; those in a bucket up to and including this number get it (at 50,
          buckets 1–50), so raising it only adds users and never turns anyone off.
        </span>
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.rolloutPercent} />
      <fieldset>
        <legend>Required modes (none: every mode)</legend>
        <FieldError errors={errors} field={FLAG_FIELDS.requiredModes} />
        {MODES.map((mode, i) => (
          <label class="checkbox" key={mode}>
            <input
              type="checkbox"
              {
                // The first box carries the group's id: a message about the group links to it.
                ...(i === 0 ? { id: FLAG_FIELDS.requiredModes } : {})
              }
              name="required_modes"
              value={mode}
              checked={checked("required_modes", mode, flag?.requiredModes.includes(mode) ?? false)}
              {...invalid(FLAG_FIELDS.requiredModes)}
            />{" "}
            {mode}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Target environments (none: every environment)</legend>
        <FieldError errors={errors} field={FLAG_FIELDS.targetEnvironments} />
        {APP_ENVS.map((env, i) => (
          <label class="checkbox" key={env}>
            <input
              type="checkbox"
              {...(i === 0 ? { id: FLAG_FIELDS.targetEnvironments } : {})}
              name="target_environments"
              value={env}
              checked={checked(
                "target_environments",
                env,
                flag?.targetEnvironments.includes(env) ?? false,
              )}
              {...invalid(FLAG_FIELDS.targetEnvironments)}
            />{" "}
            {env}
          </label>
        ))}
      </fieldset>
      <label>
        Target users
        <textarea
          id={FLAG_FIELDS.targetUsers}
          name="target_users"
          rows={4}
          {...invalid(FLAG_FIELDS.targetUsers, "targets-hint")}
        >
          {value("target_users", flag?.targetUsers.join("\n") ?? "")}
        </textarea>
        <span class="field-hint" id="targets-hint">
          User ids (not email addresses) as listed on{" "}
          <a href="/admin/users">Users</a>, one per line. They get the flag whatever the rollout,
          once it is enabled and not gated.
        </span>
      </label>
      <FieldError errors={errors} field={FLAG_FIELDS.targetUsers} />
    </>
  );
}

export function flagPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { flags } = ctx.services;
  const failureOf = createFormFailures(ctx.services);

  function here(): Here {
    return {
      mode: ctx.services.mode.current(),
      environment: ctx.config.appEnv,
      status: (key) => flags.status(key, {}),
    };
  }

  /**
   * The archived flags with their last settings, newest first; null when the database cannot
   * be read (the live list comes from the in-memory snapshot and still shows).
   */
  async function archivedFlags(): Promise<ArchivedFlag[] | null> {
    try {
      return await flags.archived();
    } catch {
      return null;
    }
  }

  function SnapshotNotice() {
    const state = flags.state();
    if (state.status === "stale") {
      return (
        <p class="notice notice--warn" role="status">
          The database is unreachable: this is the last configuration loaded, and evaluations keep
          using it. Changes cannot be saved until the database returns.
        </p>
      );
    }
    if (state.status === "empty") {
      return (
        <p class="notice notice--error" role="alert">
          No flag configuration could be loaded: every flag is off (reason ERROR) until the database
          answers.
        </p>
      );
    }
    return null;
  }

  async function listPage(
    c: Context<AppEnv>,
    options: PageState = {},
  ) {
    const list = flags.list();
    const archived = await archivedFlags();
    const admin = isAdmin(c);
    const now = here();
    // "archived" names the flag just archived, when it is one of the archived flags read back.
    const justArchived = c.req.query("notice") === "archived"
      ? archived?.find((flag) => flag.key === c.req.query("flag"))
      : undefined;
    return ctx.pages.render(
      c,
      <>
        <h1>Feature flags</h1>
        <ErrorSummary
          errors={options.errors ?? []}
          title="The flag was not saved:"
          formId="create-heading"
        />
        <p class="lede">
          Flags are checked in this order: an override in the server's settings (
          <code>FEATURE_…</code>), enabled, required modes, target environments, target users,
          rollout. Open a flag to see why it is on or off for someone.
        </p>
        {justArchived
          ? (
            <p class="notice notice--ok" role="status">
              Flag <code>{justArchived.key}</code>{" "}
              was archived: it now evaluates as unknown (off) everywhere. It is listed under{" "}
              <a href="#archived-heading">Archived flags</a>
              {admin ? ", where it can be restored." : "."}
            </p>
          )
          : <QueryNotice c={c} notices={NOTICES} />}
        <SnapshotNotice />
        {list.length === 0
          ? <p class="muted">No flags yet.</p>
          : (
            <TableScroll label="Feature flags">
              <table class="data" aria-label="Feature flags">
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">State (in {now.mode}, {now.environment})</th>
                    <th scope="col">Rollout</th>
                    <th scope="col">Gates</th>
                    <th scope="col">Target users</th>
                    <th scope="col">Version</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((flag) => (
                    <tr key={flag.key}>
                      <td>
                        <a href={`/flags/${flag.key}`}>{flag.key}</a>
                        {flag.description && <div class="muted">{flag.description}</div>}
                      </td>
                      <td>
                        <StateBadge flag={flag} here={now} /> <OverrideBadge flag={flag} />
                      </td>
                      <td>{flag.rolloutPercent}%</td>
                      <td>{gates(flag)}</td>
                      <td>{flag.targetUsers.length}</td>
                      <td>{flag.version}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        {admin && (
          <section aria-labelledby="create-heading">
            <h2 id="create-heading" tabindex={-1}>Create a flag</h2>
            <form method="post" action="/flags" class="form-card">
              <CsrfField c={c} />
              <FlagFields form={options.form} withKey errors={options.errors} />
              <button type="submit" class="button button--primary">Create flag</button>
            </form>
          </section>
        )}
        <ArchivedSection c={c} archived={archived} admin={admin} />
      </>,
      {
        title: "Feature flags",
        status: options.status ?? 200,
        ...(options.headers ? { headers: options.headers } : {}),
      },
    );
  }

  /** The archived flags: what they were, when archived, and (ADMIN) a confirmed restore. */
  function ArchivedSection(
    { c, archived, admin }: { c: Context<AppEnv>; archived: ArchivedFlag[] | null; admin: boolean },
  ) {
    return (
      <section aria-labelledby="archived-heading" data-testid="archived-flags">
        <h2 id="archived-heading">Archived flags</h2>
        <p>
          An archived flag evaluates as unknown (off) everywhere; its history stays in the audit
          log. {admin
            ? "Restoring one brings back its last settings, turned off, so nothing changes for anyone until you enable it."
            : "An administrator can restore one."}
        </p>
        {archived === null
          ? (
            <p class="notice notice--warn" role="status">
              The archived flags cannot be listed while the database is unreachable.
            </p>
          )
          : archived.length === 0
          ? <p class="muted">No archived flags.</p>
          : (
            <TableScroll label="Archived flags">
              <table class="data" aria-label="Archived flags">
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Archived (UTC)</th>
                    <th scope="col">Last settings</th>
                    {admin && <th scope="col">Restore</th>}
                  </tr>
                </thead>
                <tbody>
                  {archived.map((flag) => (
                    <tr key={flag.key} data-archived={flag.key}>
                      <td>
                        <code>{flag.key}</code>
                        {flag.description && <div class="muted">{flag.description}</div>}
                      </td>
                      <td>{toSecond(flag.archivedAt)} UTC</td>
                      <td>
                        rollout {flag.rolloutPercent}%, gates: {gates(flag)},{" "}
                        {flag.targetUsers.length} target user(s)
                      </td>
                      {admin && (
                        <td>
                          {flags.get(flag.key)
                            ? <span class="muted">A live flag uses this key again.</span>
                            : eventKeyPhiTypes(flag.key).length > 0
                            ? (
                              <span class="muted" data-testid="not-restorable">
                                Cannot be restored: its key reads as PHI to the scanner that guards
                                live updates (found:{" "}
                                {eventKeyPhiTypes(flag.key).join(", ")}), so every change would be
                                refused. Create a flag with a new key.
                              </span>
                            )
                            : (
                              <details class="confirm" data-testid="restore">
                                <summary>
                                  Restore<span class="sr-only">{` ${flag.key}`}</span>
                                </summary>
                                <p>
                                  <code>{flag.key}</code>{" "}
                                  comes back with the settings above, turned off: it stays off for
                                  everyone until you enable it.
                                </p>
                                <form method="post" action="/flags" class="inline-form">
                                  <CsrfField c={c} />
                                  <input type="hidden" name="restore" value="yes" />
                                  <input type="hidden" name="key" value={flag.key} />
                                  <input
                                    type="hidden"
                                    name="version"
                                    value={String(flag.version)}
                                  />
                                  <input
                                    type="hidden"
                                    name="description"
                                    value={flag.description ?? ""}
                                  />
                                  <input type="hidden" name="scope" value={flag.scope} />
                                  <input
                                    type="hidden"
                                    name="rollout_percent"
                                    value={String(flag.rolloutPercent)}
                                  />
                                  {flag.requiredModes.map((mode) => (
                                    <input
                                      key={mode}
                                      type="hidden"
                                      name="required_modes"
                                      value={mode}
                                    />
                                  ))}
                                  {flag.targetEnvironments.map((env) => (
                                    <input
                                      key={env}
                                      type="hidden"
                                      name="target_environments"
                                      value={env}
                                    />
                                  ))}
                                  <input
                                    type="hidden"
                                    name="target_users"
                                    value={flag.targetUsers.join(",")}
                                  />
                                  <button type="submit" class="button button--primary">
                                    Restore {flag.key}
                                  </button>
                                </form>
                              </details>
                            )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
      </section>
    );
  }

  function detailPage(
    c: Context<AppEnv>,
    flag: FlagView,
    options: PageState = {},
  ) {
    const why = c.req.query("why") !== undefined
      ? whyQuery((name) => c.req.query(name))
      : undefined;
    const answer: FlagStatus | undefined = why ? flags.status(flag.key, why) : undefined;
    const admin = isAdmin(c);
    // The typed values travel with the version they were based on: after a conflict (or a
    // refused field while someone else saved), Save again is refused until the admin reloads.
    const basedOn = options.form
      ? versionBehindForm(formValue(options.form, "version"), flag.version)
      : flag.version;
    return ctx.pages.render(
      c,
      <>
        <p>
          <a href="/flags">← All flags</a>
        </p>
        <h1>
          Flag <code>{flag.key}</code>
        </h1>
        <ErrorSummary
          errors={options.errors ?? []}
          title="The flag was not saved:"
          formId="edit-heading"
        />
        <QueryNotice c={c} notices={NOTICES} />
        <SnapshotNotice />
        <p>
          <StateBadge flag={flag} here={here()} /> <OverrideBadge flag={flag} /> rollout{" "}
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
          <form method="get" action={`/flags/${flag.key}`} class="filter-form">
            <input type="hidden" name="why" value="1" />
            <label>
              User id
              <input
                type="text"
                name="userId"
                maxLength={255}
                value={why?.userId ?? ""}
                aria-describedby="why-user-hint"
              />
              <span class="field-hint" id="why-user-hint">
                As listed on {admin ? <a href="/admin/users">Users</a> : "Users (administrators)"}
                {" "}
                and in the audit log's Actor column.
              </span>
            </label>
            <label>
              Session id
              <input type="text" name="sessionId" maxLength={255} value={why?.sessionId ?? ""} />
            </label>
            <label>
              Mode
              <select name="mode">
                {MODES.map((mode) => (
                  <option
                    key={mode}
                    value={mode}
                    selected={(why?.mode ?? ctx.services.mode.current()) === mode}
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
                  <option key={env} value={env} selected={(why?.env ?? ctx.config.appEnv) === env}>
                    {env}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" class="button">Explain</button>
          </form>
          {answer && (
            <p
              class={answer.enabled ? "notice notice--ok" : "notice"}
              role="status"
              data-testid="why-answer"
            >
              <strong>{answer.enabled ? "On" : "Off"}</strong> ({answer.reason}).{" "}
              {answer.explanation}
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
                  <FlagFields flag={flag} form={options.form} errors={options.errors} />
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
      </>,
      {
        title: `Flag ${flag.key}`,
        status: options.status ?? 200,
        ...(options.headers ? { headers: options.headers } : {}),
      },
    );
  }

  function notFound(c: Context<AppEnv>) {
    return ctx.pages.render(
      c,
      <ErrorPage
        status={404}
        heading="No such flag"
        message="There is no live flag with this key; it may have been archived. The list of flags is at /flags."
        requestId={c.get("requestId")}
      />,
      { title: "No such flag", status: 404 },
    );
  }

  /**
   * Saves; a domain error becomes a message on the re-rendered page, about the key when the
   * service refused the key (a new key the PHI scanner reads as an identifier).
   */
  async function save(
    c: Context<AppEnv>,
    key: string,
    input: FlagInput,
  ): Promise<(FormFailure & { field?: string }) | undefined> {
    const failed = await attemptSave(
      () =>
        flags.set(key, input, {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }),
      // The flag and its audit entry are written in one transaction.
      (error) =>
        failureOf(c, error, {
          writes: "atomic",
          conflict: SAVE_CONFLICT_MESSAGE,
        }),
    );
    if (!failed) return undefined;
    return failed.aboutKey ? { ...failed.failure, field: FLAG_FIELDS.key } : failed.failure;
  }

  page(app, ctx.access, "GET", "/flags", STEWARD_READ, async (c) => await listPage(c));

  page(app, ctx.access, "POST", "/flags", ADMIN_CHANGE, async (c) => {
    const form = await readForm(c);
    const key = (formValue(form, "key") ?? "").trim();
    // A restore posts an archived flag's last settings (and its version) without "enabled":
    // it comes back turned off. Creating a flag under an archived key does the same write.
    const restoring = formValue(form, "restore") === "yes";
    const { input, errors } = flagInputFromForm(form);
    const onKey = keyError(key, restoring, (key) => flags.get(key) !== undefined);
    if (onKey) errors.unshift(onKey);
    if (!input || errors.length > 0) return await listPage(c, { errors, form, status: 400 });
    const failure = await save(c, key, input);
    if (failure) return await listPage(c, failed(failure, restoring ? undefined : form));
    return c.redirect(`/flags/${key}?notice=${restoring ? "restored" : "created"}`, 303);
  });

  page(app, ctx.access, "GET", "/flags/:key", STEWARD_READ, (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    return flag ? detailPage(c, flag) : notFound(c);
  });

  page(app, ctx.access, "POST", "/flags/:key", ADMIN_CHANGE, async (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    if (!flag) return notFound(c);
    const form = await readForm(c);
    const { input, errors } = flagInputFromForm(form, flag);
    if (!input) return detailPage(c, flag, { errors, form, status: 400 });
    const failure = await save(c, flag.key, input);
    if (failure) return detailPage(c, flags.get(flag.key) ?? flag, failed(failure, form));
    return c.redirect(`/flags/${flag.key}?notice=saved`, 303);
  });

  page(app, ctx.access, "POST", "/flags/:key/archive", ADMIN_CHANGE, async (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    if (!flag) return notFound(c);
    const form = await readForm(c);
    try {
      await flags.archive(
        flag.key,
        archiveVersion(formValue(form, "version")),
        {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        },
      );
    } catch (error) {
      const failure = failureOf(c, error, {
        writes: "atomic",
        conflict: ARCHIVE_CONFLICT_MESSAGE,
      });
      if (failure) return detailPage(c, flags.get(flag.key) ?? flag, failed(failure));
      throw error;
    }
    return c.redirect(`/flags?notice=archived&flag=${flag.key}`, 303);
  });

  return app;
}
