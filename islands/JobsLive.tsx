/**
 * The live job list on /jobs: progress bars updated from `job.*` events on
 * `/api/stream?topic=jobs`, falling back to polling `/api/jobs` every 30 s
 * while the stream is down (same fallback as the governance panel). Unfinished jobs silent
 * for longer than the stall threshold are marked stalled, re-checked every 30 s against the
 * server's clock. A worker's repeated callback changes nothing and publishes no event, but it
 * clears the mark: while the page marks a job stalled, each re-check also re-reads `/api/jobs`,
 * so a job that reported on any instance loses its mark within 30 s. Each answer replaces the
 * list but for live events newer than the request. Job retention announces its deletions
 * (`jobs.deleted`, no ids): the page then reads the list again, and the deleted jobs leave it.
 */
import { useSignal } from "@preact/signals";
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";
import { TableScroll } from "../components/TableScroll.tsx";
import { isStalled, isTerminal } from "../lib/jobs/status.ts";
import { connectLive, fetchState, type LiveStatus } from "../lib/realtime/live_client.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { LiveHeader } from "./shared/LiveHeader.tsx";
import { utcTime } from "./shared/time.ts";

export interface JobRow {
  id: string;
  researchId: string | null;
  status: string;
  progress: number;
  /** The last change of status or progress. */
  updatedAt: string;
  /** The last callback, a repeat included (stall marks read it; absent: `updatedAt`). */
  lastReportedAt?: string;
}

/** When a row's job last reported. */
export function reportedAt(job: JobRow): string {
  const last = job.lastReportedAt;
  return last !== undefined && Date.parse(last) > Date.parse(job.updatedAt) ? last : job.updatedAt;
}

/** Whether a row's job is stalled at `nowMs` (see lib/jobs/status.ts). */
export function rowStalled(job: JobRow, nowMs: number, stallAfterMs: number): boolean {
  return isStalled({ status: job.status, lastReportedAt: reportedAt(job) }, nowMs, stallAfterMs);
}

/** The later of two ISO times. */
function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

export interface JobsLiveProps extends Record<string, unknown> {
  jobs: JobRow[];
  pollSeconds?: number;
  /** Rows kept on screen. */
  limit?: number;
  /** JOB_STALL_AFTER_MINUTES (0: jobs are never marked stalled). */
  stallAfterMinutes?: number;
  /** The server's clock when it rendered the page (ms), so a skewed client clock is ignored. */
  serverNow?: number;
  /**
   * Whether the reader operates the platform (STEWARD or ADMIN): the stalled-job notice points
   * them to the runbook. Researchers cannot act on a worker, and are told whom to ask instead.
   */
  operator?: boolean;
}

/** How often the stalled marks are re-checked. */
const STALL_CHECK_MS = 30_000;

const BADGE: Record<string, string> = {
  completed: "badge badge--ok",
  failed: "badge badge--danger",
  progress: "badge badge--warn",
  started: "badge badge--warn",
};

/** Merges one job event into the list (newest first), ignoring one that would move a job back. */
export function mergeJobEvent(jobs: JobRow[], event: AppEvent, limit: number): JobRow[] {
  const id = String(event.payload.jobId ?? "");
  if (!id) return jobs;
  const existing = jobs.find((job) => job.id === id);
  if (existing && isTerminal(existing.status)) return jobs;
  const row: JobRow = {
    id,
    researchId: typeof event.payload.researchId === "string" ? event.payload.researchId : null,
    status: String(event.payload.status ?? event.type.replace("job.", "")),
    progress: Math.max(existing?.progress ?? 0, Number(event.payload.progress ?? 0)),
    updatedAt: event.ts,
    lastReportedAt: existing ? later(reportedAt(existing), event.ts) : event.ts,
  };
  return [row, ...jobs.filter((job) => job.id !== id)].slice(0, limit);
}

/**
 * The notice above the table when jobs are stalled: what it means, and what this reader can do
 * about it (the runbook for those who operate the platform, their data steward or administrator
 * for researchers, who have no access to workers or the docs).
 */
export function stalledNotice(count: number, stallAfterMinutes: number, operator: boolean): string {
  const jobs = count === 1 ? "1 job has" : `${count} jobs have`;
  const silence = `${stallAfterMinutes} minute${stallAfterMinutes === 1 ? "" : "s"}`;
  const next = operator
    ? "See the Jobs section of the runbook docs/operations/TROUBLESHOOTING.md."
    : count === 1
    ? "If it does not move again soon, tell your data steward or administrator which job it is."
    : "If they do not move again soon, tell your data steward or administrator which ones.";
  return `${jobs} not reported for more than ${silence}: a worker may have stopped. ${next}`;
}

/** Changes named one by one in an announcement; beyond them, only how many more. */
const ANNOUNCED_AT_MOST = 3;

/**
 * What a screen reader is told when the list changes (a live event or a poll): which jobs
 * started, finished or failed (`Job <id> completed.`), never a progress tick, which would talk
 * over everything else while a job runs. Null when no job's status changed that way.
 */
export function jobAnnouncement(before: JobRow[], after: JobRow[]): string | null {
  const was = new Map(before.map((job) => [job.id, job.status]));
  const changes = after
    .filter((job) => job.status !== "progress" && was.get(job.id) !== job.status)
    .map((job) => `Job ${job.id} ${job.status}.`);
  if (changes.length === 0) return null;
  const more = changes.length - ANNOUNCED_AT_MOST;
  return [
    ...changes.slice(0, ANNOUNCED_AT_MOST),
    ...(more > 0 ? [`${more} more job${more === 1 ? "" : "s"} changed.`] : []),
  ].join(" ");
}

/**
 * The union of two job lists, each job as its most recent report (later `updatedAt`; a
 * finished job stays finished), newest first, at most `limit`. A poll answer that left before
 * a live event must not undo it. Each job's last report is the later of the two: a repeated
 * callback reaches the page only through a poll, whose row may otherwise lose to a live one.
 */
export function mergeJobLists(current: JobRow[], polled: JobRow[], limit: number): JobRow[] {
  const byId = new Map<string, JobRow>();
  for (const job of [...polled, ...current]) {
    const seen = byId.get(job.id);
    if (!seen) byId.set(job.id, job);
    else {
      const last = later(reportedAt(job), reportedAt(seen));
      byId.set(job.id, { ...(newer(job, seen) ? job : seen), lastReportedAt: last });
    }
  }
  return [...byId.values()]
    .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))
    .slice(0, limit);
}

/** Whether a row reads the same as another (state, progress and report times). */
function sameRow(a: JobRow, b: JobRow): boolean {
  return a.status === b.status && a.progress === b.progress && a.updatedAt === b.updatedAt &&
    a.researchId === b.researchId && reportedAt(a) === reportedAt(b);
}

/**
 * The list after a poll answer: the jobs the answer lists, each merged with its row on the page
 * ({@link mergeJobLists}), and, of the rows it leaves out, only those that changed on the page
 * after the request left (`sent`, the list shown then): live events the answer may not know yet.
 * The answer is the server's newest `limit` jobs, the window the page shows, so a row it leaves
 * out that has not changed since was deleted on the server (job retention) or has left that
 * window: either way it goes, instead of staying until the page is reloaded.
 */
export function applyPollAnswer(
  sent: JobRow[],
  current: JobRow[],
  polled: JobRow[],
  limit: number,
): JobRow[] {
  const listed = new Set(polled.map((job) => job.id));
  const before = new Map(sent.map((job) => [job.id, job]));
  const kept = current.filter((job) => {
    if (listed.has(job.id)) return true;
    const then = before.get(job.id);
    return then === undefined || !sameRow(then, job);
  });
  return mergeJobLists(kept, polled, limit);
}

function newer(a: JobRow, b: JobRow): boolean {
  if (isTerminal(b.status) && !isTerminal(a.status)) return false;
  if (isTerminal(a.status) && !isTerminal(b.status)) return true;
  return Date.parse(a.updatedAt) > Date.parse(b.updatedAt);
}

export default function JobsLive(props: JobsLiveProps): VNode {
  const jobs = useSignal(props.jobs);
  const announcement = useSignal("");
  const status = useSignal<LiveStatus | "server">("server");
  const limit = props.limit ?? 50;
  const stallAfterMs = (props.stallAfterMinutes ?? 0) * 60_000;
  // The server's time now: its clock at render plus the time since (measured here).
  const serverNow = props.serverNow ?? Date.now();
  const clockOffset = useSignal(serverNow - Date.now());
  const now = useSignal(serverNow);

  /** Shows the new list and announces what changed in it. */
  function update(next: JobRow[]): void {
    const said = jobAnnouncement(jobs.value, next);
    jobs.value = next;
    if (said !== null) announcement.value = said;
  }

  async function poll(): Promise<void> {
    // The answer lists the same window the page shows (newest first, at most `limit`).
    const sent = jobs.value;
    const response = await fetchState(`/api/jobs?limit=${limit}`);
    if (!response) return;
    const polled = ((await response.json()) as { jobs: JobRow[] }).jobs;
    // The server's list, but events that arrived while the request was on its way are newer.
    update(applyPollAnswer(sent, jobs.value, polled, limit));
  }

  useEffect(() => {
    return connectLive({
      url: "/api/stream?topic=jobs",
      events: ["job.started", "job.progress", "job.completed", "job.failed", "jobs.deleted"],
      pollMs: (props.pollSeconds ?? 30) * 1000,
      onStatus: (next) => (status.value = next),
      // The hello snapshot holds governance state only: refresh the list once connected.
      onHello: () => {
        poll().catch(() => {});
      },
      poll,
      onEvent: (event) => {
        // Retention deleted jobs (which, the event does not say): the answer no longer lists them.
        if (event.type === "jobs.deleted") poll().catch(() => {});
        else update(mergeJobEvent(jobs.value, event, limit));
      },
    });
  }, []);

  useEffect(() => {
    if (stallAfterMs <= 0) return;
    const timer = setInterval(() => {
      now.value = Date.now() + clockOffset.value;
      // A repeated callback publishes no event: while a job is marked, ask whether it reported
      // (when the stream is down the fallback poll already does).
      const marked = jobs.value.some((job) => rowStalled(job, now.value, stallAfterMs));
      if (marked && status.value === "live") poll().catch(() => {});
    }, STALL_CHECK_MS);
    return () => clearInterval(timer);
  }, []);

  const silence = `${props.stallAfterMinutes} minute${props.stallAfterMinutes === 1 ? "" : "s"}`;
  const stalled = new Set(
    jobs.value.filter((job) => rowStalled(job, now.value, stallAfterMs)).map((job) => job.id),
  );

  return (
    <section class="jobs-live panel" aria-labelledby="jobs-live-title">
      <LiveHeader id="jobs-live-title" title="Recent jobs" status={status.value} />
      {
        /* The table is not a live region (every progress tick would be read out): this says
          when a job starts, finishes or fails. */
      }
      <p class="sr-only" role="status" data-testid="jobs-announcement">{announcement.value}</p>
      {stalled.size > 0 && (
        <p class="notice notice--warn" role="status" data-testid="jobs-stalled">
          {stalledNotice(stalled.size, props.stallAfterMinutes ?? 0, props.operator === true)}
        </p>
      )}
      {jobs.value.length === 0
        ? <p class="muted">No jobs to show.</p>
        : (
          <TableScroll label="Recent jobs">
            <table class="data" data-testid="jobs-table">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Research</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Last report</th>
                </tr>
              </thead>
              <tbody>
                {jobs.value.map((job) => (
                  <tr key={job.id} data-job={job.id}>
                    <td>
                      <code>{job.id}</code>
                    </td>
                    <td>{job.researchId ? <code>{job.researchId}</code> : "—"}</td>
                    <td>
                      <span class={BADGE[job.status] ?? "badge"}>{job.status}</span>
                      {stalled.has(job.id) && (
                        <>
                          {" "}
                          <span
                            class="badge badge--danger"
                            title={`No report for more than ${silence}`}
                          >
                            stalled
                          </span>
                        </>
                      )}
                    </td>
                    <td>
                      <progress
                        max={100}
                        value={job.progress}
                        aria-label={`Job ${job.id} progress`}
                      >
                        {job.progress}%
                      </progress>{" "}
                      <span class="muted">{job.progress}%</span>
                    </td>
                    <td>
                      <time dateTime={reportedAt(job)} data-testid="job-reported">
                        {utcTime(reportedAt(job))}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
    </section>
  );
}
