/**
 * Browser error reports (`POST /api/errors`): the schema, the size cap, and
 * the pure steps that turn a report into something the reporter can capture.
 * The browser never talks to Sentry; the server scrubs what it forwards.
 */
import { z } from "@hono/zod-openapi";

/** Largest accepted request body, in bytes. */
export const BROWSER_REPORT_MAX_BYTES = 16 * 1024;
/** Reports one signed-in user may send per minute (on top of the global limiter). */
export const BROWSER_REPORTS_PER_MINUTE = 20;

/** One uncaught error or unhandled rejection, as the islands runtime reports it. */
export const BrowserErrorReport = z.object({
  type: z.string().min(1).max(200).openapi({ example: "TypeError" }),
  message: z.string().max(2000),
  stack: z.string().max(12_000).optional(),
  route: z.string().min(1).max(2048).openapi({
    description: "location.pathname of the page; mapped to a page route pattern on the server",
    example: "/admin/users",
  }),
}).strict().openapi("BrowserErrorReport");
export type BrowserErrorReport = z.infer<typeof BrowserErrorReport>;

/**
 * The page route pattern (`/admin/users/:id`) that `path` matches, or
 * "unmatched". Only registered patterns come back, never the client's text.
 */
export function matchRoute(path: string, patterns: readonly string[]): string {
  const clean = path.split(/[?#]/, 1)[0] ?? "";
  const parts = clean.split("/").slice(1);
  for (const pattern of patterns) {
    const want = pattern.split("/").slice(1);
    if (want.length !== parts.length && !want.includes("*")) continue;
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const segment = want[i]!;
      if (segment === "*") break;
      const got = parts[i];
      if (got === undefined) ok = false;
      else if (segment.startsWith(":")) ok = got.length > 0;
      else ok = segment === got;
    }
    if (ok) return pattern;
  }
  return "unmatched";
}

/**
 * Capitalised words a browser error message is made of: engine and DOM messages, JS and DOM
 * class names (`Resize`+`Observer`), HTTP words. Lower-case. Words that are also common given
 * or family names (May, Will, Grant, Page, Key, Field, …) are left out on purpose.
 */
const MESSAGE_WORDS = new Set(
  (
    "a abort aborted access accessor after again aggregate already an and api append are argument " +
    "arguments array assignment async at attribute await bad be been before bigint blob blocked " +
    "body buffer by call callback can cannot channel child chunk circular class client clone " +
    "closed column component configurable connection consent const constraint constructor " +
    "content context controller converting could cross csp csrf css data db declaration declared " +
    "defined delete denied did digits directive division do document does dom element elements " +
    "empty encoding end error errors eval event events exceeded exception expected experiment " +
    "export expression extensible failed failure false fetch file flag flags for forbidden from " +
    "function gateway generator get getter governance had handler has have http https id " +
    "identifier if illegal import in inactive index indexed infinity initialization input instance " +
    "internal intersection invalid is it iterable iterator job jobs js json lexical limit line " +
    "listener literal load loading local locked loop maximum media message method minified " +
    "minimum missing mode module much must mutation nan network new no node non not null number " +
    "object observer of offline ok on online only open operation options or out output parse " +
    "parser patch permission please policy position post private promise properties property " +
    "prototype proxy put quota range rate read readonly ready record reduce reference refused " +
    "regexp rejection render request reset resize resource response result retry right role " +
    "script security server service session set setter should signal size socket source stack " +
    "standby state status storage stream strict string structure super supported symbol syntax " +
    "target template the this timeout to token too transaction true try type uncaught undefined " +
    "unexpected unhandled unknown unterminated uri url user utf value values version violation " +
    "was weak web were when while window with worker writable xml zero " +
    "all any attempt attempted called cyclic derived duplicate each found hierarchy incompatible " +
    "lost more offset precision radix receiver redeclaration requested requires some than timed " +
    "unable unsupported html svg xhr"
  ).split(" "),
);

const QUOTES: Record<string, string> = {
  "'": "'",
  '"': '"',
  "`": "`",
  "\u2018": "\u2019",
  "\u201C": "\u201D",
  "\u00AB": "\u00BB",
};
/** A quote that opens a quoted string: not right after a letter or digit (`can't`, `O'Brien`). */
const QUOTED = /(?<![\p{L}\p{M}\p{N}])(['"`\u2018\u201C\u00AB])/gu;
const URL_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`]*/gi;
const DIGITS = /\p{Nd}+/gu;
const WORD = /[\p{L}\p{M}]+/gu;
/** The parts of a capitalised identifier: `HTML`+`Element`, `Resize`+`Observer`, `Mc`+`Donald`. */
const HUMP = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{M}]+|\p{Lu}+/gu;

function knownWord(word: string): boolean {
  // A word that starts in lower case is an identifier or a word of the engine's text.
  if (/^\p{Ll}/u.test(word)) return true;
  const humps = word.match(HUMP) ?? [];
  return humps.join("") === word && humps.every((hump) => MESSAGE_WORDS.has(hump.toLowerCase()));
}

function replaceQuoted(text: string): string {
  let out = "";
  let at = 0;
  for (const match of text.matchAll(QUOTED)) {
    const start = match.index;
    if (start < at) continue; // inside a string already replaced
    const close = text.indexOf(QUOTES[match[1]!]!, start + 1);
    out += text.slice(at, start) + "'…'";
    at = close < 0 ? text.length : close + 1;
  }
  return out + text.slice(at);
}

/**
 * A browser error message reduced to its template before it is sent: URLs become `<url>`,
 * quoted strings (`'…'`, `"…"`, `` `…` ``, typographic quotes) `'…'`, digit runs `0`, and a
 * word that starts with a capital (or has no case) `…` unless each of its parts is a word of
 * {@link MESSAGE_WORDS}. What a user wrote into the report (`Record #7741293`, `pt. Zarkowski`,
 * `ZARKOWSKI^QUENBY^^^MR`) leaves as `Record #0`, `pt. …`, `…^…^^^…`; an engine message keeps
 * its sense: `Cannot read properties of undefined (reading '…')`. The scrub then scans the
 * result and drops the event on any finding, as for every event.
 */
export function messageTemplate(message: string): string {
  return replaceQuoted(message.replace(URL_TEXT, "<url>"))
    .replace(DIGITS, "0")
    .replace(WORD, (word) => knownWord(word) ? word : "…");
}

/** The report's error type when it is a class name made of known words, else `Error`. */
export function errorTypeTemplate(type: string): string {
  return /^\p{Lu}[\p{L}]*$/u.test(type) && knownWord(type) ? type : "Error";
}

/** A V8 stack frame line (`    at fn (url:line:col)`), the only lines the stack parser reads. */
const FRAME_LINE = /^\s*at\s+\S/;

/**
 * An Error for the reporter from a report: type and message as templates
 * ({@link errorTypeTemplate}, {@link messageTemplate}) and, of the stack, the frame lines only
 * (the message repeated at its top and any other free text are left out; of a frame the scrub
 * keeps file, function, line and column). The result is scrubbed like any server error before
 * anything leaves.
 */
export function browserReportToError(report: BrowserErrorReport): Error {
  const type = errorTypeTemplate(report.type);
  const message = messageTemplate(report.message);
  const error = new Error(message);
  error.name = type;
  const frames = (report.stack ?? "").split("\n").filter((line) => FRAME_LINE.test(line));
  error.stack = [`${type}: ${message.split("\n", 1)[0]}`, ...frames].join("\n");
  return error;
}
