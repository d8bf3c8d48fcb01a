/**
 * Shared pieces of the load harnesses: arguments, output, percentiles, and a
 * server in a child process that announces itself with one JSON line.
 */

/** `--name <number>` from the command line, or the fallback. */
export function argument(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(Deno.args[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Writes one line to stdout (harnesses report, they do not log). */
export function write(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

/** Nearest-rank percentile of ascending values (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/**
 * Spawns `deno run -A <script> …args`, waits for its first stdout line (JSON)
 * and returns it with the child. The child keeps stdin piped so closing it
 * can tell the server to stop.
 */
export async function spawnServer<T>(
  script: string,
  options: { args?: string[]; env?: Record<string, string>; denoFlags?: string[] } = {},
): Promise<{ child: Deno.ChildProcess; info: T }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...(options.denoFlags ?? []), script, ...(options.args ?? [])],
    ...(options.env ? { env: options.env } : {}),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before it was ready");
    buffered += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return { child, info: JSON.parse(buffered.split("\n")[0]!) as T };
}
