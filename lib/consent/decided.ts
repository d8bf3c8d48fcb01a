/**
 * The word a page is returned to after a banner choice made by the form post: `?consent=granted`
 * or `?consent=declined`. Fixed words only; read by the page (lib/consent/page.ts) and by the
 * banner island in the browser, so this module imports nothing.
 */

/** What a banner choice made by the form post was; "declined" also for a withdrawal there. */
export type ConsentDecided = "granted" | "declined";

/** The query name the banner's forms return with. */
export const CONSENT_DECIDED_QUERY = "consent";
