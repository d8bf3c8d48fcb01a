/**
 * A real loopback HTTP server standing in for the Sentry ingest endpoint: a
 * DSN pointing at 127.0.0.1, every request recorded, envelopes parsed.
 */
import { type Loopback, startLoopback } from "./helpers/loopback.ts";

export interface EnvelopeItem {
  type: string;
  payload: Record<string, unknown>;
}

export interface RecordedEnvelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
  /** The raw request: path, query, headers and body, for "no canary anywhere" checks. */
  raw: string;
}

export interface SentryStandIn extends Loopback {
  dsn: string;
  /** Every request received, parsed as an envelope. */
  envelopes(): RecordedEnvelope[];
  /** The error events received, in order. */
  events(): Record<string, unknown>[];
}

/** Parses a Sentry envelope body (newline-delimited JSON: header, then item header + payload pairs). */
export function parseEnvelope(body: string): Omit<RecordedEnvelope, "raw"> {
  const lines = body.split("\n").filter((line) => line.length > 0);
  const header = JSON.parse(lines[0] ?? "{}");
  const items: EnvelopeItem[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    items.push({ type: JSON.parse(lines[i]!).type, payload: JSON.parse(lines[i + 1]!) });
  }
  return { header, items };
}

/** Starts the stand-in; `status` is what it answers (200 unless told). */
export function startSentryStandIn(status: () => number = () => 200): SentryStandIn {
  const urls: string[] = [];
  const loopback = startLoopback((request, hit) => {
    urls[hit - 1] = request.url;
    return new Response(JSON.stringify({ id: "0".repeat(32) }), {
      status: status(),
      headers: { "content-type": "application/json" },
    });
  });
  const envelopes = () =>
    loopback.hits.map((hit, i) => ({
      ...parseEnvelope(hit.body),
      raw: [urls[i] ?? "", ...hit.headers.entries(), hit.body].join("\n"),
    }));
  return {
    ...loopback,
    dsn: `http://0123456789abcdef0123456789abcdef@127.0.0.1:${loopback.port}/42`,
    envelopes,
    events: () =>
      envelopes().flatMap((envelope) =>
        envelope.items.filter((item) => item.type === "event").map((item) => item.payload)
      ),
  };
}

/** The exception of an event (first value). */
export function exceptionOf(event: Record<string, unknown>): {
  type: string;
  value?: string;
  stacktrace?: { frames: Array<Record<string, unknown>> };
} {
  return (event.exception as { values: ReturnType<typeof exceptionOf>[] }).values[0]!;
}
