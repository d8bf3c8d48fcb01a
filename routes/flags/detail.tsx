/**
 * A flag's page (/flags/:key): its state, the "Why?" tool, the (ADMIN) edit form and the
 * (ADMIN) archive action (/flags/:key/archive).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { ErrorPage } from "../../components/ErrorPage.tsx";
import { FlagDetailView } from "../../components/flags/FlagDetailView.tsx";
import { actorOf } from "../../lib/audit/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import {
  type FlagInput,
  FlagKeySchema,
  type FlagStatus,
  type FlagView,
} from "../../lib/flags/mod.ts";
import { archiveVersion, flagInputFromForm } from "../../lib/flags/pages/form.ts";
import { ARCHIVE_CONFLICT_MESSAGE, SAVE_CONFLICT_MESSAGE } from "../../lib/flags/pages/messages.ts";
import { failed, type PageState } from "../../lib/flags/pages/page_state.ts";
import { whyErrors, type WhyQuery, whyQuery } from "../../lib/flags/pages/why.ts";
import { page } from "../../lib/http/access.ts";
import { formValue, readForm } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { attemptSave, type FormFailure, versionBehindForm } from "../../lib/web/form_failure.ts";
import { ADMIN_CHANGE, type FlagPageTools, isAdmin, STEWARD_READ } from "./shared.ts";

export function flagDetailRoutes(
  ctx: RouteContext,
  { failureOf, here }: FlagPageTools,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { flags } = ctx.services;

  /**
   * Saves the edit form's input: the page's failure for a domain error (as FlagPageTools.save),
   * else whether anything changed (settings the flag already had write nothing).
   */
  async function save(
    c: Context<AppEnv>,
    key: string,
    input: FlagInput,
  ): Promise<FormFailure | { changed: boolean }> {
    let changed = true;
    const failed = await attemptSave(
      async () => {
        ({ changed } = await flags.write(key, input, {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }));
      },
      // The flag and its audit entry are written in one transaction.
      (error) => failureOf(c, error, { writes: "atomic", conflict: SAVE_CONFLICT_MESSAGE }),
    );
    return failed ? failed.failure : { changed };
  }

  /**
   * The page; with `why` (the Why tool's question, posted or from an old bookmark's query) its
   * answer, or, when an id is refused, the field errors, status 400 and no answer.
   */
  function detailPage(
    c: Context<AppEnv>,
    flag: FlagView,
    options: PageState = {},
    why?: WhyQuery,
  ) {
    const refused = why ? whyErrors(why) : [];
    const answer: FlagStatus | undefined = why && refused.length === 0
      ? flags.status(flag.key, why)
      : undefined;
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
        whyErrors={refused}
        admin={admin}
        basedOn={basedOn}
        snapshot={flags.state().status}
        state={options}
      />,
      {
        title: `Flag ${flag.key}`,
        status: options.status ?? (refused.length > 0 ? 400 : 200),
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
        message="There is no live flag with this key; it may have been archived."
        requestId={c.get("requestId")}
      >
        <p>
          <a href="/flags#archived-heading">Archived flags</a> are listed below the live ones on
          {" "}
          <a href="/flags">Feature flags</a>.
        </p>
      </ErrorPage>,
      { title: "No such flag", status: 404 },
    );
  }

  // Only a flag key is carried into a return path (sign-in, a way back): text typed into the
  // address in its place goes back to /flags.
  page(app, ctx.access, "GET", "/flags/:key", STEWARD_READ, (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    if (!flag) return notFound(c);
    // `?why=1&userId=…`: the tool's former GET form, kept for bookmarks (checked as the post).
    const why = c.req.query("why") !== undefined
      ? whyQuery((name) => c.req.query(name))
      : undefined;
    return detailPage(c, flag, {}, why);
  }, { params: { key: FlagKeySchema } });

  // The Why tool's question, posted so the ids typed stay out of the address, the history and
  // proxy logs; answered on the page itself (no redirect, which would put them back in the
  // address). A read: a steward may ask, in any mode.
  // The tool's answer lives at the address it was posted to; opened again without the post (a
  // reload from history, a copied link) it leads back to the tool on the flag's page.
  page(app, ctx.access, "GET", "/flags/:key/why", STEWARD_READ, (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    if (!flag) return notFound(c);
    return c.redirect(`/flags/${flag.key}#why-heading`, 303);
  }, { params: { key: FlagKeySchema } });

  page(app, ctx.access, "POST", "/flags/:key/why", STEWARD_READ, async (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    if (!flag) return notFound(c);
    const form = await readForm(c);
    return detailPage(c, flag, {}, whyQuery((name) => formValue(form, name)));
  });

  page(app, ctx.access, "POST", "/flags/:key", ADMIN_CHANGE, async (c) => {
    const flag = flags.get(c.req.param("key") ?? "");
    if (!flag) return notFound(c);
    const form = await readForm(c);
    const { input, errors } = flagInputFromForm(form, flag);
    if (!input) return detailPage(c, flag, { errors, form, status: 400 });
    const outcome = await save(c, flag.key, input);
    if ("message" in outcome) {
      return detailPage(c, flags.get(flag.key) ?? flag, failed(outcome, form));
    }
    // Settings the flag already had: nothing was written (no version, no audit entry).
    return c.redirect(
      `/flags/${flag.key}?notice=${outcome.changed ? "saved" : "unchanged"}`,
      303,
    );
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
