/**
 * Reads back an erasure from the audit log: the analytics page's "N events were deleted" notice is
 * told by what the caller's own erasure recorded, never by the URL, so a crafted link
 * (?erased=3&user=<a colleague's id>) shows nothing.
 */
import { queryAudit } from "../audit/query.ts";
import type { Clock } from "../clock.ts";
import type { Queryable } from "../db/mod.ts";
import { ERASE_AUDIT_ACTION } from "./erasure.ts";

export interface RecentErasures {
  /**
   * The number of events `actorId`'s latest erasure of the account `targetId` deleted, when that
   * erasure was recorded in the last `withinMs`; undefined when there is none (or it recorded no
   * count).
   */
  recentErasureBy(actorId: string, targetId: string, withinMs: number): Promise<number | undefined>;
}

/**
 * @example
 * const erasures = createRecentErasures({ db, clock });
 * await erasures.recentErasureBy(principal.id, userId, 10 * 60_000); // 3, or undefined
 */
export function createRecentErasures(deps: { db: Queryable; clock: Clock }): RecentErasures {
  return {
    async recentErasureBy(actorId, targetId, withinMs) {
      const { records } = await queryAudit(deps.db, {
        actor: actorId,
        action: ERASE_AUDIT_ACTION,
        targetId,
        from: new Date(deps.clock.now() - withinMs),
        limit: 1,
      });
      const recorded = (records[0]?.after as { deletedEvents?: unknown } | null | undefined)
        ?.deletedEvents;
      return typeof recorded === "number" ? recorded : undefined;
    },
  };
}
