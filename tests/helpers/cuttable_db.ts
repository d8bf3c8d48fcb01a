/**
 * A view of a database that one instance can lose: for an in-process PGlite shared by two app
 * instances, where there is no socket to put a TCP proxy in front of. Once cut, every call fails
 * like an unreachable server; the underlying database is untouched (its owner closes it).
 */
import type { Db } from "../../lib/db/mod.ts";

export interface CuttableDb {
  db: Db;
  /** From now on every call fails (calls already running finish). */
  cut(): void;
  /** Calls work again. */
  restore(): void;
}

/** Wraps `inner`; `close()` of the view does not close `inner`. */
export function cuttableDb(inner: Db): CuttableDb {
  let down = false;
  const refuse = () => Promise.reject(new Error("connect ECONNREFUSED (cut off by the test)"));
  const db: Db = {
    kind: inner.kind,
    description: inner.description,
    query: (text, params) => down ? refuse() : inner.query(text, params),
    exec: (script) => down ? refuse() : inner.exec(script),
    transaction: (fn) => down ? refuse() : inner.transaction(fn),
    withAdvisoryLock: (key, fn) => down ? refuse() : inner.withAdvisoryLock(key, fn),
    ping: () => down ? refuse() : inner.ping(),
    close: () => Promise.resolve(),
  };
  return {
    db,
    cut() {
      down = true;
    },
    restore() {
      down = false;
    },
  };
}
