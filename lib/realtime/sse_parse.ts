/**
 * An incremental parser of the `text/event-stream` format (the WHATWG
 * algorithm: fields, comments, multi-line data, dispatch on a blank line),
 * for clients without EventSource: tests, the fan-out harness, tooling.
 */

/** One dispatched message (`id` is the last event id in force, as in EventSource). */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Feeds text in any chunking; returns the messages completed by each chunk. */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | undefined;
  /** The last `retry:` hint received, in ms. */
  retry: number | undefined;
  /** Comment lines seen (heartbeats). */
  comments = 0;

  feed(text: string): SseMessage[] {
    this.#buffer += text;
    const out: SseMessage[] = [];
    let index: number;
    while ((index = this.#buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.#buffer.slice(0, index);
      const newline = this.#buffer.startsWith("\r\n", index) ? 2 : 1;
      this.#buffer = this.#buffer.slice(index + newline);
      if (line === "") {
        // As in EventSource: a block without data dispatches nothing.
        if (this.#data.length > 0) {
          out.push({ id: this.#id, event: this.#event || "message", data: this.#data.join("\n") });
        }
        this.#data = [];
        this.#event = "";
        continue;
      }
      if (line.startsWith(":")) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.#data.push(value);
      else if (field === "event") this.#event = value;
      else if (field === "id" && !value.includes("\0")) this.#id = value;
      else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    }
    return out;
  }
}
