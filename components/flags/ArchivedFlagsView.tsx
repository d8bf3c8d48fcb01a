/**
 * The archived flags section of /flags: one page of them (newest first), with the (ADMIN)
 * confirmed restore of each.
 */
import type { Context } from "hono";
import type { FlagsListing, ListedPage } from "../../lib/flags/listing.ts";
import type { ArchivedFlag } from "../../lib/flags/mod.ts";
import { gates, toSecond } from "../../lib/flags/pages/format.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { eventKeyPhiTypes } from "../../lib/validation/event_key.ts";
import { CsrfField } from "../forms.tsx";
import { TableScroll } from "../TableScroll.tsx";
import {
  ARCHIVED_HEADING_ID,
  ARCHIVED_SUMMARY_ID,
  archivedFlags,
  ListSummary,
  Pager,
  ReturnField,
} from "./FlagsListing.tsx";

/** The archived flags: what they were, when archived, and (ADMIN) a confirmed restore. */
export function ArchivedFlagsView(
  { c, archived, listing, admin, isLive }: {
    c: Context<AppEnv>;
    /** The page of archived flags shown, or null when the database cannot be read. */
    archived: ListedPage<ArchivedFlag> | null;
    /** The search and pages shown (the restore forms return to them). */
    listing: FlagsListing;
    admin: boolean;
    /** Whether a live flag has `key` (then the archived one cannot be restored). */
    isLive: (key: string) => boolean;
  },
) {
  return (
    <section aria-labelledby="archived-heading" data-testid="archived-flags">
      <h2 id={ARCHIVED_HEADING_ID}>Archived flags</h2>
      <p>
        An archived flag evaluates as unknown (off) everywhere; its history stays in the audit log.
        {" "}
        {admin
          ? "Restoring one brings back its last settings, turned off, so nothing changes for anyone until you enable it."
          : "An administrator can restore one."}
      </p>
      {archived === null
        ? (
          <p class="notice notice--warn" role="status">
            The archived flags cannot be listed while the database is unreachable.
          </p>
        )
        : archived.total === 0
        ? <p class="muted">No archived flags.</p>
        : (
          <>
            <ListSummary
              id={ARCHIVED_SUMMARY_ID}
              listed={archived}
              q={listing.q}
              noun={archivedFlags}
              order="newest first"
            />
            {archived.items.length > 0 && (
              <TableScroll label="Archived flags">
                <table
                  class="data"
                  aria-label="Archived flags"
                  aria-describedby={ARCHIVED_SUMMARY_ID}
                >
                  <thead>
                    <tr>
                      <th scope="col">Key</th>
                      <th scope="col">Archived (UTC)</th>
                      <th scope="col">Last settings</th>
                      {admin && <th scope="col">Restore</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {archived.items.map((flag) => (
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
                            {isLive(flag.key)
                              ? <span class="muted">A live flag uses this key again.</span>
                              : eventKeyPhiTypes(flag.key).length > 0
                              ? (
                                <span class="muted" data-testid="not-restorable">
                                  Cannot be restored: its key reads as PHI to the scanner that
                                  guards live updates (found:{" "}
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
                                    <ReturnField listing={listing} />
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
            <Pager
              listed={archived}
              listing={listing}
              label="Pages of archived flags"
              turn={(listing, archivedPage) => ({ ...listing, archivedPage })}
              fragment={ARCHIVED_HEADING_ID}
            />
          </>
        )}
    </section>
  );
}
