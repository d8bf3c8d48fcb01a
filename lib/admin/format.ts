/**
 * How the administration pages print times, ids and account names. Pure: no I/O.
 */
import type { User } from "../auth/mod.ts";
import { utcTime } from "../../islands/shared/time.ts";

/** The first 8 characters of an id: enough to tell apart the rows of one list. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** A stored time as the pages print it (`YYYY-MM-DD HH:MM:SS UTC`), or "—" for none. */
export function when(date: Date | null): string {
  return date ? utcTime(date.toISOString()) : "—";
}

/** A user as the pages name them: the display name, or the e-mail when there is none. */
export function nameOf(user: Pick<User, "displayName" | "email">): string {
  return user.displayName || user.email;
}
