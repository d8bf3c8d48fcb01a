/** Running main.ts as a real process, for start-up and shutdown behaviour. */
import { withTimeout } from "../../lib/timeout.ts";

export const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

export interface AppProcess {
  child: Deno.ChildProcess;
  /** JSON log records seen so far. */
  records: Array<Record<string, unknown>>;
  stderr: string[];
  /** Resolves with the listening URL. */
  listening: Promise<string>;
  status: Promise<Deno.CommandStatus>;
}

/** Spawns `deno run main.ts` with JSON logs on a free port. */
export function spawnApp(env: Record<string, string>): AppProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-sys",
      "--allow-run",
      MAIN,
    ],
    cwd: ROOT,
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const records: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let resolveListening!: (url: string) => void;
  let rejectListening!: (error: Error) => void;
  const listening = new Promise<string>((resolve, reject) => {
    resolveListening = resolve;
    rejectListening = reject;
  });
  listening.catch(() => {}); // only awaited by tests that expect the process to come up
  async function pump(stream: ReadableStream<Uint8Array>, sink: (line: string) => void) {
    let buffer = "";
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        sink(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    }
    if (buffer) sink(buffer);
  }
  const parse = (line: string) => {
    try {
      const record = JSON.parse(line);
      records.push(record);
      if (record.msg === "listening") resolveListening(String(record.url));
    } catch {
      stderr.push(line);
    }
  };
  const outDone = pump(child.stdout, parse);
  const errDone = pump(child.stderr, parse);
  const status = (async () => {
    const result = await child.status;
    await Promise.all([outDone, errDone]);
    rejectListening(
      new Error(`process exited (${result.code}) before listening: ${stderr.join(" | ")}`),
    );
    return result;
  })();
  return { child, records, stderr, listening, status };
}

/** The listening URL, or an error when the process has not listened within `ms`. */
export function listeningWithin(app: AppProcess, ms: number): Promise<string> {
  return withTimeout(app.listening, ms, () => new Error("the instance did not listen in time"));
}

/** Kills the process (SIGKILL) and waits for it to end. */
export async function stop(app: AppProcess): Promise<void> {
  try {
    app.child.kill("SIGKILL");
  } catch { /* already gone */ }
  await app.status.catch(() => {});
}
