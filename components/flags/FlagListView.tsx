/**
 * The list of flags (/flags): a search, one page of the live flags, the (ADMIN) create form and one
 * page of the archived flags. Every form carries the listing it was sent from (`return`).
 */
import type { Context } from "hono";
import type { FlagsListing, ListedPage } from "../../lib/flags/listing.ts";
import type { ArchivedFlag, FlagView } from "../../lib/flags/mod.ts";
import { gates } from "../../lib/flags/pages/format.ts";
import { NOTICES } from "../../lib/flags/pages/messages.ts";
import type { PageState } from "../../lib/flags/pages/page_state.ts";
import type { SnapshotStatus } from "../../lib/flags/snapshot.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { CsrfField, ErrorSummary, QueryNotice, SuccessNotice } from "../forms.tsx";
import { TableScroll } from "../TableScroll.tsx";
import { ArchivedFlagsView } from "./ArchivedFlagsView.tsx";
import { type Here, OverrideBadge, StateBadge } from "./badges.tsx";
import { FlagFields } from "./FlagFields.tsx";
import {
  ARCHIVED_HEADING_ID,
  FLAGS_SUMMARY_ID,
  FlagsSearch,
  ListSummary,
  liveFlags,
  Pager,
  ReturnField,
} from "./FlagsListing.tsx";
import { SnapshotNotice } from "./SnapshotNotice.tsx";

export interface FlagListViewProps {
  c: Context<AppEnv>;
  /** The page of the live flags shown. */
  live: ListedPage<FlagView>;
  /** The page of the archived flags shown, or null when the database cannot be read. */
  archived: ListedPage<ArchivedFlag> | null;
  /** The search and pages shown, and the search refused, if one was. */
  listing: FlagsListing;
  searchError?: string | undefined;
  admin: boolean;
  /** Where the states are evaluated (the State column's heading says). */
  now: Here;
  /** The flag just archived (`?notice=archived&flag=`), when it is an archived flag. */
  justArchived: ArchivedFlag | undefined;
  snapshot: SnapshotStatus;
  /** Whether a live flag has `key`. */
  isLive: (key: string) => boolean;
  state: PageState;
}

export function FlagListView(
  {
    c,
    live,
    archived,
    listing,
    searchError,
    admin,
    now,
    justArchived,
    snapshot,
    isLive,
    state,
  }: FlagListViewProps,
) {
  const list = live.items;
  return (
    <>
      <h1>Feature flags</h1>
      <ErrorSummary
        errors={state.errors ?? []}
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
          <SuccessNotice>
            Flag <code>{justArchived.key}</code>{" "}
            was archived: it now evaluates as unknown (off) everywhere. It is listed under{" "}
            <a href={`#${ARCHIVED_HEADING_ID}`}>Archived flags</a>
            {admin ? ", where it can be restored." : "."}
          </SuccessNotice>
        )
        : <QueryNotice c={c} notices={NOTICES} />}
      <SnapshotNotice status={snapshot} />
      <FlagsSearch listing={listing} error={searchError} />
      <ListSummary
        id={FLAGS_SUMMARY_ID}
        listed={live}
        q={listing.q}
        noun={liveFlags}
        order="by key"
        status
      />
      {live.total === 0
        ? <p class="muted">No flags yet.</p>
        : list.length > 0 && (
          <TableScroll label="Feature flags">
            <table class="data" aria-label="Feature flags" aria-describedby={FLAGS_SUMMARY_ID}>
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
      <Pager
        listed={live}
        listing={listing}
        label="Pages of flags"
        turn={(listing, page) => ({ ...listing, page })}
        fragment={FLAGS_SUMMARY_ID}
        rel
      />
      {admin && (
        <section aria-labelledby="create-heading">
          <h2 id="create-heading" tabindex={-1}>Create a flag</h2>
          <form method="post" action="/flags" class="form-card">
            <CsrfField c={c} />
            <ReturnField listing={listing} />
            <FlagFields form={state.form} withKey errors={state.errors} />
            <button type="submit" class="button button--primary">Create flag</button>
          </form>
        </section>
      )}
      <ArchivedFlagsView
        c={c}
        archived={archived}
        listing={listing}
        admin={admin}
        isLive={isLive}
      />
    </>
  );
}
