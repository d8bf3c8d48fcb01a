/**
 * Browser error reports (`POST /api/errors`): the schema, the size cap, and
 * the pure steps that turn a report into something the reporter can capture.
 * The browser never talks to Sentry; the server scrubs what it forwards.
 */
import { z } from "@hono/zod-openapi";
import { bundleOfPath, inBundle, type IslandBundles } from "./bundles.ts";

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
 * The words a browser error message may keep, in any case: the engines' and the DOM's error
 * texts (V8, SpiderMonkey, WebKit: `Cannot read properties of undefined`, `NetworkError when
 * attempting to fetch resource.`, `ResizeObserver loop completed with undelivered
 * notifications`), the parts of JS and DOM class and method names (`Resize`+`Observer`,
 * `connected`+`Callback`), HTTP status texts and the app's own words. A closed list: every
 * other word is `…`. Words that are also common given or family names (May, Will, Grant, Page,
 * Key, Field, Long, Hook, …) are left out on purpose.
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
    "unable unsupported html svg xhr " +
    // Engine and DOM message words (V8, SpiderMonkey, WebKit, DOMException texts).
    "allowed appears apply assign attempting available because bodies boolean callable " +
    "canceled cancelled character characters checking closes completed computed construct " +
    "contains convert destructure detached didn disconnected doesn dynamically " +
    "enclosing enforced evaluating execute expecting focused identifiers implemented importing " +
    "initial interrupted into invocation invoked isn iteration longer matching memory mime " +
    "modules notifications occurred outside possibly reading recursion regular removed reserved " +
    "responded returned setting starting statement successfully threw thrown undelivered " +
    "usable use used valid variable wasn without reason resources properties operations " +
    "imported match matches pattern since button form anchor div image canvas " +
    "accessed assigned constant denied missing evaluate expression stopped " +
    // JS and DOM method and property names (`t.map is not a function`), by part.
    "add bind catch connected contains disconnected entries every filter finally find " +
    "for each focus includes insert item items join length map of push query remove " +
    "replace selector slice some split then to prevent default propagation stop scroll " +
    "into view post listener attribute append remove insert text blur submit " +
    // HTTP status texts.
    "accepted conflict created entity gone moved payload precondition requests " +
    "unauthorized unavailable unprocessable " +
    // The app's island code words kept in frames.
    "boot refresh connected"
  ).split(/\s+/).filter((word) => word.length > 0),
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

/**
 * Whether a word (letters only) is made of known words, hump by hump (`ResizeObserver`,
 * `connectedCallback`, `HTTP`). A single lower-case letter is kept too: the minified names of
 * `e is not a function`, `t.map is not a function`.
 */
function knownWord(word: string): boolean {
  if (/^[a-z]$/.test(word)) return true;
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
 * quoted strings (`'…'`, `"…"`, `` `…` ``, typographic quotes) `'…'`, digit runs `0`, and
 * every run of letters, in any case, `…` unless each of its humps is a word of
 * {@link MESSAGE_WORDS} (or it is one lower-case letter, a minified name). Digits, `_`, `$`
 * and `.` split identifiers into such runs, so `render_zarkowski_quenby` leaves as
 * `render_…_…` and `quenby.zarkowski` as `….…`. What a user wrote into the report
 * (`Record #7741293`, `could not load chart for quenby zarkowski`, `ZARKOWSKI^QUENBY^^^MR`)
 * leaves as `Record #0`, `could not load … for … …`, `…^…^^^…`; an engine message keeps its
 * sense: `Cannot read properties of undefined (reading '…')`. The scrub then scans the result
 * and drops the event on any finding, as for every event.
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
const FRAME_WITH_FUNCTION = /^\s*at\s+(?:async\s+)?(.+?)\s+\((.*)\)\s*$/;
const FRAME_LOCATION_ONLY = /^\s*at\s+(?:async\s+)?(.+?)\s*$/;
const LINE_COLUMN = /^(.*):(\d{1,9}):(\d{1,9})$/;
/** A name a minifier gives (`e`, `Xy`, `$`, `t2`). */
const SHORT_IDENTIFIER = /^[A-Za-z_$][\w$]?$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** The most minified (≤ 2 characters) parts one frame's function name may have. */
const MAX_SHORT_PARTS = 2;

/**
 * A frame's function name when it is code, not text: no spaces, and each dotted part a
 * minified name (≤ 2 characters; at most two such parts) or an identifier whose letter runs are all made of known
 * words (`Array.map`, `HTMLButtonElement.connectedCallback`, `refresh`); `new ` is kept.
 * Anything else (`Quenby Zarkowski`, `QuenbyZarkowski`, `Zarkowski.Quenby`,
 * `render_zarkowski_quenby`, a lower-case surname) is undefined: the frame keeps only its
 * position.
 */
function frameFunction(name: string): string | undefined {
  const bare = name.startsWith("new ") ? name.slice(4) : name;
  const parts = bare.split(".");
  const known = (part: string) =>
    part === "<anonymous>" ||
    (IDENTIFIER.test(part) && (part.match(/[A-Za-z]+/g) ?? []).every(knownWord));
  // A minifier's names come one or two to a frame (`e`, `e.t`, `Object.e`); more short parts
  // would let a client spell out any text two characters at a time (`Qu.en.by.Za.rk`).
  const short = parts.filter((part) => SHORT_IDENTIFIER.test(part)).length;
  const ok = short <= MAX_SHORT_PARTS &&
    parts.every((part) => known(part) || SHORT_IDENTIFIER.test(part));
  return ok ? name : undefined;
}

/**
 * A frame's location when it is the app's own bundle or the runtime's: a URL whose path is one of
 * the app's island bundle files ({@link IslandBundles}: `/_islands/ModeBadge-3f2a9c1b7d4e.js`)
 * keeps that path, and its line and column when they point inside that file (they map to the
 * source maps); `<anonymous>` and `native` stay. Any other file (`zarkowski/quenby.js`, another
 * site's script, an `/_islands/` name the build never wrote) becomes `<unknown>`, and no
 * position is kept that does not point inside a known bundle: a made-up name or line number is
 * text the client chose.
 */
function frameLocation(location: string, bundles: IslandBundles): string {
  if (location === "<anonymous>" || location === "native") return location;
  const position = LINE_COLUMN.exec(location);
  const file = position ? position[1]! : location;
  let bundle: string | undefined;
  try {
    const url = new URL(file);
    // Only the path leaves (the scrub drops the origin too); the host is the client's text.
    if (/^https?:$/.test(url.protocol)) bundle = bundleOfPath(url.pathname, bundles);
  } catch {
    // Not a URL: a relative or made-up file name.
  }
  if (!bundle) return "<unknown>";
  const safe = `http://localhost/_islands/${bundle}`;
  return position && inBundle(bundles, bundle, Number(position[2]), Number(position[3]))
    ? `${safe}:${position[2]}:${position[3]}`
    : safe;
}

/** A V8 frame line rebuilt from its safe parts, or undefined for a line that is no frame. */
function safeFrameLine(line: string, bundles: IslandBundles): string | undefined {
  if (!FRAME_LINE.test(line)) return undefined;
  const withFunction = FRAME_WITH_FUNCTION.exec(line);
  if (withFunction) {
    const location = frameLocation(withFunction[2]!, bundles);
    const fn = frameFunction(withFunction[1]!);
    return fn ? `    at ${fn} (${location})` : `    at ${location}`;
  }
  return `    at ${frameLocation(FRAME_LOCATION_ONLY.exec(line)![1]!, bundles)}`;
}

/**
 * An Error for the reporter from a report: type and message as templates
 * ({@link errorTypeTemplate}, {@link messageTemplate}) and, of the stack, the frame lines only,
 * each rebuilt from its safe parts: the function when it is code ({@link frameFunction}), the
 * file when it is one of the app's island `bundles` or the runtime, line and column when they
 * point inside that bundle ({@link frameLocation}). The message repeated at the stack's top and
 * any other free text are left out. The result is scrubbed like any server error before
 * anything leaves.
 */
export function browserReportToError(report: BrowserErrorReport, bundles: IslandBundles): Error {
  const type = errorTypeTemplate(report.type);
  const message = messageTemplate(report.message);
  const error = new Error(message);
  error.name = type;
  const frames = (report.stack ?? "").split("\n").map((line) => safeFrameLine(line, bundles))
    .filter((line): line is string => line !== undefined);
  error.stack = [`${type}: ${message.split("\n", 1)[0]}`, ...frames].join("\n");
  return error;
}
