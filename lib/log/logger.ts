/**
 * Structured logger: levels, JSON lines or readable text, and a redactor that
 * every record passes before it is written.
 */
import type { LogLevel } from "../config.ts";
import { redactKeys } from "./redact.ts";

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Logger;
}

/** Where formatted lines go; injected so tests can capture them. */
export type LogSink = (line: string, level: LogLevel) => void;

export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "text";
  sink?: LogSink;
  /** Extra scrub applied after key redaction (the PHI scanner's redact). */
  scrub?: (record: LogFields) => LogFields;
  now?: () => Date;
  base?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/** Writes to stdout, errors and warnings to stderr. */
export const stdioSink: LogSink = (line, level) => {
  const stream = level === "error" || level === "warn" ? Deno.stderr : Deno.stdout;
  writeAll(stream, encoder.encode(line + "\n"));
};

function formatText(record: LogFields): string {
  const { ts, level, msg, ...rest } = record;
  const pairs = Object.entries(rest).map(([key, value]) =>
    `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`
  );
  return [String(ts), String(level).toUpperCase().padEnd(5), String(msg), ...pairs].join(" ");
}

/** Creates a logger; nothing is written below `level`. */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? stdioSink;
  const now = options.now ?? (() => new Date());
  const threshold = RANK[options.level];

  function make(base: LogFields): Logger {
    function write(level: LogLevel, message: string, fields?: LogFields): void {
      if (RANK[level] < threshold) return;
      let record: LogFields;
      try {
        const redacted = redactKeys({ ...base, ...fields }) as LogFields;
        record = { ts: now().toISOString(), level, msg: message, ...redacted };
        if (options.scrub) record = options.scrub(record);
      } catch {
        // A record that cannot be made safe is reduced to what is known safe.
        record = { ts: now().toISOString(), level, msg: "log record dropped by redactor" };
      }
      sink(options.format === "json" ? JSON.stringify(record) : formatText(record), level);
    }
    return {
      debug: (message, fields) => write("debug", message, fields),
      info: (message, fields) => write("info", message, fields),
      warn: (message, fields) => write("warn", message, fields),
      error: (message, fields) => write("error", message, fields),
      child: (fields) => make({ ...base, ...fields }),
    };
  }
  return make(options.base ?? {});
}

/** A logger that keeps records in memory, for tests. */
export function memoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, format: "json", sink: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
