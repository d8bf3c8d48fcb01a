/** Reading an SSE response in tests: messages as they arrive, with a bounded wait. */
import { type SseMessage, SseParser } from "../lib/realtime/sse_parse.ts";

export interface SseReader {
  messages: SseMessage[];
  parser: SseParser;
  /** Events other than hello/resync, in arrival order. */
  events(): SseMessage[];
  /** Resolves once `predicate(messages)` holds; rejects after `timeoutMs` (a hang guard, not a timing assertion). */
  until(
    predicate: (messages: SseMessage[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  /** True once the server ended the stream. */
  ended(): boolean;
  close(): Promise<void>;
}

/** Starts reading `response.body` in the background. */
export function readSse(response: Response): SseReader {
  const parser = new SseParser();
  const messages: SseMessage[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let done = false;
  let wake: (() => void) | undefined;
  const pump = (async () => {
    try {
      while (true) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        messages.push(...parser.feed(decoder.decode(value, { stream: true })));
        wake?.();
      }
    } catch {
      // cancelled
    } finally {
      done = true;
      wake?.();
    }
  })();
  return {
    messages,
    parser,
    events: () => messages.filter((m) => m.event !== "hello" && m.event !== "resync"),
    async until(predicate, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (done) throw new Error(`stream ended before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    ended: () => done,
    async close() {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}
