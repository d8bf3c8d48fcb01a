/**
 * Walks a JSON-like value once, within bounds (depth, node count, characters, time), and
 * records findings by path; optionally builds the redacted copy on the way. Anything
 * unexpected aborts the walk, and the callers turn that into a SCANNER_ERROR finding.
 */
import {
  compactKey,
  DEFAULT_SAFE_KEYS,
  isTechnicalKey,
  keyWords,
  PERSON_ROLES,
  safeKeySet,
  sensitiveKeyType,
} from "./keys.ts";
import { applySpans, findSpans, type Span, spanTypes } from "./text.ts";
import { isGluedNanp } from "./detectors/numbers.ts";
import {
  DEFAULT_LIMITS,
  type PhiFinding,
  type PhiType,
  type ScanOptions,
  tooSmallToTime,
} from "./types.ts";

/** Thrown when a bound or the time budget is exceeded. */
export class ScanAbort extends Error {
  constructor(readonly path: string, reason: string) {
    super(reason);
    this.name = "ScanAbort";
  }
}

const DEFAULT_SAFE_SET = safeKeySet(DEFAULT_SAFE_KEYS);
const NO_SPANS: Span[] = [];
const TECHNICAL_CACHE = new WeakMap<Set<string>, Map<string, boolean>>();
const KEY_SPANS = new Map<string, Span[]>();
const safeSetCache = new WeakMap<object, Set<string>>();

function resolveSafe(keys: Iterable<string> | undefined): Set<string> {
  if (keys === undefined) return DEFAULT_SAFE_SET;
  if (typeof keys === "object" && keys !== null) {
    const cached = safeSetCache.get(keys);
    if (cached !== undefined) return cached;
    const set = safeKeySet(keys);
    safeSetCache.set(keys, set);
    return set;
  }
  return safeKeySet(keys);
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** How much text is scanned between two reads of the clock (and every 64 nodes). */
const CHECK_EVERY_CHARS = 32_768;

/** Shapes that are technical under a technical key: uuid, hex, ISO time, number, version, duration. */
const TECHNICAL_SHAPES = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^(0x)?[0-9a-f]{6,128}$/i,
  /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/,
  /^[+-]?\d{1,20}(\.\d{1,12})?([eE][+-]?\d{1,3})?$/,
  /^v?\d{1,6}(\.\d{1,6}){1,4}([-+][0-9A-Za-z.-]{1,64})?$/,
  /^P(\d{1,9}[YMWD]){0,4}(T(\d{1,9}(\.\d{1,9})?[HMS]){1,3})?$/,
  /^\d{1,12}(\.\d{1,9})?\s?(ns|us|µs|ms|s|sec|m|min|h|d)$/,
  /^\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/,
];

/**
 * FHIR shapes: objects whose keys are not sensitive by name (`family`, `value`, `display`
 * mean other things elsewhere: ua-parser's `os.family`, a CSS `font.family`, a quantity's
 * `value`, a code's `display`) but hold PHI in the shape FHIR gives them.
 */
const SHAPE_NONE = 0;
/** A HumanName: its family, given, text, prefix and suffix are a person's name. */
const SHAPE_NAME = 1;
/** An Identifier (under `identifier`): its value is a record number (or an SSN, an NPI). */
const SHAPE_IDENTIFIER = 2;
/** A Reference to a person (a patient, a practitioner): its display is their name. */
const SHAPE_PERSON_REF = 3;

/** HumanName.use codes (`temp` and `old` are Address and ContactPoint codes too). */
const NAME_USES = new Set(["official", "usual", "maiden", "nickname", "anonymous", "old", "temp"]);
/** The parts of a HumanName that hold the name. */
const NAME_PARTS = new Set(["family", "given", "text", "prefix", "suffix"]);
/** Keys under which a Reference points to a person. */
const PERSON_REF_KEYS = new Set(["subject", "patient", "beneficiary", "performer", "individual"]);
/** A reference to a person's resource, relative or absolute (`Patient/123`, `…/fhir/Patient/123`). */
const PERSON_REF = /(?:^|\/)(?:Patient|Practitioner|RelatedPerson|Person)\/[^/]/;

/** What FHIR shape the object `o`, found under `key`, has. */
function objectShape(o: object, key: string | undefined): number {
  const family = Object.hasOwn(o, "family");
  const given = Object.hasOwn(o, "given");
  if (family || given || Object.hasOwn(o, "text")) {
    // `{ family, given }`; a part under `name`; or a part with a HumanName use: not a font
    // family or an operating system's (`{ family: "Mac OS X", major: "10" }`).
    const use = (o as { use?: unknown }).use;
    if (
      (family && given) || ((family || given) && key === "name") ||
      (typeof use === "string" && NAME_USES.has(use) &&
        (family || given || use !== "old" && use !== "temp"))
    ) return SHAPE_NAME;
  }
  if (Object.hasOwn(o, "value") && (key === "identifier" || key === "identifiers")) {
    return SHAPE_IDENTIFIER;
  }
  if (Object.hasOwn(o, "display")) {
    const reference = (o as { reference?: unknown }).reference;
    if (
      typeof reference === "string"
        ? PERSON_REF.test(reference)
        : key !== undefined && PERSON_REF_KEYS.has(key)
    ) return SHAPE_PERSON_REF;
  }
  return SHAPE_NONE;
}

/**
 * The type the FHIR shape of `o` gives the value under `childKey`, or null. An identifier
 * whose value is a URI (`urn:uuid:…`, `urn:oid:…`, system `urn:ietf:rfc:3986`: a Bundle's or a
 * CodeSystem's own identifier) is left to the value detectors.
 */
function shapeType(shape: number, o: object, childKey: string): PhiType | null {
  switch (shape) {
    case SHAPE_NAME:
      return NAME_PARTS.has(childKey) ? "PERSON_NAME" : null;
    case SHAPE_PERSON_REF:
      return childKey === "display" ? "PERSON_NAME" : null;
    case SHAPE_IDENTIFIER: {
      if (childKey !== "value") return null;
      const { value, system } = o as { value?: unknown; system?: unknown };
      if (typeof value === "string" && /^urn:/i.test(value)) return null;
      if (typeof system !== "string") return "MRN";
      if (system === "urn:ietf:rfc:3986") return null;
      const lower = system.toLowerCase();
      return lower.includes("ssn") ? "SSN" : lower.includes("npi") ? "NPI" : "MRN";
    }
    default:
      return null;
  }
}

function technicalShape(value: string): boolean {
  if (value.length > 160) return false;
  for (const shape of TECHNICAL_SHAPES) if (shape.test(value)) return true;
  return false;
}

export class Walker {
  readonly findings: PhiFinding[] = [];
  private readonly seen = new Set<string>();
  /** Path segments: a number is an array index, a string an object key (raw). */
  private readonly path: Array<string | number> = [];
  private readonly safe: Set<string>;
  private readonly maxDepth: number;
  private readonly maxNodes: number;
  private readonly maxChars: number;
  private readonly budget: number;
  private readonly deadline: number;
  private readonly now: () => number;
  private nodes = 0;
  private chars = 0;
  private readonly redacting: boolean;
  /** Characters scanned since the clock was last read. */
  private sinceCheck = 0;
  /** Reads the clock (throws when the budget is spent). Cheap to call: reads it every 32K chars. */
  readonly checkpoint = (): void => {
    if (this.sinceCheck < CHECK_EVERY_CHARS) return;
    this.sinceCheck = 0;
    this.checkNow();
  };

  /**
   * Reads the clock now; throws when the budget is spent. Not for work too small to spend it
   * (tooSmallToTime): a tiny payload is never failed closed because the process was descheduled.
   */
  checkNow(): void {
    if (tooSmallToTime(this.chars, this.nodes, this.budget)) return;
    if (this.now() > this.deadline) throw new ScanAbort(this.pathString(), "time budget exceeded");
  }

  constructor(opts: ScanOptions | undefined, redacting: boolean) {
    this.safe = resolveSafe(opts?.safeKeys);
    this.maxDepth = opts?.maxDepth ?? DEFAULT_LIMITS.maxDepth;
    this.maxNodes = opts?.maxNodes ?? DEFAULT_LIMITS.maxNodes;
    this.maxChars = opts?.maxChars ?? DEFAULT_LIMITS.maxChars;
    this.now = opts?.now ?? (() => performance.now());
    this.budget = opts?.timeBudgetMs ?? DEFAULT_LIMITS.timeBudgetMs;
    this.deadline = this.now() + this.budget;
    this.redacting = redacting;
  }

  /** Whether a key is technical under this walker's safe keys (cached per safe-key set). */
  private technicalKey(key: string): boolean {
    let cache = TECHNICAL_CACHE.get(this.safe);
    if (cache === undefined) {
      cache = new Map();
      TECHNICAL_CACHE.set(this.safe, cache);
    }
    let technical = cache.get(key);
    if (technical === undefined) {
      technical = isTechnicalKey(key, this.safe);
      if (cache.size >= 4096) cache.clear();
      cache.set(key, technical);
    }
    return technical;
  }

  pathString(): string {
    let out = "$";
    for (const segment of this.path) {
      if (typeof segment === "number") out += `[${segment}]`;
      else out += IDENT.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    }
    return out;
  }

  private record(type: PhiType): void {
    const path = this.pathString();
    const id = type + "\u0000" + path;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.findings.push({ type, path });
  }

  private recordTypes(types: readonly PhiType[]): void {
    for (const type of types) this.record(type);
  }

  /** Records an error finding (fail closed). */
  fail(path: string): void {
    const id = "SCANNER_ERROR\u0000" + path;
    if (!this.seen.has(id)) {
      this.seen.add(id);
      this.findings.push({ type: "SCANNER_ERROR", path });
    }
  }

  private countChars(n: number): void {
    this.chars += n;
    this.sinceCheck += n;
    if (this.chars > this.maxChars) throw new ScanAbort(this.pathString(), "input too large");
  }

  /** Scans one string; returns its spans. */
  private textSpans(text: string, technical: boolean, whole: boolean): Span[] {
    this.countChars(text.length);
    const spans = findSpans(text, { technical, whole, checkpoint: this.checkpoint });
    this.checkpoint();
    return spans;
  }

  /** Spans of PHI inside an object key; keys repeat, so results are cached. */
  private keySpans(key: string): Span[] {
    const cached = KEY_SPANS.get(key);
    if (cached !== undefined) {
      this.countChars(key.length);
      return cached;
    }
    const spans = this.textSpans(key, false, false);
    if (KEY_SPANS.size >= 4096) KEY_SPANS.clear();
    // Only PHI-free keys are cached: a key holding PHI must not outlive the call.
    if (spans.length === 0) KEY_SPANS.set(key, NO_SPANS);
    return spans;
  }

  /** Scans a whole text (scanText / redactText). */
  text(text: string): string {
    const spans = this.textSpans(text, false, false);
    this.recordTypes(spanTypes(spans));
    return this.redacting ? applySpans(text, spans) : text;
  }

  /**
   * Walks `value` found under `key` (undefined at the root; array items inherit the key of
   * their array). `shaped`: the type the FHIR shape of the parent object gives the value, as
   * a sensitive key would. Returns the redacted value when redacting.
   */
  value(
    value: unknown,
    key: string | undefined,
    depth: number,
    shaped: PhiType | null = null,
  ): unknown {
    if (++this.nodes > this.maxNodes) throw new ScanAbort(this.pathString(), "too many nodes");
    if (depth > this.maxDepth) throw new ScanAbort(this.pathString(), "too deep");
    if (value === null || value === undefined || typeof value === "boolean") return value;
    const keyType = shaped ?? (key === undefined ? null : sensitiveKeyType(key));
    if (keyType !== null) {
      if (isEmpty(value)) return value;
      this.record(keyType);
      return "[REDACTED]";
    }
    const technical = key !== undefined && this.technicalKey(key);
    switch (typeof value) {
      case "string":
        return key !== undefined && isPatientKey(key)
          ? this.patientValue(value)
          : this.stringValue(value, technical, !technical && key !== undefined && isPhoneKey(key));
      case "number":
      case "bigint":
        return this.numberValue(
          value,
          technical,
          !technical && key !== undefined && isPhoneKey(key),
        );
      case "object":
        break;
      default:
        // Functions and symbols carry nothing JSON would keep.
        return this.redacting ? undefined : value;
    }
    if (value instanceof Date) {
      const iso = Number.isNaN(value.getTime()) ? "" : value.toISOString();
      return this.stringValue(iso, technical);
    }
    if (Array.isArray(value)) return this.arrayValue(value, key, depth);
    const proto = Object.getPrototypeOf(value);
    if ((proto === Object.prototype || proto === null) && !hasToJSON(value)) {
      return this.objectValue(value, key, depth);
    }
    return this.otherValue(value, key, depth, technical);
  }

  private arrayValue(value: readonly unknown[], key: string | undefined, depth: number): unknown {
    if (isTupleList(value)) return this.tupleList(value as Array<[string, unknown]>, key, depth);
    const out: unknown[] | null = this.redacting ? [] : null;
    for (let i = 0; i < value.length; i++) {
      if ((i & 63) === 63) this.checkNow();
      this.path.push(i);
      const item = this.value(value[i], key, depth + 1);
      this.path.pop();
      out?.push(item);
    }
    return out ?? value;
  }

  /**
   * A list of `[name, value]` tuples (header lists, Object.entries(), a Map's entries): a value
   * whose name is a sensitive key is sensitive, as under that key.
   */
  private tupleList(
    value: ReadonlyArray<readonly [string, unknown]>,
    key: string | undefined,
    depth: number,
  ): unknown {
    if (depth + 1 > this.maxDepth) throw new ScanAbort(this.pathString(), "too deep");
    const out: unknown[] | null = this.redacting ? [] : null;
    const numeric = value.every((tuple) => isSortDirection(tuple[1], true));
    for (let i = 0; i < value.length; i++) {
      if ((i & 63) === 63) this.checkNow();
      if (++this.nodes > this.maxNodes) throw new ScanAbort(this.pathString(), "too many nodes");
      const [name, item] = value[i]!;
      this.path.push(i, 0);
      const outName = this.value(name, key, depth + 2);
      this.path.pop();
      this.path.push(1);
      // A sort spec (`[["email", "asc"], ["created_at", "desc"]]`, `[["email", -1]]`) names
      // columns to order by: its direction is no value of that column. 1 and -1 are
      // directions only when every tuple's second item is one (`[["patient_id", 1], ["name",
      // …]]` is a record's fields).
      const named = name.length <= 128 && !isSortDirection(item, numeric)
        ? sensitiveKeyType(name)
        : null;
      const outItem = this.value(item, key, depth + 2, named);
      this.path.pop();
      this.path.pop();
      out?.push([outName, outItem]);
    }
    return out ?? value;
  }

  /**
   * A value that is no plain object or array: read as what it holds (a Map's entries, a URL's
   * text, an error's fields and cause, bytes as UTF-8) or, when it holds what the walk cannot
   * read (a Promise, a stream, an object with `toJSON`), a SCANNER_ERROR at its path and
   * `[REDACTED:SCANNER_ERROR]` in the copy: nothing unread is ever reported clean or written out.
   */
  private otherValue(
    value: object,
    key: string | undefined,
    depth: number,
    technical: boolean,
  ): unknown {
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      const primitive = value.valueOf();
      if (typeof primitive === "string") return this.stringValue(primitive, technical);
      if (typeof primitive === "number") return this.numberValue(primitive, technical);
      return primitive;
    }
    if (value instanceof Map) return this.entriesValue(Array.from(value), key, depth);
    if (value instanceof Set) return this.arrayValue(Array.from(value), key, depth);
    if (value instanceof URL) return this.stringValue(value.href, technical);
    if (
      value instanceof URLSearchParams || value instanceof Headers || value instanceof FormData
    ) return this.entriesValue(Array.from(value), key, depth);
    if (value instanceof Request || value instanceof Response) {
      // The body is a stream the walk cannot read synchronously: a body present fails closed.
      const head = value instanceof Request
        ? { method: value.method, url: value.url, headers: value.headers, body: value.body }
        : { status: value.status, url: value.url, headers: value.headers, body: value.body };
      return this.objectValue(head, key, depth);
    }
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value) || isSharedBuffer(value)) {
      const bytes = ArrayBuffer.isView(value)
        ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
        : new Uint8Array(value as ArrayBuffer);
      if (bytes.byteLength > this.maxChars - this.chars) {
        throw new ScanAbort(this.pathString(), "input too large");
      }
      const text = value instanceof Uint16Array ? UTF16.decode(bytes) : UTF8.decode(bytes);
      // Bytes that are no UTF-8 text (binary data, UTF-16 text in a byte array: `S\0S\0N\0`)
      // hide what they hold from every detector: they fail closed.
      if (text.includes("\u0000") || text.includes("\uFFFD")) {
        this.fail(this.pathString());
        return this.redacting ? UNREADABLE : value;
      }
      return this.stringValue(text, technical);
    }
    if (value instanceof Error) return this.objectValue(errorFields(value), key, depth);
    if (isClassInstance(value)) return this.objectValue(value, key, depth);
    this.fail(this.pathString());
    return this.redacting ? UNREADABLE : value;
  }

  /**
   * `[key, value]` entries (a Map, URLSearchParams, Headers): read as an object when every key
   * is a distinct string, else as an array of `[key, value]` pairs whose keys are scanned as
   * values.
   */
  private entriesValue(entries: Array<[unknown, unknown]>, key: string | undefined, depth: number) {
    const keys = new Set<string>();
    for (const [k] of entries) {
      if (typeof k !== "string" || keys.has(k)) {
        return this.arrayValue(entries, key, depth);
      }
      keys.add(k);
    }
    const object: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(object, k as string, ENTRY(v));
    return this.objectValue(object, key, depth);
  }

  private objectValue(source: object, key: string | undefined, depth: number): unknown {
    const out: Record<string, unknown> | null = this.redacting ? {} : null;
    const entries = Object.entries(source);
    // A FHIR shape is looked for only in an object with one of its keys (string compares).
    let shape = SHAPE_NONE;
    for (let k = 0; k < entries.length; k++) {
      const c = entries[k]![0];
      if (
        c === "family" || c === "given" || c === "text" || c === "display" ||
        (c === "value" && (key === "identifier" || key === "identifiers"))
      ) {
        shape = objectShape(source, key);
        break;
      }
    }
    const pair = entries.length >= 2 && entries.length <= 4 ? pairType(entries) : null;
    // Under a sort key (`{ sort: { email: "asc" } }`, `{ orderBy: [{ last_name: -1 }] }`) a
    // key whose value is a direction names a column to order by, not a value of it.
    // 1 and -1 are directions only under sort, $sort, sortBy or orderBy and when every key
    // there has a direction: under `order` (a clinical or lab order) `{ patient_id: 1 }` is a
    // value.
    const sortSpec = key !== undefined && isSortKey(key);
    const numeric = sortSpec && isNumericSortKey(key) &&
      entries.every(([, child]) => isSortDirection(child, true));
    let i = 0;
    for (const [childKey, child] of entries) {
      if ((++i & 63) === 63) this.checkNow();
      const keySpans = this.keySpans(childKey);
      let segment: string;
      let outKey = childKey;
      if (keySpans.length > 0) {
        // The key itself holds PHI: never echo it, in paths or in output.
        segment = "[REDACTED]";
        this.path.push(segment);
        this.recordTypes(spanTypes(keySpans));
        this.path.pop();
        outKey = `[REDACTED:${keySpans[0]!.type}]`;
        if (out !== null) {
          let n = 2;
          const base = outKey;
          while (Object.hasOwn(out, outKey)) outKey = `${base}#${n++}`;
        }
        this.path.push(segment);
      } else {
        this.path.push(childKey);
      }
      const shaped = (shape === SHAPE_NONE ? null : shapeType(shape, source, childKey)) ??
        (pair !== null && isValueField(childKey) ? pair : null) ??
        ((NAME_CHILDREN.has(childKey) ||
            (typeof child === "string" && NAME_PART_CHILDREN.has(childKey))) &&
            key !== undefined && isPersonKey(key)
          ? "PERSON_NAME"
          : null);
      // The direction is still read by the value rules, as under no key.
      const redacted = sortSpec && shaped === null && isSortDirection(child, numeric)
        ? this.value(child, undefined, depth + 1)
        : this.value(child, childKey, depth + 1, shaped);
      this.path.pop();
      if (out !== null && redacted !== undefined) out[outKey] = redacted;
    }
    return out ?? source;
  }

  private stringValue(value: string, technical: boolean, phoneKey = false): unknown {
    if (technical && technicalShape(value)) {
      this.countChars(value.length);
      return value;
    }
    let spans = this.textSpans(value, technical, true);
    if (phoneKey) spans = gluedPhoneSpans(value, spans);
    if (spans.length === 0) return value;
    this.recordTypes(spanTypes(spans));
    return this.redacting ? applySpans(value, spans) : value;
  }

  /**
   * A text under the key `patient`: read as after the word "patient" (a cue for names and
   * record numbers) as well as on its own, so `{ patient: "Quenby Zarkowski" }` is a name as
   * `{ "patient.name": … }` and "patient Quenby Zarkowski" are.
   */
  private patientValue(value: string): unknown {
    const own = this.textSpans(value, false, true);
    this.countChars(PATIENT_CUE.length);
    const cued = findSpans(PATIENT_CUE + value, {
      technical: false,
      whole: true,
      checkpoint: this.checkpoint,
    });
    const cue = PATIENT_CUE.length;
    const spans = own.slice();
    for (const span of cued) {
      if (span.end <= cue) continue;
      spans.push({
        start: Math.max(span.start, cue) - cue,
        end: span.end - cue,
        type: span.type,
      });
    }
    if (spans.length === 0) return value;
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    this.recordTypes(spanTypes(spans));
    return this.redacting ? applySpans(value, spans) : value;
  }

  /**
   * `phoneKey`: the number sits under a phone key (`mobile`, `whatsapp`, `callback_number`),
   * where a NANP number with its country code glued on (`14155550132`) is a phone.
   */
  private numberValue(value: number | bigint, technical: boolean, phoneKey = false): unknown {
    if (technical) return value;
    // Only numbers whose integer part is long enough to be a phone, SSN, card or NPI are worth
    // a look, read as the digits of that part: a sign or a fraction hides no identifier
    // (`-536221234`, `4155550132.25`).
    let text: string;
    if (typeof value === "number") {
      const whole = Math.trunc(Math.abs(value));
      if (!(whole >= 1_000_000)) return value;
      text = whole.toString();
    } else text = (value < 0n ? -value : value).toString();
    let spans = this.textSpans(text, false, true);
    if (phoneKey) spans = gluedPhoneSpans(text, spans);
    if (spans.length === 0) return value;
    const types = spanTypes(spans);
    this.recordTypes(types);
    return this.redacting ? `[REDACTED:${types[0]}]` : value;
  }
}

/**
 * Last words of a key whose value is a phone, for a NANP number with its country code glued on
 * (`{ mobile: 14155550132 }`); also before `number`/`num`/`no`/`nr` (`callback_number`) and the
 * qualifiers below. The phone keys of keys.ts redact the whole value already.
 */
const PHONE_KEY_WORDS = new Set([
  "phone",
  "phones",
  "tel",
  "telephone",
  "mobile",
  "cell",
  "cellphone",
  "fax",
  "sms",
  "whatsapp",
  "wa",
  "callback",
  "contact",
  "ph",
  "mob",
  "msisdn",
  "pager",
  "landline",
]);
const NUMBER_WORDS = new Set(["number", "numbers", "num", "no", "nos", "nr"]);
/**
 * Words after a phone word that keep the key a phone's: a format, a direction, which one
 * (`contact_mobile_e164`, `sms_to`, `mobile_primary`); a count (`mobile_2`, `cell2`) is skipped
 * too. Anything else after it (`cell_count`, `fax_enabled`, `contact_id`) makes it no phone key.
 */
const PHONE_QUALIFIER_WORDS = new Set([
  "e164",
  "e", // `e164` reads as `e`, `164`
  "intl",
  "to",
  "from",
  "primary",
  "secondary",
  "alt",
  "alternate",
  "main",
  "home",
  "work",
  "personal",
  "business",
  "other",
]);
const PHONE_KEY_CACHE = new Map<string, boolean>();

/** A phone word, also as a plural (`mobiles`, `faxes`). */
function isPhoneWord(word: string): boolean {
  return PHONE_KEY_WORDS.has(word) ||
    (word.endsWith("s") && PHONE_KEY_WORDS.has(word.slice(0, -1))) ||
    (word.endsWith("es") && PHONE_KEY_WORDS.has(word.slice(0, -2)));
}

function isPhoneKey(key: string): boolean {
  const cached = PHONE_KEY_CACHE.get(key);
  if (cached !== undefined) return cached;
  const words = keyWords(key);
  let last = words.length - 1;
  while (last > 0 && (PHONE_QUALIFIER_WORDS.has(words[last]!) || /^\d+$/.test(words[last]!))) {
    last--;
  }
  if (last > 0 && NUMBER_WORDS.has(words[last]!)) last--;
  const phone = last >= 0 && isPhoneWord(words[last]!);
  if (PHONE_KEY_CACHE.size >= 4096) PHONE_KEY_CACHE.clear();
  PHONE_KEY_CACHE.set(key, phone);
  return phone;
}

/**
 * `spans` with a PHONE added for every NANP number with its country code glued on in `text`
 * (a run of digits between characters that are no letters or digits) that no span covers.
 */
function gluedPhoneSpans(text: string, spans: Span[]): Span[] {
  let out = spans;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (!isAsciiDigit(text.charCodeAt(i))) continue;
    let e = i;
    while (e < n && isAsciiDigit(text.charCodeAt(e))) e++;
    const start = i;
    i = e;
    if (e - start !== 11 && e - start !== 13) continue;
    if (start > 0 && isWordChar(text.charCodeAt(start - 1))) continue;
    if (e < n && isWordChar(text.charCodeAt(e))) continue;
    if (!isGluedNanp(text.slice(start, e))) continue;
    if (out.some((s) => s.start < e && s.end > start)) continue;
    if (out === spans) out = spans.slice();
    out.push({ start, end: e, type: "PHONE" });
  }
  if (out !== spans) out.sort((a, b) => a.start - b.start || b.end - a.end);
  return out;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordChar(c: number): boolean {
  return isAsciiDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;
}

/** The word that announces a patient's name or record number before a text under `patient`. */
const PATIENT_CUE = "patient ";

function isPatientKey(key: string): boolean {
  return (key.length === 7 || key.length === 8) &&
    (key === "patient" || key === "patients" || key === "Patient" || key === "Patients" ||
      key === "PATIENT" || key === "PATIENTS");
}

/** Fields that hold a person's name under a key that names a person (`patient.name`). */
const NAME_CHILDREN = new Set(["name", "displayName", "display_name", "preferredName", "nickname"]);

/**
 * The parts of a name under a key that names a person (`subject: { first, last }`, FHIR-like
 * `given`/`family`), string values only: alone, `first` and `last` are pagination arguments
 * and cursors (`members: { first: 10 }`), so they are no sensitive key names anywhere else.
 */
const NAME_PART_CHILDREN = new Set(["first", "last", "given", "family", "middle"]);

/**
 * Keys (compact) under which an object is a person (a patient, a study subject or participant,
 * a plan member, a guarantor): its `name` is a person's name. Not `user`: an app user's display name is the
 * account's, shown by the app itself.
 */
// The roles of keys.ts (`<role> name` is a PERSON_NAME key there) and their plurals.
const PERSON_KEYS = new Set(PERSON_ROLES.flatMap((role) => [role, `${role}s`]));

function isPersonKey(key: string): boolean {
  return key.length <= 32 && PERSON_KEYS.has(compactKey(key));
}

/** Fields that name the key of a name/value pair (`{ key: "mrn", value: "…" }`). */
const PAIR_NAMES = new Set(["key", "name", "field", "property", "attribute", "header", "param"]);

/** Fields that hold a pair's value: `value`, `val`, `values`, FHIR's `valueString`, `valueCode`… */
function isValueField(key: string): boolean {
  if (key === "value" || key === "val" || key === "values") return true;
  if (key.length < 6 || !key.startsWith("value")) return false;
  const c = key.charCodeAt(5);
  return c >= 65 && c <= 90;
}

/**
 * The type a name/value pair gives its value: an object of 2 to 4 fields, one naming the pair
 * (`key`, `name`, `field`, …) with a sensitive key name as its value, and a value field
 * (`{ name: "last_name", value: "…" }`, FHIR `{ name: "mrn", valueString: "…" }`). Null when
 * the object is no such pair.
 */
function pairType(entries: ReadonlyArray<[string, unknown]>): PhiType | null {
  let type: PhiType | null = null;
  let names = 0;
  let values = 0;
  for (const [k, v] of entries) {
    if (PAIR_NAMES.has(k)) {
      names++;
      if (typeof v === "string" && v.length <= 128) type = sensitiveKeyType(v);
    } else if (isValueField(k)) values++;
  }
  return names === 1 && values >= 1 ? type : null;
}

/**
 * A sort direction: `asc`, `desc`, `ascending` or `descending`, any case, spaces around; or,
 * when `numeric`, the numbers 1 and -1 (MongoDB, Mongoose, lodash-style specs).
 */
function isSortDirection(value: unknown, numeric: boolean): boolean {
  if (typeof value === "number") return numeric && (value === 1 || value === -1);
  if (typeof value !== "string" || value.length > 14) return false;
  const v = value.trim().toLowerCase();
  return v === "asc" || v === "desc" || v === "ascending" || v === "descending";
}

/** Keys (compact) that hold a sort spec: `sort`, `$sort`, `sortBy`, `orderBy`, `order_by`, … */
const SORT_KEYS = new Set([
  "sort",
  "sortby",
  "sorting",
  "sortorder",
  "sortspec",
  "order",
  "orderby",
  "ordering",
]);

function isSortKey(key: string): boolean {
  // The first character first: most keys are answered without splitting them into words.
  if (key.length < 4 || key.length > 12) return false;
  const c = key.charCodeAt(0) | 32;
  return (c === 115 || c === 111 || c === 36 || c === 127) && SORT_KEYS.has(compactKey(key));
}

/** Sort keys whose numbers may be directions: `sort`, `$sort`, `sortBy`, `orderBy`. */
function isNumericSortKey(key: string): boolean {
  const k = compactKey(key);
  return k === "sort" || k === "sortby" || k === "orderby";
}

/** An array of `[string, value]` tuples, each of two items with a string first. */
function isTupleList(value: readonly unknown[]): boolean {
  if (value.length === 0) return false;
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== "string") return false;
  }
  return true;
}

/** Empty values stay as they are under a sensitive key; a Map or a URL is never "empty". */
function isEmpty(value: unknown): boolean {
  if (typeof value === "string") return value.trim().length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object" && value !== null) {
    const proto = Object.getPrototypeOf(value);
    return (proto === Object.prototype || proto === null) && !hasToJSON(value) &&
      Object.keys(value).length === 0;
  }
  return false;
}

/** What redact() writes in place of a value it cannot read. */
const UNREADABLE = "[REDACTED:SCANNER_ERROR]";

const UTF8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const UTF16 = new TextDecoder("utf-16le", { fatal: false, ignoreBOM: true });

const ENTRY = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

function isSharedBuffer(value: object): boolean {
  return typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer;
}

/** True when JSON.stringify would write what a `toJSON` method returns instead of the fields. */
function hasToJSON(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/**
 * An error's fields: name, message, stack, its own enumerable fields (a database error's
 * `detail`, `code`), its `cause` and an AggregateError's `errors`.
 */
function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  Object.defineProperty(fields, "name", ENTRY(error.name));
  Object.defineProperty(fields, "message", ENTRY(error.message));
  Object.defineProperty(fields, "stack", ENTRY(error.stack));
  for (const [k, v] of Object.entries(error)) {
    if (!Object.hasOwn(fields, k)) Object.defineProperty(fields, k, ENTRY(v));
  }
  if (Object.hasOwn(error, "cause") && !Object.hasOwn(fields, "cause")) {
    Object.defineProperty(fields, "cause", ENTRY((error as { cause?: unknown }).cause));
  }
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && !Object.hasOwn(fields, "errors")) {
    Object.defineProperty(fields, "errors", ENTRY(errors));
  }
  return fields;
}

const functionSource = Function.prototype.toString;
const objectTag = Object.prototype.toString;

/**
 * A plain class instance: tagged `[object Object]`, no `toJSON`, and no built-in constructor
 * on its prototype chain (a built-in keeps its contents in internal slots the walk cannot see,
 * and the Web API classes carry their own tag). JSON.stringify writes its own enumerable
 * fields, and so does the walk.
 */
function isClassInstance(value: object): boolean {
  if (objectTag.call(value) !== "[object Object]" || hasToJSON(value)) return false;
  let proto = Object.getPrototypeOf(value);
  for (let n = 0; proto !== null && proto !== Object.prototype; n++) {
    if (n >= 32) return false;
    if (Object.hasOwn(proto, "constructor")) {
      const ctor = (proto as { constructor?: unknown }).constructor;
      if (typeof ctor !== "function" || functionSource.call(ctor).endsWith("[native code] }")) {
        return false;
      }
    }
    proto = Object.getPrototypeOf(proto);
  }
  return true;
}
