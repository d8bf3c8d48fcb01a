/**
 * When and how a credential's use is written: a session's "last seen" and an API token's "last
 * used" time. Fewer writes than one per request, and none that holds up the request.
 */

/**
 * How often a token's last-used time, and at most how often a session's last-seen time, is
 * written (fewer writes than one per request). See sessionTouchMs for sessions.
 */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * How often a session's last-seen time is written: at most every TOUCH_INTERVAL_MS, and at least
 * ten times per idle limit. The idle check reads last-seen, so a session whose use was not written
 * is idle up to this much early: with a fixed minute, SESSION_IDLE_MINUTES=1 signed every user out
 * a minute after signing in however active (last-seen was never older than the interval before
 * it was older than the limit). A tenth keeps the limit within 10% of the one configured.
 */
export function sessionTouchMs(idleMs: number): number {
  return Math.min(TOUCH_INTERVAL_MS, idleMs / 10);
}

/**
 * Starts the write of a credential's use, under `key` (see {@link createBackgroundTouch}); false
 * when none was started (one for `key` is still under way).
 */
export type TouchInBackground = (key: string, write: () => Promise<void>) => boolean;

/**
 * Records a session's "last seen" or a token's "last used" time without holding up the
 * request: the lookup has answered, and a stalled write (a lock on sessions or api_tokens, a
 * busy pool) must not delay every call. While one write for a credential is under way no other
 * is started, so a stalled database does not pile one waiting UPDATE (and one pooled
 * connection) per request. A failed write is dropped: the next call after the touch interval
 * tries again (a session is idle only after ten intervals without one landing).
 */
export function createBackgroundTouch(): TouchInBackground {
  /** Sessions and tokens whose "last seen/used" write is under way. */
  const touching = new Set<string>();
  return (key, write) => {
    if (touching.has(key)) return false;
    touching.add(key);
    write().catch(() => {}).finally(() => touching.delete(key));
    return true;
  };
}
