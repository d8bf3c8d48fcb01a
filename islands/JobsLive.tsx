/**
 * The live job list on /jobs: progress bars updated from `job.*` events on
 * `/api/stream?topic=jobs`, falling back to polling `/api/jobs` every 30 s
 * while the stream is down (same fallback as the governance panel).
 */
import { useSignal } from "@preact/signals";
import type { VNode } from "preact";
import { useEffect } from "preact/hooks";
import { connectLive, type LiveStatus } from "../lib/realtime/live_client.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { LiveHeader } from "./shared/LiveHeader.tsx";

export interface JobRow {
  id: string;
  researchId: string | null;
  status: string;
  progress: number;
  updatedAt: string;
}

export interface JobsLiveProps extends Record<string, unknown> {
  jobs: JobRow[];
  pollSeconds?: number;
  /** Rows kept on screen. */
  limit?: number;
}

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
  if (existing && (existing.status === "completed" || existing.status === "failed")) return jobs;
  const row: JobRow = {
    id,
    researchId: typeof event.payload.researchId === "string" ? event.payload.researchId : null,
    status: String(event.payload.status ?? event.type.replace("job.", "")),
    progress: Math.max(existing?.progress ?? 0, Number(event.payload.progress ?? 0)),
    updatedAt: event.ts,
  };
  return [row, ...jobs.filter((job) => job.id !== id)].slice(0, limit);
}

export default function JobsLive(props: JobsLiveProps): VNode {
  const jobs = useSignal(props.jobs);
  const status = useSignal<LiveStatus | "server">("server");
  const limit = props.limit ?? 50;

  async function poll(): Promise<void> {
    const response = await fetch(`/api/jobs?limit=${limit}`, {
      headers: { accept: "application/json" },
    });
    if (response.ok) jobs.value = ((await response.json()) as { jobs: JobRow[] }).jobs;
  }

  useEffect(() => {
    return connectLive({
      url: "/api/stream?topic=jobs",
      events: ["job.started", "job.progress", "job.completed", "job.failed"],
      pollMs: (props.pollSeconds ?? 30) * 1000,
      onStatus: (next) => (status.value = next),
      // The hello snapshot holds governance state only: refresh the list once connected.
      onHello: () => {
        poll().catch(() => {});
      },
      poll,
      onEvent: (event) => (jobs.value = mergeJobEvent(jobs.value, event, limit)),
    });
  }, []);

  return (
    <section class="jobs-live panel" aria-labelledby="jobs-live-title">
      <LiveHeader id="jobs-live-title" title="Recent jobs" status={status.value} />
      {jobs.value.length === 0
        ? <p class="muted">No jobs have reported yet.</p>
        : (
          <table class="data" data-testid="jobs-table" aria-live="polite">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Research</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
              </tr>
            </thead>
            <tbody>
              {jobs.value.map((job) => (
                <tr key={job.id} data-job={job.id}>
                  <td>
                    <code>{job.id}</code>
                  </td>
                  <td>{job.researchId ?? "—"}</td>
                  <td>
                    <span class={BADGE[job.status] ?? "badge"}>{job.status}</span>
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
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}
