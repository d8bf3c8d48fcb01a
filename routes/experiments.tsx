/**
 * /experiments: every experiment with its weights, assignment counts per
 * variant and the sample-ratio-mismatch warning (STEWARD+); ADMIN can create
 * an experiment and change its state, required modes and weights. Variant
 * configs are set through `POST /api/admin/experiments`. Plain forms.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import {
  ErrorSummary,
  FieldError,
  fieldErrorAttrs,
  type FormError,
  QueryNotice,
} from "../components/forms.tsx";
import { TableScroll } from "../components/TableScroll.tsx";
import { Srm } from "../components/experiments/SampleRatio.tsx";
import { actorOf } from "../lib/audit/mod.ts";
import { roleAtLeast, type UserPrincipal } from "../lib/auth/principal.ts";
import { MODES } from "../lib/config.ts";
import type { RouteContext } from "../lib/context.ts";
import { type ExperimentInput, type ExperimentView } from "../lib/experiments/mod.ts";
import {
  CREATE_FIELDS,
  experimentInputFromForm,
  type FormPart,
  onCreateForm,
  onEditForm,
  type PartError,
  percent,
  weightsId,
} from "../lib/experiments/pages/form.ts";
import { page } from "../lib/http/access.ts";
import { type FormFields, formValue, formValues, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import {
  attemptSave,
  createFormFailures,
  type FormFailure,
  versionBehindForm,
} from "../lib/web/form_failure.ts";

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
const ADMIN_CHANGE = { role: "ADMIN", class: "governance-write" } as const;

export { experimentInputFromForm, type FormPart, type PartError };

const NOTICES: Record<string, string> = {
  saved:
    "The experiment was saved. People already in a variant keep it, unless its weight is now 0: they are re-drawn by the new weights on their next visit. Users of other services (through OFREP) follow the new weights.",
  created: "The experiment was created.",
};

export function experimentPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { experiments } = ctx.services;
  const failureOf = createFormFailures(ctx.services);

  const csrfField = (c: Context<AppEnv>) => (
    <input
      type="hidden"
      name="csrf_token"
      value={(c.get("principal") as UserPrincipal).csrfToken}
    />
  );
  const isAdmin = (c: Context<AppEnv>) => {
    const principal = c.get("principal");
    return principal?.kind === "user" && roleAtLeast(principal.role, "ADMIN");
  };

  /** The variants table: inside the edit form for ADMIN, read-only otherwise. */
  function Wrap(
    { admin, c, experiment, basedOn, children }: {
      admin: boolean;
      c: Context<AppEnv>;
      experiment: ExperimentView;
      /** The version the form's values were based on (the posted one when shown again). */
      basedOn: number;
      children: ComponentChildren;
    },
  ) {
    if (!admin) return <>{children}</>;
    return (
      <form method="post" action={`/experiments/${experiment.key}`}>
        {csrfField(c)}
        <input type="hidden" name="version" value={String(basedOn)} />
        {basedOn < experiment.version && (
          <p class="notice notice--warn" role="note" data-testid="stale-form">
            The weights and settings below hold your change, made on version {basedOn}; version{" "}
            {experiment.version} is stored now, so saving them is refused.{" "}
            <a href={`/experiments#exp-${experiment.key}`}>Reload the experiments</a>{" "}
            to see the stored values, then apply your change to them.
          </p>
        )}
        {children}
      </form>
    );
  }

  function render(
    c: Context<AppEnv>,
    options: {
      errors?: FormError[];
      /** The heading of the form the errors are about (the summary's "Go to the form"). */
      formId?: string;
      status?: number;
      form?: FormFields;
      /** An experiment's edit form as submitted, shown again instead of the stored values. */
      edited?: { key: string; form: FormFields };
      headers?: Record<string, string>;
    } = {},
  ) {
    const errors = options.errors ?? [];
    return experiments.list().then((list) =>
      ctx.pages.render(
        c,
        <>
          <h1>Experiments</h1>
          <p class="lede">
            The first time someone uses a running experiment in this app, they are put in a variant
            worked out from their id (the same person always lands in the same place) and they keep
            it, even when the weights change later. Other services that ask through OFREP (the
            OpenFeature remote evaluation interface) keep no record: for their users each answer
            follows the current weights, so changing the weights moves some of those users to
            another variant. The assignments kept here are counted and checked against the weights.
          </p>
          <QueryNotice c={c} notices={NOTICES} />
          <ErrorSummary
            errors={errors}
            title="The experiment was not saved:"
            formId={options.formId ?? "create-experiment"}
          />
          {list.length === 0 && <p class="muted">No experiments yet.</p>}
          {list.map((experiment) => {
            const total = experiment.variants.reduce((sum, v) => sum + v.weight, 0);
            const edited = options.edited?.key === experiment.key ? options.edited.form : undefined;
            // The typed values travel with the version they were based on: after a conflict (or
            // a refused weight while someone else saved), Save again is refused until a reload.
            const basedOn = edited
              ? versionBehindForm(formValue(edited, "version"), experiment.version)
              : experiment.version;
            const assigned = experiment.variants.reduce((sum, v) => sum + v.assignments, 0);
            return (
              <section class="panel" key={experiment.key} aria-labelledby={`exp-${experiment.key}`}>
                <h2 id={`exp-${experiment.key}`} tabindex={-1}>
                  <code>{experiment.key}</code> {experiment.enabled
                    ? <span class="badge badge--ok">running</span>
                    : <span class="badge">stopped</span>}
                </h2>
                {experiment.description && <p>{experiment.description}</p>}
                <p class="muted">
                  Modes: {experiment.requiredModes.join(", ") || "every mode"} · version{" "}
                  {experiment.version}
                </p>
                <Srm experiment={experiment} />
                <Wrap admin={isAdmin(c)} c={c} experiment={experiment} basedOn={basedOn}>
                  <FieldError errors={errors} field={weightsId(experiment.key)} />
                  <TableScroll
                    label={`Variants of ${experiment.key}`}
                    id={weightsId(experiment.key)}
                  >
                    <table class="data">
                      <thead>
                        <tr>
                          <th scope="col">Variant</th>
                          <th scope="col">Weight</th>
                          <th scope="col">Share</th>
                          <th scope="col">Assignments</th>
                          <th scope="col">Actual share</th>
                        </tr>
                      </thead>
                      <tbody>
                        {experiment.variants.map((variant) => (
                          <tr key={variant.key}>
                            <td>
                              <code>{variant.key}</code>
                            </td>
                            <td>
                              {isAdmin(c)
                                ? (
                                  <label>
                                    <span class="sr-only">Weight of {variant.key}</span>
                                    <input
                                      type="number"
                                      name={`weight:${variant.key}`}
                                      min={0}
                                      max={10000}
                                      step={1}
                                      required
                                      {...fieldErrorAttrs(errors, weightsId(experiment.key))}
                                      value={edited
                                        ? formValue(edited, `weight:${variant.key}`) ??
                                          String(variant.weight)
                                        : String(variant.weight)}
                                    />
                                  </label>
                                )
                                : variant.weight}
                            </td>
                            <td>{percent(variant.weight, total)}</td>
                            <td>{variant.assignments}</td>
                            <td>{percent(variant.assignments, assigned)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableScroll>
                  {isAdmin(c) && (
                    <>
                      <label class="checkbox">
                        <input
                          type="checkbox"
                          name="enabled"
                          checked={edited
                            ? formValue(edited, "enabled") === "on"
                            : experiment.enabled}
                        />{" "}
                        Running
                      </label>
                      <fieldset>
                        <legend>Required modes (none: every mode)</legend>
                        {MODES.map((mode) => (
                          <label class="checkbox" key={mode}>
                            <input
                              type="checkbox"
                              name="required_modes"
                              value={mode}
                              checked={edited
                                ? formValues(edited, "required_modes").includes(mode)
                                : experiment.requiredModes.includes(mode)}
                            />{" "}
                            {mode}
                          </label>
                        ))}
                      </fieldset>
                      <button type="submit" class="button button--primary">
                        Save {experiment.key}
                      </button>
                    </>
                  )}
                </Wrap>
              </section>
            );
          })}
          {isAdmin(c) && (
            <section aria-labelledby="create-experiment">
              <h2 id="create-experiment" tabindex={-1}>Create an experiment</h2>
              <form method="post" action="/experiments" class="form-card">
                {csrfField(c)}
                <label>
                  Key
                  <input
                    type="text"
                    id={CREATE_FIELDS.key}
                    name="key"
                    required
                    maxLength={100}
                    value={options.form ? formValue(options.form, "key") ?? "" : ""}
                    {...fieldErrorAttrs(errors, CREATE_FIELDS.key)}
                  />
                </label>
                <FieldError errors={errors} field={CREATE_FIELDS.key} />
                <label>
                  Description
                  <input
                    type="text"
                    id={CREATE_FIELDS.description}
                    name="description"
                    maxLength={500}
                    value={options.form ? formValue(options.form, "description") ?? "" : ""}
                    {...fieldErrorAttrs(errors, CREATE_FIELDS.description)}
                  />
                </label>
                <FieldError errors={errors} field={CREATE_FIELDS.description} />
                <label>
                  Variants
                  <textarea
                    id={CREATE_FIELDS.variants}
                    name="variants"
                    rows={3}
                    required
                    {...fieldErrorAttrs(errors, CREATE_FIELDS.variants, "variants-hint")}
                  >
                    {options.form
                      ? formValue(options.form, "variants") ?? ""
                      : "control=50\ntreatment=50"}
                  </textarea>
                  <span class="field-hint" id="variants-hint">
                    One <code>name=weight</code>{" "}
                    per line. Give variants their config objects through the API (<code>
                      POST /api/admin/experiments
                    </code>, see <a href="/api/docs">API</a>).
                  </span>
                </label>
                <FieldError errors={errors} field={CREATE_FIELDS.variants} />
                <label class="checkbox">
                  <input type="checkbox" name="enabled" /> Start running now
                </label>
                <button type="submit" class="button button--primary">Create experiment</button>
              </form>
            </section>
          )}
        </>,
        {
          title: "Experiments",
          status: options.status ?? 200,
          ...(options.headers ? { headers: options.headers } : {}),
        },
      )
    );
  }

  /**
   * Saves; a domain error becomes a message on the re-rendered page, about the key when the
   * service refused the key (a new key the PHI scanner reads as an identifier).
   */
  async function save(
    c: Context<AppEnv>,
    input: ExperimentInput,
  ): Promise<(FormFailure & { part?: FormPart }) | undefined> {
    const failed = await attemptSave(
      () =>
        experiments.set(input, {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }),
      // The experiment and its audit entry are written in one transaction.
      (error) =>
        failureOf(c, error, {
          writes: "atomic",
          conflict:
            "Someone changed this experiment (or a flag or experiment uses this key) since you loaded the page. Reload and apply your change again.",
        }),
    );
    if (!failed) return undefined;
    return failed.aboutKey ? { ...failed.failure, part: "key" } : failed.failure;
  }

  page(app, ctx.access, "GET", "/experiments", STEWARD_READ, (c) => render(c));

  page(app, ctx.access, "POST", "/experiments", ADMIN_CHANGE, async (c) => {
    const form = await readForm(c);
    const key = (formValue(form, "key") ?? "").trim();
    const { input, errors } = experimentInputFromForm(form, key);
    if (input && experiments.get(key)) {
      errors.push({ message: "Key: an experiment with this key exists already.", part: "key" });
    }
    if (!input || errors.length > 0) {
      return render(c, { errors: onCreateForm(errors), status: 400, form });
    }
    const failed = await save(c, input);
    if (failed) {
      return render(c, {
        errors: onCreateForm([{
          message: failed.message,
          ...(failed.part ? { part: failed.part } : {}),
        }]),
        status: failed.status,
        headers: failed.headers,
        form,
      });
    }
    return c.redirect("/experiments?notice=created", 303);
  });

  page(app, ctx.access, "POST", "/experiments/:key", ADMIN_CHANGE, async (c) => {
    const current = experiments.get(c.req.param("key") ?? "");
    if (!current) {
      return render(c, {
        errors: [{ message: "There is no experiment with this key." }],
        status: 404,
      });
    }
    const form = await readForm(c);
    const { input, errors } = experimentInputFromForm(form, current.key);
    const edited = { key: current.key, form };
    const formId = `exp-${current.key}`;
    if (!input) {
      return render(c, { errors: onEditForm(current.key, errors), formId, status: 400, edited });
    }
    // A variant missing from the form keeps its weight; configs are kept by the store.
    const kept = Object.fromEntries(current.variants.map((v) => [v.key, { weight: v.weight }]));
    const failed = await save(c, { ...input, variants: { ...kept, ...input.variants } });
    if (failed) {
      return render(c, {
        errors: [{ message: failed.message }],
        formId,
        status: failed.status,
        headers: failed.headers,
        // Also after a conflict: the typed values stay, with the version they were based on, so
        // nothing is lost and Save again conflicts until the stored values are reloaded.
        edited,
      });
    }
    return c.redirect("/experiments?notice=saved", 303);
  });

  return app;
}
