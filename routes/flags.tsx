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
import type { Here } from "../components/flags/badges.tsx";
import { FlagDetailView } from "../components/flags/FlagDetailView.tsx";
import { FlagListView } from "../components/flags/FlagListView.tsx";
import { actorOf } from "../lib/audit/mod.ts";
import { roleAtLeast } from "../lib/auth/principal.ts";
import type { RouteContext } from "../lib/context.ts";
import type { ArchivedFlag, FlagInput, FlagStatus, FlagView } from "../lib/flags/mod.ts";
import {
  archiveVersion,
  FLAG_FIELDS,
  flagInputFromForm,
  keyError,
} from "../lib/flags/pages/form.ts";
import { ARCHIVE_CONFLICT_MESSAGE, SAVE_CONFLICT_MESSAGE } from "../lib/flags/pages/messages.ts";
import { failed, type PageState } from "../lib/flags/pages/page_state.ts";
import { whyQuery } from "../lib/flags/pages/why.ts";
import { page } from "../lib/http/access.ts";
import { formValue, readForm } from "../lib/http/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import {
  attemptSave,
  createFormFailures,
  type FormFailure,
  versionBehindForm,
} from "../lib/web/form_failure.ts";

export { FLAG_FIELDS };

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;

const ADMIN_CHANGE = { role: "ADMIN", class: "governance-write" } as const;

function isAdmin(c: Context<AppEnv>): boolean {
  const principal = c.get("principal");
  return principal?.kind === "user" && roleAtLeast(principal.role, "ADMIN");
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
      <FlagListView
        c={c}
        list={list}
        archived={archived}
        admin={admin}
        now={now}
        justArchived={justArchived}
        snapshot={flags.state().status}
        isLive={(key) => flags.get(key) !== undefined}
        state={options}
      />,
      {
        title: "Feature flags",
        status: options.status ?? 200,
        ...(options.headers ? { headers: options.headers } : {}),
      },
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
      <FlagDetailView
        c={c}
        flag={flag}
        now={here()}
        why={why}
        answer={answer}
        admin={admin}
        basedOn={basedOn}
        snapshot={flags.state().status}
        state={options}
      />,
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
