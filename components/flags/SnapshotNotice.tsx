/** What the flag pages say when the flags shown are not the stored ones (database unreachable). */
import type { SnapshotStatus } from "../../lib/flags/snapshot.ts";

/** A notice for a stale or empty snapshot of the flag configuration; nothing when it is fresh. */
export function SnapshotNotice({ status }: { status: SnapshotStatus }) {
  if (status === "stale") {
    return (
      <p class="notice notice--warn" role="status">
        The database is unreachable: this is the last configuration loaded, and evaluations keep
        using it. Changes cannot be saved until the database returns.
      </p>
    );
  }
  if (status === "empty") {
    return (
      <p class="notice notice--error" role="alert">
        No flag configuration could be loaded: every flag is off (reason ERROR) until the database
        answers.
      </p>
    );
  }
  return null;
}
