/**
 * /experiments: every experiment with its weights, assignment counts per
 * variant and the sample-ratio-mismatch warning (STEWARD+); ADMIN can create
 * an experiment and change its state, required modes and weights. Variant
 * configs are set through `POST /api/admin/experiments`. Plain forms. The markup is in
 * components/experiments/ (ExperimentsView); this module reads, saves and renders.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import {
  type ExperimentsPageState,
  ExperimentsView,
} from "../components/experiments/ExperimentsView.tsx";
import { actorOf } from "../lib/audit/mod.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import type { RouteContext } from "../lib/context.ts";
import type { ExperimentInput } from "../lib/experiments/mod.ts";
import {
  experimentInputFromForm,
  type FormPart,
  onCreateForm,
  onEditForm,
  type PartError,
} from "../lib/experiments/pages/form.ts";
import { CONFLICT } from "../lib/experiments/pages/messages.ts";
import { KeyExistsError } from "../lib/flags/store.ts";
import { page } from "../lib/http/access.ts";
import { formValue, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { attemptSave, createFormFailures, type FormFailure } from "../lib/web/form_failure.ts";

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
/** Creating an experiment under the key of a live one. */
const KEY_EXISTS = "Key: an experiment with this key exists already.";
const ADMIN_CHANGE = { role: "ADMIN", class: "governance-write" } as const;

export { experimentInputFromForm, type FormPart, type PartError };

export function experimentPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { experiments } = ctx.services;
  const failureOf = createFormFailures(ctx.services);

  const isAdmin = (c: Context<AppEnv>) => {
    const principal = c.get("principal");
    return principal?.kind === "user" && roleAtLeast(principal.role, "ADMIN");
  };

  /** The page with every experiment, and a refused form's state when it is shown again. */
  async function render(
    c: Context<AppEnv>,
    options: ExperimentsPageState & { status?: number; headers?: Record<string, string> } = {},
  ) {
    const { status, headers, ...state } = options;
    const list = await experiments.list();
    return ctx.pages.render(
      c,
      <ExperimentsView c={c} list={list} admin={isAdmin(c)} state={state} />,
      { title: "Experiments", status: status ?? 200, ...(headers ? { headers } : {}) },
    );
  }

  /**
   * Saves; a domain error becomes a message on the re-rendered page, about the key when the
   * service refused the key (a new key the PHI scanner reads as an identifier). Otherwise
   * whether anything changed (settings the experiment already had write nothing). A creation
   * (`create`) is refused when a live experiment has the key by the time the write holds the key
   * lock, so of two creations at once exactly one is written and the other is told the key
   * exists (409): the create route's own check reads the in-memory snapshot, which another
   * request or instance may not have changed yet.
   */
  async function save(
    c: Context<AppEnv>,
    input: ExperimentInput,
    create = false,
  ): Promise<(FormFailure & { part?: FormPart }) | { changed: boolean }> {
    let changed = true;
    let taken = false;
    const failed = await attemptSave(
      async () => {
        ({ changed } = await experiments.write(input, {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }, { expectNew: create }));
      },
      // The experiment and its audit entry are written in one transaction.
      (error) => {
        taken = error instanceof KeyExistsError;
        return failureOf(c, error, {
          writes: "atomic",
          conflict: CONFLICT,
        });
      },
    );
    if (!failed) return { changed };
    if (taken) return { ...failed.failure, message: KEY_EXISTS, part: "key" };
    return failed.aboutKey ? { ...failed.failure, part: "key" } : failed.failure;
  }

  page(app, ctx.access, "GET", "/experiments", STEWARD_READ, (c) => render(c));

  page(app, ctx.access, "POST", "/experiments", ADMIN_CHANGE, async (c) => {
    const form = await readForm(c);
    const key = (formValue(form, "key") ?? "").trim();
    const { input, errors } = experimentInputFromForm(form, key);
    if (input && experiments.get(key)) {
      errors.push({ message: KEY_EXISTS, part: "key" });
    }
    if (!input || errors.length > 0) {
      return render(c, { errors: onCreateForm(errors), status: 400, form });
    }
    const outcome = await save(c, input, true);
    if ("message" in outcome) {
      return render(c, {
        errors: onCreateForm([{
          message: outcome.message,
          ...(outcome.part ? { part: outcome.part } : {}),
        }]),
        status: outcome.status,
        headers: outcome.headers,
        form,
      });
    }
    // (Only a create racing another one with the same settings finds nothing to change.)
    return c.redirect(`/experiments?notice=${outcome.changed ? "created" : "unchanged"}`, 303);
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
    const outcome = await save(c, { ...input, variants: { ...kept, ...input.variants } });
    if ("message" in outcome) {
      return render(c, {
        errors: [{ message: outcome.message }],
        formId,
        status: outcome.status,
        headers: outcome.headers,
        // Also after a conflict: the typed values stay, with the version they were based on, so
        // nothing is lost and Save again conflicts until the stored values are reloaded.
        edited,
      });
    }
    // Settings the experiment already had: nothing was written (no version, no audit entry).
    return c.redirect(`/experiments?notice=${outcome.changed ? "saved" : "unchanged"}`, 303);
  });

  return app;
}
