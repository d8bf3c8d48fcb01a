/**
 * The list of flags (/flags): a search, one page of the live flags with their state (from the
 * in-memory snapshot), the (ADMIN) create form, and one page of the archived flags (read page by
 * page from the database) with their (ADMIN) restore, which posts to the create route. The forms
 * carry the listing they were sent from (`return`): a refused one shows that listing again.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { FlagListView } from "../../components/flags/FlagListView.tsx";
import { actorOf } from "../../lib/audit/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { KEY_PATTERN } from "../../lib/flags/flag.ts";
import {
  FLAGS_PAGE_SIZE,
  type FlagsListing,
  type ListedPage,
  listingOf,
  listPage,
  returnListing,
} from "../../lib/flags/listing.ts";
import type { ArchivedFlag, FlagInput } from "../../lib/flags/mod.ts";
import { FLAG_FIELDS, flagInputFromForm, keyError } from "../../lib/flags/pages/form.ts";
import {
  KEY_EXISTS_MESSAGE,
  KEY_LIVE_AGAIN_MESSAGE,
  SAVE_CONFLICT_MESSAGE,
} from "../../lib/flags/pages/messages.ts";
import { failed, type PageState } from "../../lib/flags/pages/page_state.ts";
import { KeyExistsError } from "../../lib/flags/store.ts";
import { page } from "../../lib/http/access.ts";
import { formValue, readForm } from "../../lib/http/form.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { attemptSave, type FormFailure } from "../../lib/web/form_failure.ts";
import { ADMIN_CHANGE, type FlagPageTools, isAdmin, STEWARD_READ } from "./shared.ts";

export function flagListRoutes(
  ctx: RouteContext,
  { here, failureOf }: FlagPageTools,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { flags } = ctx.services;

  /**
   * Creates (or restores) the flag: refused when a live flag has the key by the time the write
   * holds the key lock (`expectNew`), so of two creations at once exactly one is written and the
   * other is told the key exists (409, its typed values kept); the page's own check reads the
   * in-memory snapshot, which another request or instance may not have changed yet. Otherwise
   * whether anything changed (a creation racing one with the same settings writes nothing).
   */
  async function create(
    c: Context<AppEnv>,
    key: string,
    input: FlagInput,
    restoring: boolean,
  ): Promise<{ failure: FormFailure & { field?: string } } | { changed: boolean }> {
    let changed = true;
    let taken = false;
    const failed = await attemptSave(
      async () => {
        ({ changed } = await flags.write(key, input, {
          actor: actorOf(c.get("principal")),
          requestId: c.get("requestId"),
        }, { expectNew: true }));
      },
      // The flag and its audit entry are written in one transaction.
      (error) => {
        taken = error instanceof KeyExistsError;
        return failureOf(c, error, { writes: "atomic", conflict: SAVE_CONFLICT_MESSAGE });
      },
    );
    if (!failed) return { changed };
    if (taken) {
      // As the page's own check says it (a restore's key is not typed: no field).
      const message = restoring ? KEY_LIVE_AGAIN_MESSAGE : KEY_EXISTS_MESSAGE;
      return {
        failure: { ...failed.failure, message, ...(restoring ? {} : { field: FLAG_FIELDS.key }) },
      };
    }
    return {
      failure: failed.aboutKey ? { ...failed.failure, field: FLAG_FIELDS.key } : failed.failure,
    };
  }

  /**
   * One page of the archived flags with their last settings, newest first; null when the
   * database cannot be read (the live list comes from the in-memory snapshot and still shows).
   */
  async function archivedFlags(listing: FlagsListing): Promise<ListedPage<ArchivedFlag> | null> {
    try {
      return await flags.archivedPage({
        search: listing.q,
        page: listing.archivedPage,
        pageSize: FLAGS_PAGE_SIZE,
      });
    } catch {
      return null;
    }
  }

  /**
   * The flag a `?notice=archived&flag=` names, read by its key, when it is archived (a key made
   * up, or restored meanwhile, names none: the plain notice is shown).
   */
  async function justArchivedFlag(c: Context<AppEnv>): Promise<ArchivedFlag | undefined> {
    const key = c.req.query("flag");
    if (c.req.query("notice") !== "archived" || key === undefined || !KEY_PATTERN.test(key)) {
      return undefined;
    }
    try {
      return await flags.archivedFlag(key);
    } catch {
      return undefined;
    }
  }

  async function flagsPage(
    c: Context<AppEnv>,
    options: PageState,
    listing: FlagsListing,
    searchError?: string,
  ) {
    const live = listPage(flags.list(), listing.q, listing.page, FLAGS_PAGE_SIZE);
    const [archived, justArchived] = await Promise.all([
      archivedFlags(listing),
      justArchivedFlag(c),
    ]);
    const admin = isAdmin(c);
    const now = here();
    return ctx.pages.render(
      c,
      <FlagListView
        c={c}
        live={live}
        archived={archived}
        listing={listing}
        searchError={searchError}
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

  page(app, ctx.access, "GET", "/flags", STEWARD_READ, async (c) => {
    const { listing, error } = listingOf((name) => c.req.query(name));
    return await flagsPage(c, error ? { status: 400 } : {}, listing, error);
  });

  page(app, ctx.access, "POST", "/flags", ADMIN_CHANGE, async (c) => {
    const form = await readForm(c);
    // A refused form shows the listing it was sent from again.
    const back = returnListing(formValue(form, "return"));
    const key = (formValue(form, "key") ?? "").trim();
    // A restore posts an archived flag's last settings (and its version) without "enabled":
    // it comes back turned off. Creating a flag under an archived key does the same write.
    const restoring = formValue(form, "restore") === "yes";
    const { input, errors } = flagInputFromForm(form);
    const onKey = keyError(key, restoring, (key) => flags.get(key) !== undefined);
    if (onKey) errors.unshift(onKey);
    if (!input || errors.length > 0) {
      return await flagsPage(c, { errors, form, status: 400 }, back);
    }
    const outcome = await create(c, key, input, restoring);
    if ("failure" in outcome) {
      return await flagsPage(c, failed(outcome.failure, restoring ? undefined : form), back);
    }
    // (Only a creation racing another one with the same settings finds nothing to change.)
    const notice = !outcome.changed ? "unchanged" : restoring ? "restored" : "created";
    return c.redirect(`/flags/${key}?notice=${notice}`, 303);
  });

  return app;
}
