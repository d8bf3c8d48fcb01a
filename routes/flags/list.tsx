/**
 * The list of flags (/flags): the live flags with their state, the (ADMIN) create form, and the
 * archived flags with their (ADMIN) restore, which posts to the create route.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { FlagListView } from "../../components/flags/FlagListView.tsx";
import type { RouteContext } from "../../lib/context.ts";
import type { ArchivedFlag } from "../../lib/flags/mod.ts";
import { flagInputFromForm, keyError } from "../../lib/flags/pages/form.ts";
import { failed, type PageState } from "../../lib/flags/pages/page_state.ts";
import { page } from "../../lib/http/access.ts";
import { formValue, readForm } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { ADMIN_CHANGE, type FlagPageTools, isAdmin, STEWARD_READ } from "./shared.ts";

export function flagListRoutes(ctx: RouteContext, { here, save }: FlagPageTools): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { flags } = ctx.services;

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

  return app;
}
