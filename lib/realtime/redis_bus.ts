/**
 * The event bus across instances, on a Redis Stream.
 *
 * - `publish` appends with `XADD <key> MAXLEN ~ N * …`; the stream entry id is
 *   the event id. Local subscribers are served by this instance's reader, like
 *   every other instance's, so each instance delivers each event exactly once.
 * - A reader on a dedicated connection loops on `XREAD BLOCK` from the last id
 *   it saw and fans out locally, keeping a bounded history for replay.
 * - When Redis is lost, publishing still delivers locally (with a local id)
 *   and keeps the event in a bounded outbox; the reader reconnects with
 *   backoff, the outbox is appended first, and the reader catches up from the
 *   last id it saw. The same when Redis stops answering with its connections
 *   open (a stopped process, a stalled proxy): a publish waits for its append
 *   at most {@link APPEND_TIMEOUT_MS}; while that append is still pending,
 *   later publishes go to the outbox without waiting for Redis (in turn, so within
 *   about that bound). An append that lands late is taken off the outbox (or,
 *   appended twice, dropped as a repeat, below), and the outbox is appended as soon
 *   as it ends. An append still waiting after {@link STALL_RECONNECT_MS} drops the
 *   command connection and opens a new one (writes to it keep its idle bound from
 *   firing), so the outbox reaches the others.
 * - Local ids are not the same on every instance (another's is unknown here, two
 *   may give the same one): a replay resumes only from a stream id the history
 *   keeps, from any other id within it the client resyncs.
 * - Events others appended during this instance's outage arrive with ids
 *   below the local ids it gave its own events meanwhile: the history cannot
 *   keep them in order, so replays across that point resync and every
 *   subscriber is told to resync (`onResync`) instead of losing them.
 * - A reader that was away or slow while more entries were appended than the
 *   stream keeps (`MAXLEN ~`), or whose Redis lost entries while it was away,
 *   finds them gone: after such a batch, and after every reconnect, it checks
 *   the stream's oldest entry, and if entries after its position may be gone,
 *   replays across that point resync and every subscriber is told to resync
 *   (`fell_behind`).
 * - Before any resync, subscribers that hold state re-read it (retried until
 *   that succeeds), so clients refetching on `resync` get what they missed.
 * - Every entry carries its publisher's instance id and a publish id. An
 *   append whose reply was lost may land twice (once, then again from the
 *   outbox): readers deliver the first and drop the repeat, and the publisher
 *   does not serve its own outbox entries to its subscribers a second time.
 * - An instance that starts while Redis is unreachable starts without history and with its
 *   reader reconnecting (publishing goes to the outbox as above). When its reader first reaches
 *   Redis it reads on from the stream's newest entry and every subscriber is told to resync
 *   (`fell_behind`: what others appended meanwhile was not read), then the outbox is appended.
 * - Internal messages (instance to instance, e.g. credentials that ended) are
 *   entries of the same stream with a kind (`k`) instead of an event type. Only
 *   the internal channel's subscribers of the other instances receive them:
 *   they never enter the history, replays or `lastId`, and never reach event
 *   subscribers (so never an event stream). Those subscribers are told of every
 *   point where this instance may have missed some: its reader lost Redis or
 *   came back, delivered out of order, or found the stream trimmed past
 *   entries it had not read (see above); or another
 *   instance dropped internal messages from its full outbox.
 * - Every entry also carries its deployment's tag (`g`, a short hash of the database's deployment
 *   id, lib/realtime/deployment.ts). Two deployments on one Redis with the same stream key
 *   (staging and production) would otherwise show each other's events: an entry with another
 *   deployment's tag is not delivered, replayed or kept in the history (nor, as an internal
 *   message, handed to the internal channel); it is counted (`bus_events_foreign_total`) and a
 *   warning, at most one per {@link FOREIGN_WARN_INTERVAL_MS}, says the key is shared. An entry
 *   without a tag (an older version during a rolling upgrade, a bus without a deployment id) is
 *   accepted as before. Before such entries are judged, the bus re-reads its database's id (at
 *   most once per {@link DEPLOYMENT_RECHECK_INTERVAL_MS}): an instance left running while
 *   restore-prepare renewed it logs that it must be restarted and takes the new id.
 */
import type { RedisClient, RedisHandle } from "../redis/client.ts";
import { closeClient, reconnectDelay, STALL_RECONNECT_MS } from "../redis/client.ts";
import { settlesWithin, withTimeout } from "../timeout.ts";
import { deploymentTag } from "./deployment.ts";
import { EventHistory } from "./history.ts";
import { createIdGenerator } from "./ids.ts";
import {
  type BusDeps,
  checkInternalMessage,
  checkNewEvent,
  copyInternal,
  InternalSubscribers,
  stamp,
  Subscribers,
} from "./local.ts";
import { payloadRefusal } from "./payload_guard.ts";
import {
  type AppEvent,
  compareEventIds,
  EVENT_TYPES,
  type EventBus,
  type EventPayload,
  type EventType,
  INTERNAL_KINDS,
  type InternalKind,
  type InternalMessage,
  MIN_EVENT_HISTORY_SIZE,
  type NewEvent,
  type ResyncReason,
  type Topic,
  TOPICS,
} from "./types.ts";

export const DEFAULT_STREAM_KEY = "researchflow:events";

/** Entries one `XREAD` returns at most. */
const READ_COUNT = 1000;
/** How long the subscribers' state re-reads before a resync may take before they are retried. */
const RELOAD_WAIT_MS = 3000;
/** How much longer than a blocking read the reader may go without an answer and still listen. */
const LISTEN_GRACE_MS = 5000;
/** The kind of the entry an instance appends after dropping internal messages from its outbox. */
const DROPPED_MARKER = "_dropped";
/** How often, at most, the warning about another deployment's entries in the stream is logged. */
export const FOREIGN_WARN_INTERVAL_MS = 10 * 60_000;
/** How often, at most, another deployment's entries make the bus re-read its deployment id. */
export const DEPLOYMENT_RECHECK_INTERVAL_MS = 10_000;
/** How long that re-read may take before the entries are judged by the id the bus has. */
const DEPLOYMENT_RECHECK_TIMEOUT_MS = 3000;
/**
 * How long a publish waits for Redis to take its append (with the outbox before it) before it
 * delivers the event here and keeps it in the outbox, as when Redis is lost: the readiness
 * check's bound. A Redis that stops answering with its connections open (a stopped process, a
 * stalled proxy, a blackholed network) fails no command; only the connection's idle bound
 * (lib/redis/client.ts, 30 s) would end the wait.
 */
export const APPEND_TIMEOUT_MS = 2000;

export interface RedisBusOptions extends BusDeps {
  redis: RedisHandle;
  /** The stream key (tests use a unique one). */
  streamKey?: string;
  /** Approximate length the stream is trimmed to (default: the history size). */
  maxLen?: number;
  /** How long one `XREAD BLOCK` waits, in ms. */
  blockMs?: number;
  /** Events kept while Redis is unreachable, to append once it returns. */
  outboxSize?: number;
  /** Identifies this instance on the entries it appends. */
  instanceId?: string;
  /** How long a publish waits for its append (default {@link APPEND_TIMEOUT_MS}). */
  appendTimeoutMs?: number;
  /**
   * How long an append may wait for its answer before the command connection is dropped and
   * opened again (default {@link STALL_RECONNECT_MS}, lib/redis/client.ts).
   */
  stallReconnectMs?: number;
  /**
   * This deployment's id (the database's, lib/realtime/deployment.ts): its tag goes on every entry
   * appended, and entries with another deployment's tag are ignored. Without it nothing is tagged
   * and every entry is accepted.
   */
  deploymentId?: string;
  /**
   * Reads the database's deployment id again (lib/realtime/deployment.ts, readDeploymentId). When
   * entries with another tag arrive, the bus asks (at most once per
   * {@link DEPLOYMENT_RECHECK_INTERVAL_MS}) whether its own id has changed since the start
   * (restore-prepare renews it): if so, this instance is stale, says it must be restarted, and
   * takes the new id. Without it the id of the start is kept.
   */
  rereadDeploymentId?: () => Promise<string | undefined>;
}

export type ReaderState = "ok" | "reconnecting" | "stopped";

export interface RedisBus extends EventBus {
  readerState(): ReaderState;
  subscriberCount(): number;
  /** Events published during an outage and not yet appended to the stream. */
  outboxLength(): number;
  /** Entries of another deployment seen in the stream since the start (the key is shared). */
  foreignEntries(): number;
}

type RawEntry = [string, string[]];

function fieldsOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

/** A field of a reply that is a flat list of names and values (RESP2) or a map (RESP3). */
function fieldOf(reply: unknown): (name: string) => unknown {
  if (Array.isArray(reply)) {
    return (name) => {
      for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return reply[i + 1];
      return undefined;
    };
  }
  if (reply instanceof Map) return (name) => reply.get(name);
  return (name) => (reply as Record<string, unknown> | null)?.[name];
}

/** The entry lists of an XREAD reply (RESP2 array of [key, entries], or RESP3 map). */
function streamsOf(reply: unknown): RawEntry[][] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) return reply.map((stream) => (stream as [string, RawEntry[]])[1]);
  if (reply instanceof Map) return [...reply.values()] as RawEntry[][];
  return Object.values(reply as Record<string, RawEntry[]>);
}

/** Parses a stream entry back into an event; undefined when it is not one of ours or is unsafe. */
export function entryToEvent(id: string, fields: Record<string, string>): AppEvent | undefined {
  const { t: type, p: topic, ts, d } = fields;
  if (!type || !(EVENT_TYPES as readonly string[]).includes(type)) return undefined;
  if (!topic || !(TOPICS as readonly string[]).includes(topic)) return undefined;
  const payload = safePayload(d);
  if (payload === undefined) return undefined;
  return {
    id,
    type: type as EventType,
    ts: ts ?? new Date(Number(id.split("-")[0])).toISOString(),
    topic: topic as Topic,
    payload,
  };
}

/** An entry's JSON payload when it parses and passes the payload guard; undefined otherwise. */
function safePayload(data: string | undefined): EventPayload | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(data ?? "");
  } catch {
    return undefined;
  }
  return payloadRefusal(payload) === undefined ? payload as EventPayload : undefined;
}

/**
 * Parses a stream entry back into an internal message; undefined when it is not one (an event, a
 * marker, an unknown kind) or its payload is unsafe.
 */
export function entryToInternal(fields: Record<string, string>): InternalMessage | undefined {
  const { k: kind, d } = fields;
  if (!kind || !(INTERNAL_KINDS as readonly string[]).includes(kind)) return undefined;
  const payload = safePayload(d);
  return payload === undefined ? undefined : { kind: kind as InternalKind, payload };
}

function eventFields(event: AppEvent): string[] {
  return ["t", event.type, "p", event.topic, "ts", event.ts, "d", JSON.stringify(event.payload)];
}

/** How long the start waits for the stream's recent history before starting empty. */
const HISTORY_READ_TIMEOUT_MS = 5_000;

/**
 * Creates the Redis bus, loads the recent stream into the history (when Redis answers at the start)
 * and starts the reader.
 */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const { redis, clock, logger, metrics } = options;
  const key = options.streamKey ?? DEFAULT_STREAM_KEY;
  const maxLen = options.maxLen ?? options.historySize;
  const blockMs = options.blockMs ?? 5000;
  const outboxSize = options.outboxSize ?? 10_000;
  const instanceId = options.instanceId ?? crypto.randomUUID();
  const appendTimeoutMs = options.appendTimeoutMs ?? APPEND_TIMEOUT_MS;
  const stallReconnectMs = options.stallReconnectMs ?? STALL_RECONNECT_MS;
  /** This deployment's tag; changes only when the database's id turns out renewed (`recheck`). */
  let ownTag = options.deploymentId === undefined ? undefined : deploymentTag(options.deploymentId);
  let foreignCount = 0;
  let foreignWarnedAt: number | undefined;
  let recheckedAt: number | undefined;
  /**
   * Before a batch with entries of another tag is handled: whether this deployment's id changed
   * since the start (restore-prepare renews it while an instance may still run). If so this
   * instance is stale: it says it must be restarted and takes the new tag, so it and the
   * instances started since hear each other again. At most once per interval, so another
   * deployment's flood reads the database that often at most; a failed or slow read keeps the tag.
   */
  async function recheck(entries: RawEntry[]): Promise<void> {
    const reread = options.rereadDeploymentId;
    if (reread === undefined || ownTag === undefined) return;
    if (!entries.some(([, list]) => isForeign(fieldsOf(list)))) return;
    const now = clock.now();
    if (recheckedAt !== undefined && now - recheckedAt < DEPLOYMENT_RECHECK_INTERVAL_MS) return;
    recheckedAt = now;
    let id: string | undefined;
    try {
      id = await withTimeout(
        reread(),
        DEPLOYMENT_RECHECK_TIMEOUT_MS,
        () => new Error("deployment id re-read timed out"),
      );
    } catch {
      return;
    }
    if (id === undefined || stopped) return;
    const tag = deploymentTag(id);
    if (tag === ownTag) return;
    logger?.error("deployment id changed while running (restore-prepare?); restart this instance", {
      stream: "redis",
      deployment: ownTag.slice(0, 8),
      newDeployment: tag.slice(0, 8),
    });
    ownTag = tag;
  }
  /** Whether an entry was appended by another deployment (tagged, and not with this one's tag). */
  function isForeign(fields: Record<string, string>): boolean {
    return ownTag !== undefined && fields.g !== undefined && fields.g !== ownTag;
  }
  /**
   * Counts an entry of another deployment read from the stream, and reports the shared key at
   * most once per interval. The tags are hashes; only a prefix of them is logged.
   */
  function noteForeign(tag: string): void {
    foreignCount++;
    metrics?.busForeign.inc();
    const now = clock.now();
    if (foreignWarnedAt !== undefined && now - foreignWarnedAt < FOREIGN_WARN_INTERVAL_MS) return;
    foreignWarnedAt = now;
    logger?.warn(
      "event stream key is shared with another deployment; its events are ignored here. " +
        "Set EVENT_STREAM_KEY per deployment",
      {
        stream: "redis",
        streamKey: key,
        deployment: ownTag!.slice(0, 8),
        otherDeployment: tag.slice(0, 8),
      },
    );
  }
  const subscribers = new Subscribers(logger, options.onHandlerError);
  const internalSubscribers = new InternalSubscribers(logger, options.onHandlerError);
  const localIds = createIdGenerator(clock);
  /** Entries to append once Redis answers again (`internal`: a message of the internal channel). */
  const outbox: Array<{ fields: string[]; publishId: string; internal: boolean }> = [];
  /** Set when an internal message was dropped from the full outbox: the others must hear of it. */
  let droppedInternal = false;
  /** Publish ids of events delivered here during an outage, not yet read back from the stream. */
  const pendingLocal = new Set<string>();
  let publishSeq = 0;
  // Entries seen, by `<instance>/<publish id>` (oldest first, bounded): a repeat of one is an
  // append retried from the outbox after its first reply was lost. A repeat comes at the latest
  // when the outbox drains, so remembering as many entries as the outbox and the history hold
  // covers it unless far more than that were appended meanwhile.
  const seen = new Map<string, string>();
  const seenLimit = outboxSize + options.historySize;
  // (`l`: the field older versions put on outbox entries only.)
  const publishIdOf = (fields: Record<string, string>) => fields.u ?? fields.l;
  function tokenOf(fields: Record<string, string>): string | undefined {
    const publishId = publishIdOf(fields);
    return fields.o && publishId ? `${fields.o}/${publishId}` : undefined;
  }
  function remember(token: string, id: string): void {
    seen.set(token, id);
    if (seen.size > seenLimit) seen.delete(seen.keys().next().value!);
  }
  // Started without Redis (the instance starts during an outage): nothing to load, no position
  // in the stream yet; the reader takes one when it first reaches Redis (see `takePosition`).
  const startedWithoutRedis = !redis.isReady();
  let positioned = !startedWithoutRedis;
  /**
   * Where the reader took up the stream after a start without Redis (when it held entries): the
   * entries up to it were never read here, so no replay across it is complete.
   */
  let skippedThrough: string | undefined;
  let state: ReaderState = startedWithoutRedis ? "reconnecting" : "ok";
  /** When the reader last had an answer from Redis (an `XREAD` returns at least every `blockMs`). */
  let lastAnswerAt = clock.now();
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();
  let wake: (() => void) | undefined;

  // Recent history: the newest entries of the stream, so replay works for clients arriving from
  // another instance right after this one starts.
  let history: EventHistory;
  let lastSeen: string;
  if (startedWithoutRedis) {
    // The start's warning already says Redis is unreachable; a read would only fail fast.
    history = new EventHistory(options.historySize, `${Math.floor(clock.now())}-0`);
    lastSeen = `${Math.floor(clock.now())}-0`;
  } else {
    try {
      // Bounded: a Redis that accepted the connection but stopped answering must not hang the
      // start (the bus then starts empty, as when the read fails).
      const raw = await withTimeout(
        redis.client.sendCommand<RawEntry[]>([
          "XREVRANGE",
          key,
          "+",
          "-",
          "COUNT",
          String(options.historySize),
        ]),
        HISTORY_READ_TIMEOUT_MS,
        () => new Error("history read timed out"),
      );
      const entries = [...raw].reverse();
      const oldest = entries[0]?.[0];
      history = new EventHistory(options.historySize, oldest ?? `${Math.floor(clock.now())}-0`);
      for (const [id, list] of entries) {
        const fields = fieldsOf(list);
        if (isForeign(fields)) {
          noteForeign(fields.g!);
          localIds.observe(id);
          continue;
        }
        const token = tokenOf(fields);
        if (token !== undefined) {
          if (seen.has(token)) continue;
          remember(token, id);
        }
        const event = entryToEvent(id, fields);
        if (event) history.push(event);
        localIds.observe(id);
      }
      lastSeen = entries.at(-1)?.[0] ?? "0-0";
    } catch {
      history = new EventHistory(options.historySize, `${Math.floor(clock.now())}-0`);
      lastSeen = `${Math.floor(clock.now())}-0`;
      logger?.warn("event stream history could not be loaded; starting empty", { stream: "redis" });
    }
  }

  const reader: RedisClient = await redis.duplicate();

  /** Publish ids whose append has been sent and has not settled yet. */
  const inFlight = new Set<string>();

  async function xadd(fields: string[], publishId: string): Promise<string> {
    const args = ["XADD", key, "MAXLEN", "~", String(maxLen), "*", ...fields];
    args.push("o", instanceId, "u", publishId);
    if (ownTag !== undefined) args.push("g", ownTag);
    inFlight.add(publishId);
    try {
      return String(await redis.client.sendCommand(args));
    } catch (error) {
      // Dropped from a full outbox while in flight, and now known not to have landed (as far as
      // this instance can tell): no read-back will take its mark off.
      if (!outbox.some((entry) => entry.publishId === publishId)) pendingLocal.delete(publishId);
      throw error;
    } finally {
      inFlight.delete(publishId);
    }
  }

  /** The outbox being appended, if it is (one at a time: two would append each entry twice). */
  let flushing: Promise<void> | undefined;

  /** Appends the outbox, oldest first, until it is empty (also what is queued meanwhile). */
  function flushOutbox(): Promise<void> {
    if (flushing !== undefined) return flushing;
    const run = (async () => {
      if (droppedInternal) {
        const ts = new Date(clock.now()).toISOString();
        await xadd(["k", DROPPED_MARKER, "ts", ts], String(++publishSeq));
        droppedInternal = false;
      }
      while (outbox.length > 0) {
        const entry = outbox[0]!;
        await xadd(entry.fields, entry.publishId);
        // By identity: meanwhile a full outbox may have dropped it, or its own late append may
        // have taken it off.
        unqueue(entry.publishId);
        if (stall !== undefined) stall.appended++;
      }
      noteResumed();
    })();
    flushing = run;
    const done = () => {
      if (flushing === run) flushing = undefined;
    };
    run.then(done, done);
    return run;
  }

  /** Takes an entry off the outbox (once appended). */
  function unqueue(publishId: string): void {
    const at = outbox.findIndex((entry) => entry.publishId === publishId);
    if (at >= 0) outbox.splice(at, 1);
  }

  /**
   * Appends still waiting for Redis past {@link APPEND_TIMEOUT_MS}: until they settle, the command
   * connection is known to be stalled, and publishes go to the outbox without waiting (an append
   * sent now would only queue behind them).
   */
  let stalledAppends = 0;
  /**
   * Since an append was first found stalled, until appends go through again and the outbox is
   * empty: when, and how many outbox entries were appended meanwhile (for the line at its end).
   */
  let stall: { since: number; appended: number } | undefined;
  /** Stalled appends' timers that reconnect the command connection ({@link stallReconnectMs}). */
  const stallTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Set while a flush waits for the command connection to be ready again. */
  let flushOnReady: (() => void) | undefined;

  /** Logs the end of a stall once appends go through again and the outbox is empty. */
  function noteResumed(): void {
    if (stall === undefined || stalledAppends > 0 || outbox.length > 0) return;
    logger?.info("event stream appends resumed; outbox appended", {
      stream: "redis",
      entries: stall.appended,
      stalledMs: Math.round(clock.now() - stall.since),
    });
    stall = undefined;
  }

  /**
   * Once no append is stalled: appends what was kept meanwhile now (not at the reader's next turn,
   * which may itself wait for Redis), as soon as the command connection is ready.
   */
  function flushAfterStall(): void {
    if (stopped || stalledAppends > 0) return;
    if (outbox.length === 0) {
      noteResumed();
      return;
    }
    if (!redis.isReady()) {
      if (flushOnReady !== undefined) return;
      flushOnReady = () => {
        flushOnReady = undefined;
        flushAfterStall();
      };
      redis.client.once("ready", flushOnReady);
      return;
    }
    // Decided again in its turn: an append queued before it may have stalled meanwhile.
    chain = chain.then(() =>
      stalledAppends === 0 && outbox.length > 0 ? bounded(flushOutbox()) : undefined
    ).catch(() => {});
  }

  /** Whether an append now would fail or wait: Redis is lost, or an append is stalled. */
  function appendsBlocked(): boolean {
    return stalledAppends > 0 || !redis.isReady();
  }

  /** An append that did not settle within the bound; it goes on in the background. */
  class AppendStalledError extends Error {
    override name = "AppendStalledError";
  }

  /**
   * Waits for `work` (appends on the command connection) at most {@link APPEND_TIMEOUT_MS}. Past
   * that it rejects with {@link AppendStalledError}; `work` goes on, and appends count as stalled
   * until it settles.
   */
  async function bounded<T>(work: Promise<T>): Promise<T> {
    const started = clock.now();
    if (await settlesWithin(work, appendTimeoutMs)) return await work;
    if (stalledAppends++ === 0 && stall === undefined) {
      stall = { since: started, appended: 0 };
      // Not a warning: a live server's stall (a slow command, a fork) is waited out by the
      // connection; this only stops publishes waiting for it. A lost server is reported by the
      // readiness check and the connection's own warning, and a stall past the bound below by
      // the reconnect's warning.
      logger?.info("event stream append waiting for redis; publishing here and to the outbox", {
        stream: "redis",
        timeoutMs: appendTimeoutMs,
      });
    }
    // Past the stall bound the connection is dropped and opened again: writes to it (the
    // readiness probe's PINGs) keep its idle bound from ever ending the wait, and until it ends
    // this instance's events reach no other instance.
    const timer = setTimeout(() => {
      stallTimers.delete(timer);
      if (!stopped) redis.reconnect(clock.now() - started, "event append");
    }, Math.max(0, stallReconnectMs - (clock.now() - started)));
    stallTimers.add(timer);
    const settled = () => {
      clearTimeout(timer);
      stallTimers.delete(timer);
      stalledAppends--;
      // Redis answers again (or the stalled connection was dropped): what was kept meanwhile goes.
      flushAfterStall();
    };
    work.then(settled, settled);
    throw new AppendStalledError();
  }

  /**
   * Appends one entry after the outbox. When the caller stops waiting (`abandon`, then it keeps
   * the entry in the outbox), the entry is not appended directly if the outbox append is still
   * under way (that takes it), and if its own append lands late it is taken off the outbox (were
   * it appended again, readers would drop the repeat).
   */
  function appendAfterOutbox(
    fields: string[],
    publishId: string,
  ): { work: Promise<string | undefined>; abandon(): void } {
    let abandoned = false;
    const work = (async () => {
      await flushOutbox();
      if (abandoned) return undefined;
      const id = await xadd(fields, publishId);
      // Before anything waiting on `work` runs (a flush among them).
      if (abandoned) unqueue(publishId);
      return id;
    })();
    return {
      work,
      abandon() {
        abandoned = true;
      },
    };
  }

  /** Keeps an entry for the next flush, dropping the oldest when the outbox is full. */
  function queue(fields: string[], publishId: string, internal: boolean): void {
    if (outbox.length >= outboxSize) {
      const dropped = outbox.shift();
      if (dropped) {
        // Not while its append is under way: if it lands, the reader must still know it was
        // delivered here (else it delivers it again); if it fails, the append takes the mark off.
        if (!inFlight.has(dropped.publishId)) pendingLocal.delete(dropped.publishId);
        if (dropped.internal) droppedInternal = true;
      }
      metrics?.busRefused.inc({ reason: "outbox_full" });
    }
    outbox.push({ fields, publishId, internal });
  }

  /** Set when the reader delivered an event older than one already delivered here. */
  let outOfOrder = false;

  function deliverLocally(event: AppEvent, local = false): void {
    // Refused only when older than the newest kept: the catch-up after this instance's outage
    // delivers what others appended meanwhile, below the local ids its own events got.
    if (!history.push(event, local)) outOfOrder = true;
    localIds.observe(event.id);
    metrics?.busEvents.inc({ topic: event.topic });
    subscribers.deliver(event);
  }

  /** After a batch that arrived out of order: replays across it resync, and so do open streams. */
  function settleOutOfOrder(): void {
    if (!outOfOrder) return;
    outOfOrder = false;
    history.markGap();
    logger?.info("events arrived out of order after an outage; streams resync", {
      stream: "redis",
    });
    metrics?.busResyncs.inc({ reason: "out_of_order" });
    resyncAfterReload("out_of_order");
    internalSubscribers.gap("out_of_order");
  }

  /** Resyncs waiting for the subscribers' state re-reads (one run at a time serves them all). */
  const resyncsDue = new Set<ResyncReason>();
  let resyncRunning = false;
  /** Pending waits between re-read attempts, ended by `close()`. */
  const retryWaits = new Set<() => void>();

  /**
   * Subscribers that hold state (the flag snapshot, the mode) re-read it first, retried with
   * backoff until every re-read succeeds; only then is every subscriber told to resync. Told
   * earlier, a client refetching at once could get state without what it missed, and would then
   * never hear of it again. Runs beside the reader, which goes on delivering meanwhile.
   */
  function resyncAfterReload(reason: ResyncReason): void {
    resyncsDue.add(reason);
    if (resyncRunning) return;
    resyncRunning = true;
    void (async () => {
      try {
        while (resyncsDue.size > 0 && !stopped) {
          const reasons = [...resyncsDue];
          resyncsDue.clear();
          let attempt = 0;
          while (!stopped && !await subscribers.reloadState(reasons[0]!, RELOAD_WAIT_MS)) {
            if (attempt === 0) {
              logger?.warn("state re-read before a resync failed; retrying", { stream: "redis" });
            }
            await retryWait(reconnectDelay(attempt++));
          }
          if (!stopped) { for (const due of reasons) subscribers.resync(due); }
        }
      } finally {
        resyncRunning = false;
      }
    })();
  }

  function retryWait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        retryWaits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      retryWaits.add(done);
    });
  }

  /**
   * Whether entries after `readFrom` may have gone before this reader read them (trimmed away,
   * or lost with the whole stream). Trimming removes the oldest entries, so none after
   * `readFrom` went while the oldest entry left is at or below it. Above it, they may have:
   * that counts, as does an empty stream (a stream with entries is never trimmed empty: it was
   * lost) and a failed check (fail closed). From "0-0" (the stream was empty when this instance
   * started and it has read nothing since) the only loss is trimming, which the stream counts.
   */
  async function trimmedPast(readFrom: string): Promise<boolean> {
    try {
      if (readFrom === "0-0") return await everTrimmed();
      const oldest = await reader.sendCommand<RawEntry[]>(["XRANGE", key, "-", "+", "COUNT", "1"]);
      const id = oldest[0]?.[0];
      return id === undefined || compareEventIds(id, readFrom) > 0;
    } catch {
      return true;
    }
  }

  /** Whether the stream has ever been trimmed: it has added more entries than it holds. */
  async function everTrimmed(): Promise<boolean> {
    const info = await reader.sendCommand<unknown>(["XINFO", "STREAM", key]).catch((error) => {
      if (error instanceof Error && /no such key/i.test(error.message)) return null;
      throw error;
    });
    if (info === null) return false; // still no stream: nothing was added, nothing lost
    const field = fieldOf(info);
    const added = Number(field("entries-added"));
    const length = Number(field("length"));
    if (!Number.isFinite(added) || !Number.isFinite(length)) return true;
    return added > length;
  }

  /**
   * Events were lost to trimming: nothing can bring them back, so replays across this point
   * resync, every subscriber reloads the state (streams get `resync`), and the internal channel
   * hears of a gap.
   */
  function settleFellBehind(): void {
    history.markGap();
    logger?.warn("event stream reader fell behind the stream's trimming; streams resync", {
      stream: "redis",
      maxLen,
    });
    metrics?.busResyncs.inc({ reason: "fell_behind" });
    resyncAfterReload("fell_behind");
    internalSubscribers.gap("fell_behind");
  }

  /**
   * The first contact after a start without Redis: read on from the stream's newest entry (what
   * others appended before is not replayed as news), and resync, since this instance may have
   * missed what others appended since it started. Not from the start's own clock: Redis's ids
   * come from Redis's clock, and entries between the two would be skipped without a resync. Runs
   * before the outbox is appended, so this instance's own entries are read back (and dropped as
   * delivered) like after an outage.
   */
  async function takePosition(): Promise<void> {
    const newest = await reader.sendCommand<RawEntry[]>(["XREVRANGE", key, "+", "-", "COUNT", "1"]);
    const id = newest[0]?.[0];
    lastSeen = id ?? "0-0";
    if (id !== undefined) localIds.observe(id);
    skippedThrough = id;
    positioned = true;
    history.markGap();
    logger?.info("event stream reader reached redis after a start without it; streams resync", {
      stream: "redis",
    });
    metrics?.busResyncs.inc({ reason: "fell_behind" });
    resyncAfterReload("fell_behind");
  }

  /** An internal entry: for the internal channel's subscribers if another instance sent it. */
  function handleInternal(id: string, fields: Record<string, string>): void {
    localIds.observe(id);
    if (fields.o === instanceId) return; // its publisher acted locally
    if (fields.k === DROPPED_MARKER) {
      internalSubscribers.gap("peer_dropped");
      return;
    }
    const message = entryToInternal(fields);
    if (!message) {
      metrics?.busRefused.inc({ reason: "bad_entry" });
      return;
    }
    internalSubscribers.deliver(message);
  }

  function handleEntry(id: string, list: string[]): void {
    lastSeen = id;
    const fields = fieldsOf(list);
    if (isForeign(fields)) {
      noteForeign(fields.g!);
      localIds.observe(id);
      return; // another deployment's: neither delivered nor kept (nor remembered as seen)
    }
    const token = tokenOf(fields);
    if (token !== undefined) {
      if (seen.has(token)) {
        metrics?.busRefused.inc({ reason: "duplicate" });
        return; // appended twice: its first reply was lost and the outbox appended it again
      }
      remember(token, id);
      if (fields.o === instanceId && pendingLocal.delete(publishIdOf(fields)!)) {
        localIds.observe(id);
        return; // delivered here during the outage, under its local id
      }
    }
    if (fields.k !== undefined) {
      handleInternal(id, fields);
      return;
    }
    const event = entryToEvent(id, fields);
    if (!event) {
      metrics?.busRefused.inc({ reason: "bad_entry" });
      return;
    }
    deliverLocally(event);
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  }

  async function readLoop(): Promise<void> {
    let attempt = 0;
    while (!stopped) {
      try {
        if (!positioned) await takePosition();
        if (outbox.length > 0 && stalledAppends === 0) {
          // Decided again in its turn: an append queued before it may have stalled meanwhile.
          const flushed = chain.then(() =>
            stalledAppends === 0 && outbox.length > 0 ? bounded(flushOutbox()) : undefined
          );
          chain = flushed.catch(() => {});
          // A stalled append is no lost reader: it goes on, and the reader listens meanwhile.
          await flushed.catch((error) => {
            if (!(error instanceof AppendStalledError)) throw error;
          });
        }
        const readFrom = lastSeen;
        const reply = await reader.sendCommand<unknown>([
          "XREAD",
          "COUNT",
          String(READ_COUNT),
          "BLOCK",
          String(blockMs),
          "STREAMS",
          key,
          lastSeen,
        ]);
        const restored = state !== "ok";
        if (restored) logger?.info("event stream reader caught up", { stream: "redis" });
        state = "ok";
        lastAnswerAt = clock.now();
        attempt = 0;
        let read = 0;
        try {
          for (const entries of streamsOf(reply)) {
            read += entries.length;
            await recheck(entries);
            for (const [id, list] of entries) handleEntry(id, list);
          }
        } finally {
          settleOutOfOrder();
          if (restored) internalSubscribers.gap("redis_restored");
          // Entries after `readFrom` can only have gone unread if Redis lost them while this
          // reader was away (a restart or failover), or if a writer trimmed the stream to fewer
          // than followed them; every instance keeps at least MIN_EVENT_HISTORY_SIZE (`MAXLEN ~`
          // keeps at least what it is given), whatever its own EVENT_HISTORY_SIZE. Only then is
          // the stream looked at.
          const mayHaveLost = restored || read >= Math.min(maxLen, MIN_EVENT_HISTORY_SIZE);
          if (mayHaveLost && !stopped && await trimmedPast(readFrom) && !stopped) {
            settleFellBehind();
          }
        }
      } catch (error) {
        if (stopped) break;
        if (state === "ok") {
          logger?.warn("event stream reader lost redis; reconnecting", {
            errorType: error instanceof Error ? error.name : typeof error,
          });
          state = "reconnecting";
          internalSubscribers.gap("redis_lost");
        }
        await pause(reconnectDelay(attempt++));
      }
    }
    state = "stopped";
  }

  const loop = readLoop();

  function publishLocally(event: NewEvent, publishId: string): AppEvent {
    const ts = new Date(clock.now()).toISOString();
    // The append failed by its reply only, and the reader has already delivered the entry.
    const landed = seen.get(`${instanceId}/${publishId}`);
    if (landed !== undefined) return stamp(event, landed, ts);
    const stamped = stamp(event, localIds.next(), ts);
    queue(eventFields(stamped), publishId, false);
    pendingLocal.add(publishId);
    deliverLocally(stamped, true);
    return stamped;
  }

  return {
    publish(event) {
      try {
        if (stopped) throw new Error("The event bus is closed");
        checkNewEvent(event, options);
      } catch (error) {
        return Promise.reject(error);
      }
      // Serialized, so the outbox is appended before anything newer. Each waits for Redis at most
      // the append bound, and not at all once an append is known to fail or wait: publishes
      // queued behind a stalled one are not held for the bound in turn.
      const result = chain.then(async () => {
        const stamped = stamp(event, "0-0", new Date(clock.now()).toISOString());
        const publishId = String(++publishSeq);
        if (appendsBlocked()) return publishLocally(event, publishId);
        const append = appendAfterOutbox(eventFields(stamped), publishId);
        try {
          const id = await bounded(append.work);
          return { ...stamped, id: id! };
        } catch {
          append.abandon();
          return publishLocally(event, publishId);
        }
      });
      chain = result.catch(() => {});
      return result;
    },
    subscribe: (topic, handler, options) => subscribers.add(topic, handler, options),
    async replay(afterId, topic) {
      // Not even for an id this instance does not know (the branch below): it may lie among the
      // entries skipped after a start without Redis, which never come live here.
      if (skippedThrough !== undefined && compareEventIds(afterId, skippedThrough) <= 0) {
        return { events: [], complete: false };
      }
      const local = history.after(afterId, topic);
      // Only from an id of the stream this history keeps. A local id (given out during an outage
      // or a stall) is not the same everywhere: another instance's is unknown here, and events
      // this instance gave lower local ids meanwhile would be skipped; and two instances may
      // have given the same one to different events.
      if (local.complete) return history.holds(afterId) ? local : { events: [], complete: false };
      const newest = history.newestId();
      // The client is ahead of this instance's reader: if Redis knows the id, the rest comes live.
      if (newest === undefined || compareEventIds(afterId, newest) > 0) {
        try {
          const found = await redis.client.sendCommand<RawEntry[]>([
            "XRANGE",
            key,
            afterId,
            afterId,
          ]);
          // Not another deployment's entry: this one's events after it were never read here.
          const [entry] = found;
          if (entry && !isForeign(fieldsOf(entry[1]))) return { events: [], complete: true };
        } catch {
          // Redis unavailable: the client resyncs.
        }
      }
      return local;
    },
    lastId: () => history.newestId(),
    internal: {
      publish(message) {
        try {
          if (stopped) throw new Error("The event bus is closed");
          checkInternalMessage(message, options);
        } catch (error) {
          return Promise.reject(error);
        }
        const copy = copyInternal(message);
        // Serialized with events, so the outbox keeps one order.
        const result = chain.then(async () => {
          const fields = ["k", copy.kind, "ts", new Date(clock.now()).toISOString()];
          fields.push("d", JSON.stringify(copy.payload));
          const publishId = String(++publishSeq);
          const append = appendsBlocked() ? undefined : appendAfterOutbox(fields, publishId);
          try {
            if (append === undefined) throw new Error("redis lost or stalled");
            await bounded(append.work);
          } catch {
            append?.abandon();
            // Not when the reader has already seen it land (only its reply was lost); otherwise it
            // may land twice, and readers drop the repeat like an event's.
            if (!seen.has(`${instanceId}/${publishId}`)) queue(fields, publishId, true);
          }
        });
        chain = result.catch(() => {});
        return result;
      },
      subscribe: (handler, onGap) => internalSubscribers.add(handler, onGap),
      listening: () =>
        !stopped && state === "ok" && clock.now() - lastAnswerAt <= blockMs + LISTEN_GRACE_MS,
    },
    readerState: () => state,
    subscriberCount: () => subscribers.count,
    outboxLength: () => outbox.length,
    foreignEntries: () => foreignCount,
    async close() {
      if (stopped) return;
      stopped = true;
      wake?.();
      for (const timer of stallTimers) clearTimeout(timer);
      stallTimers.clear();
      if (flushOnReady !== undefined) redis.client.off("ready", flushOnReady);
      for (const done of [...retryWaits]) done();
      // Not logged as a connection error: the PING it rejects is no outage.
      closeClient(reader);
      await loop;
      await chain.catch(() => {});
      subscribers.clear();
      internalSubscribers.clear();
    },
  };
}
