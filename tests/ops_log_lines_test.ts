/**
 * The lines main.ts writes during an ordinary admin session, read as a log shipper reads them
 * (docs/operations/LOGGING.md): every line on stdout and stderr is a JSON record, and a record
 * written for a request carries that request's id.
 * Real processes on the embedded database; bounds are generous "eventually" limits.
 */
import assert from "node:assert/strict";
import { type AppProcess, listeningWithin, spawnApp, stop } from "./helpers/process.ts";

const START_BOUND_MS = 60_000;
const opts = { sanitizeOps: false, sanitizeResources: false };
const ADMIN = { email: "ops.admin@example.org", password: "Correct-Horse-9" };

async function signIn(base: string): Promise<Record<string, string>> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { origin: base, "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  assert.equal(response.status, 200);
  const { csrfToken } = await response.json();
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { origin: base, cookie, "x-csrf-token": csrfToken, "content-type": "application/json" };
}

async function send(
  base: string,
  headers: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; requestId: string | null }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.body?.cancel();
  return { status: response.status, requestId: response.headers.get("x-request-id") };
}

/** Waits until the process has written a record `match` accepts (or fails after `ms`). */
async function recordWithin(
  app: AppProcess,
  match: (record: Record<string, unknown>) => boolean,
  ms = 10_000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const found = app.records.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no such record: ${JSON.stringify(app.records.slice(-5))}`);
}

/** Runs `session` against a fresh instance on its own embedded database. */
async function withApp(session: (app: AppProcess, base: string) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "ops_log_lines_" });
  const app = spawnApp({
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  try {
    await session(app, await listeningWithin(app, START_BOUND_MS));
  } finally {
    await stop(app);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "a flag created, edited and archived: every line on stdout and stderr is a JSON record",
  ...opts,
  fn: () =>
    withApp(async (app, base) => {
      const headers = await signIn(base);
      const path = "/api/admin/feature-flags/log_lines_flag";
      assert.equal((await send(base, headers, "POST", path, { enabled: true })).status, 200);
      assert.equal(
        (await send(base, headers, "POST", path, { enabled: false, version: 1 })).status,
        200,
      );
      // An archive is a DELETE without a body: it made Deno print a plain-text warning on stderr
      // (the body limit re-wrapped the request, which reads its legacy abort signal).
      const archived = await send(base, headers, "DELETE", path);
      assert.equal(archived.status, 200);
      await recordWithin(app, (r) => r.requestId === archived.requestId && r.msg === "request");
      await new Promise((r) => setTimeout(r, 300)); // Deno's warning is written after the answer
      assert.deepEqual(app.stderr, [], "lines on stdout/stderr that are not JSON records");
    }),
});

Deno.test({
  name: "a mode changed through the API: its 'governance mode changed' line names the request",
  ...opts,
  fn: () =>
    withApp(async (app, base) => {
      const headers = await signIn(base);
      const changed = await send(base, headers, "POST", "/api/governance/mode", { mode: "LIVE" });
      assert.equal(changed.status, 200);
      const line = await recordWithin(app, (r) => r.msg === "governance mode changed");
      assert.equal(line.requestId, changed.requestId, JSON.stringify(line));
      assert.equal(line.mode, "LIVE");
      assert.equal(line.previous, "DEMO");
    }),
});
