import assert from "node:assert/strict";
import {
  canaryValues,
  leakedCanaries,
  makeCanaries,
  phiMessages,
} from "../../tests/sentry_canaries.ts";
import {
  safeFilename,
  safeRoute,
  safeTags,
  scrubBreadcrumb,
  scrubEvent,
  scrubTransaction,
} from "./scrub.ts";
import { islandBundles } from "./bundles.ts";

const ROOT = "/srv/app/";
const c = makeCanaries();
const messages = phiMessages(c);

/** A realistic SDK event: clean exception, plus every field that may carry data. */
function sdkEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: "f1e108555b2e413aaa39fe17ab3edb69",
    timestamp: 1_714_566_600.123,
    platform: "javascript",
    level: "error",
    release: "researchflow-governance@1.2.3",
    environment: "production",
    server_name: `host-of-${c.name}`,
    message: messages.email,
    logentry: { message: "user %s", params: [c.email] },
    exception: {
      values: [{
        type: "TypeError",
        value: "Cannot read properties of undefined (reading 'map')",
        mechanism: { type: "http.on_error", handled: false, data: { note: c.ssn } },
        stacktrace: {
          frames: [
            {
              filename: "/srv/app/lib/app.ts",
              abs_path: `/home/${c.name}/app.ts`,
              module: "app",
              function: "Hono.dispatch",
              lineno: 12,
              colno: 5,
              in_app: true,
              vars: { email: c.email, ssn: c.ssn },
              pre_context: [`const ssn = "${c.ssn}";`],
              context_line: `lookup("${c.email}")`,
              post_context: [`// ${c.phone}`],
            },
            {
              filename: "/srv/app/routes/api/flags.ts",
              function: "handler",
              lineno: 40,
              colno: 11,
              in_app: true,
            },
          ],
        },
      }],
    },
    tags: {
      source: "http",
      route: "/api/flags/:key",
      method: "POST",
      request_id: "0b6f3c3e-4a61-4f0e-9a43-2b1f1f2d9c11",
      mode: "DEMO",
      runtime: "server",
      patient: c.name,
      url: `https://app.example/api?email=${c.email}`,
    },
    request: {
      url: `https://app.example/api/flags/x?ssn=${c.ssn}&email=${c.email}`,
      method: "POST",
      query_string: `mrn=${c.mrn}`,
      headers: { cookie: `note=${c.base64Ssn}`, "x-patient": c.name, referer: c.email },
      cookies: { session: c.ssn },
      data: { note: messages.name, phone: c.phone },
      env: { REMOTE_ADDR: "203.0.113.9" },
    },
    user: { id: "u1", email: c.email, ip_address: "203.0.113.9", username: c.name },
    extra: { body: { mrn: c.mrn }, note: messages.phone },
    contexts: {
      patient: { name: c.name, ssn: c.ssn },
      trace: { trace_id: "b7383e6015d04c95a6e05e9b31228c37", span_id: "9ce92e915b23ed8f" },
      runtime: { name: "deno", version: "2.9.6" },
    },
    breadcrumbs: [
      { category: "console", level: "info", message: messages.email, timestamp: 1_714_566_599 },
      {
        category: "fetch",
        level: "info",
        type: "http",
        data: { url: `https://api.example/patients?ssn=${c.ssn}`, method: "GET" },
        timestamp: 1_714_566_599.5,
      },
      { category: `ui.input ${c.email}`, level: "info", message: "typed" },
    ],
    fingerprint: [c.email],
    modules: { [c.name]: "1.0.0" },
    sdk: { name: "sentry.javascript.deno", version: "10.75.2" },
    sdkProcessingMetadata: { request: { headers: { cookie: c.ssn } } },
    ...overrides,
  };
}

function exceptionWith(value: string, frame: Record<string, unknown> = {}) {
  return {
    values: [{
      type: "Error",
      value,
      stacktrace: {
        frames: [{ filename: "/srv/app/lib/x.ts", function: "f", lineno: 1, colno: 1, ...frame }],
      },
    }],
  };
}

Deno.test("scrubEvent() rebuilds a clean event from the allowlist only", () => {
  const result = scrubEvent(sdkEvent(), { appRoot: ROOT });
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.deepEqual(result.event, {
    event_id: "f1e108555b2e413aaa39fe17ab3edb69",
    timestamp: 1_714_566_600.123,
    release: "researchflow-governance@1.2.3",
    environment: "production",
    platform: "javascript",
    level: "error",
    tags: {
      source: "http",
      route: "/api/flags/:key",
      method: "POST",
      request_id: "0b6f3c3e-4a61-4f0e-9a43-2b1f1f2d9c11",
      runtime: "server",
      mode: "DEMO",
    },
    exception: {
      values: [{
        type: "TypeError",
        value: "Cannot read properties of undefined (reading 'map')",
        mechanism: { type: "http.on_error", handled: false },
        stacktrace: {
          frames: [
            {
              filename: "lib/app.ts",
              function: "Hono.dispatch",
              lineno: 12,
              colno: 5,
              in_app: true,
            },
            {
              filename: "routes/api/flags.ts",
              function: "handler",
              lineno: 40,
              colno: 11,
              in_app: true,
            },
          ],
        },
      }],
    },
    transaction: "POST /api/flags/:key",
    request: { method: "POST" },
    breadcrumbs: [
      { category: "console", level: "info", timestamp: 1_714_566_599 },
      { category: "fetch", level: "info", timestamp: 1_714_566_599.5 },
    ],
  });
  assert.deepEqual(leakedCanaries(c, JSON.stringify(result.event)), []);
});

Deno.test("scrubEvent() never modifies or returns the SDK's event", () => {
  const input = sdkEvent();
  const before = structuredClone(input);
  const result = scrubEvent(input, { appRoot: ROOT });
  assert.deepEqual(input, before);
  assert.ok(result.ok);
  assert.notEqual(result.event, input);
  assert.notEqual(result.event.exception, input.exception);
});

for (const [canary, message] of Object.entries(messages)) {
  Deno.test(`scrubEvent() drops an event whose exception message carries ${canary}`, () => {
    const result = scrubEvent(sdkEvent({ exception: exceptionWith(message) }), { appRoot: ROOT });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.reason, "phi_detected");
    assert.ok(result.findings.length > 0);
    assert.ok(!result.findings.includes("SCANNER_ERROR"));
    // The result names types only.
    assert.deepEqual(leakedCanaries(c, JSON.stringify(result)), []);
  });
}

Deno.test("scrubEvent() drops PHI in a cause's message too (every exception is scanned)", () => {
  const exception = {
    values: [
      { type: "Error", value: messages.ssn },
      { type: "Error", value: "Import failed" },
    ],
  };
  const result = scrubEvent(sdkEvent({ exception }), { appRoot: ROOT });
  assert.deepEqual(result.ok ? "sent" : result.reason, "phi_detected");
});

Deno.test("scrubEvent() drops PHI hidden in a frame's function or file name", () => {
  const byFunction = scrubEvent(
    sdkEvent({ exception: exceptionWith("boom", { function: `ssn ${c.ssn}` }) }),
    { appRoot: ROOT },
  );
  assert.equal(byFunction.ok ? "sent" : byFunction.reason, "phi_detected");
  // A function "name" with characters no identifier has is replaced, not copied.
  const odd = scrubEvent(
    sdkEvent({ exception: exceptionWith("boom", { function: c.email }) }),
    { appRoot: ROOT },
  );
  assert.ok(odd.ok);
  assert.equal(odd.event.exception.values[0]!.stacktrace!.frames[0]!.function, "?");
  const byFile = scrubEvent(
    sdkEvent({ exception: exceptionWith("boom", { filename: `${c.email}` }) }),
    { appRoot: ROOT },
  );
  assert.equal(byFile.ok ? "sent" : byFile.reason, "phi_detected");
});

Deno.test("scrubEvent() keeps no canary from any field outside the allowlist", () => {
  const result = scrubEvent(sdkEvent(), { appRoot: ROOT });
  assert.ok(result.ok);
  const text = JSON.stringify(result.event);
  for (const value of canaryValues(c)) assert.ok(!text.includes(value));
  for (
    const key of [
      'request":{"url',
      "headers",
      "cookies",
      "query_string",
      "user",
      "extra",
      "contexts",
      "server_name",
      "fingerprint",
      "logentry",
      '"message"',
      "modules",
      "sdk",
      "vars",
      "context_line",
      "abs_path",
    ]
  ) {
    assert.ok(!text.includes(key), `${key} must not be copied`);
  }
});

Deno.test("scrubEvent() keeps only known tag keys, each with a valid value", () => {
  assert.deepEqual(
    safeTags({
      source: "nowhere",
      route: `/patients?email=${c.email}`,
      method: "TRACE",
      request_id: c.ssn,
      task: "Bad Task",
      runtime: "edge",
      mode: "PROD",
      other: "x",
    }),
    {},
  );
  assert.deepEqual(
    safeTags({ source: "background", task: "sessions.sweep", request_id: "a1b2c3d4e5f6a7b8c9d0" }),
    { source: "background", task: "sessions.sweep", request_id: "a1b2c3d4e5f6a7b8c9d0" },
  );
  // Digit-only ids (a phone, an account number) never pass as request ids.
  assert.deepEqual(safeTags({ request_id: "4155550132" }), {});
  assert.deepEqual(safeTags({ request_id: "1234567890123456" }), {});
});

Deno.test("safeRoute() accepts patterns only", () => {
  assert.equal(safeRoute("/api/flags/:key"), "/api/flags/:key");
  assert.equal(safeRoute("/api/flags/{key}"), "/api/flags/{key}");
  assert.equal(safeRoute("unmatched"), "unmatched");
  assert.equal(safeRoute("/"), "/");
  assert.equal(safeRoute("/api/x?email=a@b.org"), undefined);
  assert.equal(safeRoute("/api/x#frag"), undefined);
  assert.equal(safeRoute("https://host/api"), undefined);
  assert.equal(safeRoute("/a b"), undefined);
  assert.equal(safeRoute("/" + "a".repeat(300)), undefined);
  assert.equal(safeRoute(42), undefined);
});

Deno.test("safeFilename() names no machine, user, origin or query", () => {
  assert.equal(safeFilename("/srv/app/lib/app.ts", ROOT), "lib/app.ts");
  assert.equal(safeFilename("file:///srv/app/lib/app.ts", ROOT), "lib/app.ts");
  assert.equal(
    safeFilename("/home/jdoe/.cache/deno/npm/registry.npmjs.org/hono/4.13.19/dist/hono-base.js"),
    "npm:hono/4.13.19/dist/hono-base.js",
  );
  assert.equal(safeFilename("ext:core/01_core.js"), "ext:core/01_core.js");
  assert.equal(safeFilename("node:internal/process"), "node:internal/process");
  const bundles = islandBundles({ "ModeBadge-3f2a9c1b7d4e.js": "x" });
  assert.equal(
    safeFilename("https://rf.example/_islands/ModeBadge-3f2a9c1b7d4e.js?v=1#x", ROOT, bundles),
    "/_islands/ModeBadge-3f2a9c1b7d4e.js",
  );
  // Only the app's own bundle files keep their name; any other name there is the client's text.
  assert.equal(safeFilename("https://rf.example/_islands/ModeBadge-3f2a9c1b7d4e.js"), "<url>");
  assert.equal(
    safeFilename("http://h/_islands/cXVpbGxhLnZhbnRyZWVzZUBjYW5hcnltYWlsLm9yZw.js", ROOT, bundles),
    "<url>",
  );
  assert.equal(
    safeFilename("http://h/_islands/quilla.vantreese.at.canarymail.org.js", ROOT, bundles),
    "<url>",
  );
  assert.equal(safeFilename(`https://rf.example/patients/${c.ssn}?email=${c.email}`), "<url>");
  assert.equal(safeFilename(`/home/${c.name.split(" ")[0]}/work/tool.ts`, ROOT), "<path>/tool.ts");
  assert.equal(safeFilename("C:\\Users\\someone\\app\\main.ts"), "<path>/main.ts");
  assert.equal(safeFilename("<anonymous>"), "<anonymous>");
  assert.equal(safeFilename("weird name with spaces.js"), "<unknown>");
  assert.equal(safeFilename(undefined), "<unknown>");
  assert.equal(safeFilename("x".repeat(3000)), "<unknown>");
});

Deno.test("scrubEvent() marks only the app's own frames in_app and drops malformed frames", () => {
  const exception = {
    values: [{
      type: "Error",
      value: "boom",
      stacktrace: {
        frames: [
          { filename: "ext:core/01_core.js", function: "run", lineno: 1, colno: 1, in_app: true },
          "not a frame",
          null,
          { filename: "/srv/app/lib/a.ts", function: "a", lineno: -3, colno: 1.5, in_app: false },
        ],
      },
    }],
  };
  const result = scrubEvent(sdkEvent({ exception }), { appRoot: ROOT });
  assert.ok(result.ok);
  assert.deepEqual(result.event.exception.values[0]!.stacktrace!.frames, [
    { filename: "ext:core/01_core.js", function: "run", lineno: 1, colno: 1, in_app: false },
    { filename: "lib/a.ts", function: "a", in_app: true },
  ]);
});

Deno.test("scrubEvent() keeps a bundle frame's line and column only inside the bundle", () => {
  const islandBundlesOption = islandBundles({
    "ModeBadge-3f2a9c1b7d4e.js": "x".repeat(2000) + "\n" + "y".repeat(30),
  });
  const frame = (file: string, lineno: number, colno: number) => ({
    filename: `http://localhost/_islands/${file}`,
    function: "e",
    lineno,
    colno,
  });
  const exception = {
    values: [{
      type: "TypeError",
      stacktrace: {
        frames: [
          frame("ModeBadge-3f2a9c1b7d4e.js", 536224187, 4158672),
          frame("ModeBadge-3f2a9c1b7d4e.js", 3, 1),
          frame("ModeBadge-3f2a9c1b7d4e.js", 2, 32),
          frame("quilla.vantreese.js", 1, 1),
          frame("ModeBadge-3f2a9c1b7d4e.js", 1, 2001),
          frame("ModeBadge-3f2a9c1b7d4e.js", 2, 31),
        ],
      },
    }],
  };
  const result = scrubEvent(sdkEvent({ exception }), {
    appRoot: ROOT,
    islandBundles: islandBundlesOption,
  });
  assert.ok(result.ok);
  const file = "/_islands/ModeBadge-3f2a9c1b7d4e.js";
  assert.deepEqual(result.event.exception.values[0]!.stacktrace!.frames, [
    { filename: file, function: "e", in_app: true },
    { filename: file, function: "e", in_app: true },
    { filename: file, function: "e", in_app: true },
    { filename: "<url>", function: "e", in_app: false },
    { filename: file, function: "e", lineno: 1, colno: 2001, in_app: true },
    { filename: file, function: "e", lineno: 2, colno: 31, in_app: true },
  ]);
});

Deno.test("scrubEvent() bounds frames, exceptions and message length", () => {
  const frames = Array.from({ length: 80 }, (_, i) => ({
    filename: "/srv/app/lib/deep.ts",
    function: `f${i}`,
    lineno: i + 1,
    colno: 1,
  }));
  const values = Array.from({ length: 8 }, (_, i) => ({
    type: `E${i}`,
    value: "x".repeat(5000),
    stacktrace: { frames },
  }));
  const result = scrubEvent(sdkEvent({ exception: { values } }), { appRoot: ROOT });
  assert.ok(result.ok);
  const kept = result.event.exception.values;
  assert.deepEqual(kept.map((v) => v.type), ["E3", "E4", "E5", "E6", "E7"]);
  assert.equal(kept[0]!.stacktrace!.frames.length, 50);
  assert.equal(kept[0]!.stacktrace!.frames.at(-1)!.function, "f79", "the innermost frames stay");
  assert.equal(kept[0]!.value!.length, 1001);
});

Deno.test("scrubEvent() replaces an exception type that is not an identifier", () => {
  const exception = { values: [{ type: `Patient ${c.name}`, value: "boom" }] };
  const result = scrubEvent(sdkEvent({ exception }), { appRoot: ROOT });
  assert.ok(result.ok);
  assert.equal(result.event.exception.values[0]!.type, "Error");
});

Deno.test("scrubEvent() drops events it cannot describe", () => {
  for (const input of [null, undefined, 42, "text", [], { message: "only a message" }]) {
    const result = scrubEvent(input);
    assert.equal(result.ok ? "sent" : result.reason, "unsupported");
  }
  const transaction = scrubEvent(sdkEvent({ type: "transaction" }));
  assert.equal(transaction.ok ? "sent" : transaction.reason, "unsupported");
});

Deno.test("scrubEvent() fails closed when the scanner throws or reports an error", () => {
  const throwing = scrubEvent(sdkEvent(), {
    scanner: () => {
      throw new Error("scanner exploded");
    },
  });
  assert.deepEqual(throwing, { ok: false, reason: "scrub_error", findings: [] });
  const failing = scrubEvent(sdkEvent(), {
    scanner: () => ({ found: true, findings: [{ type: "SCANNER_ERROR", path: "$" }] }),
  });
  assert.equal(failing.ok ? "sent" : failing.reason, "scrub_error");
});

Deno.test("scrubEvent() fails closed when reading the event throws", () => {
  const hostile = sdkEvent();
  Object.defineProperty(hostile, "exception", {
    get() {
      throw new Error(messages.ssn);
    },
  });
  assert.deepEqual(scrubEvent(hostile), { ok: false, reason: "scrub_error", findings: [] });
  const proxy = new Proxy({}, {
    get() {
      throw new Error("no");
    },
  });
  assert.deepEqual(scrubEvent(proxy), { ok: false, reason: "scrub_error", findings: [] });
});

Deno.test("scrubBreadcrumb() keeps category, level and time only", () => {
  assert.deepEqual(
    scrubBreadcrumb({
      category: "fetch",
      level: "warning",
      message: messages.email,
      data: { url: c.email },
      timestamp: 5,
      type: "http",
    }),
    { category: "fetch", level: "warning", timestamp: 5 },
  );
  assert.deepEqual(scrubBreadcrumb({ category: "console", level: "loud" }), {
    category: "console",
    level: "info",
  });
  assert.equal(scrubBreadcrumb({ category: c.email }), null);
  assert.equal(scrubBreadcrumb({ message: "no category" }), null);
  assert.equal(scrubBreadcrumb(null), null);
  const hostile = new Proxy({}, {
    get() {
      throw new Error("no");
    },
  });
  assert.equal(scrubBreadcrumb(hostile), null);
});

function sdkTransaction(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "transaction",
    event_id: "f1e108555b2e413aaa39fe17ab3edb69",
    transaction: "GET /api/flags/:key",
    start_timestamp: 1_714_566_600,
    timestamp: 1_714_566_600.5,
    release: "r@1",
    environment: "production",
    contexts: {
      trace: {
        trace_id: "b7383e6015d04c95a6e05e9b31228c37",
        span_id: "9ce92e915b23ed8f",
        op: "http.server",
        status: "ok",
        data: { "url.full": `https://x/?email=${c.email}` },
      },
    },
    spans: [{ description: `SELECT * FROM patients WHERE ssn='${c.ssn}'` }],
    request: { url: `https://x/?ssn=${c.ssn}` },
    tags: { route: "/api/flags/:key", patient: c.name },
    extra: { note: messages.name },
    ...overrides,
  };
}

Deno.test("scrubTransaction() keeps the route name and trace ids, never spans or data", () => {
  const result = scrubTransaction(sdkTransaction());
  assert.ok(result.ok);
  assert.deepEqual(result.event, {
    type: "transaction",
    event_id: "f1e108555b2e413aaa39fe17ab3edb69",
    timestamp: 1_714_566_600.5,
    release: "r@1",
    environment: "production",
    platform: "javascript",
    transaction: "GET /api/flags/:key",
    transaction_info: { source: "route" },
    tags: { route: "/api/flags/:key" },
    contexts: {
      trace: {
        trace_id: "b7383e6015d04c95a6e05e9b31228c37",
        span_id: "9ce92e915b23ed8f",
        op: "http.server",
        status: "ok",
      },
    },
    spans: [],
    start_timestamp: 1_714_566_600,
  });
  assert.deepEqual(leakedCanaries(c, JSON.stringify(result.event)), []);
});

Deno.test("scrubTransaction() drops a transaction named by a URL or without trace ids", () => {
  for (
    const overrides of [
      { transaction: `GET /patients/${c.ssn}?email=${c.email}` },
      { transaction: "https://x/api" },
      { transaction: "FETCH /api/x" },
      { contexts: {} },
      { type: undefined },
    ]
  ) {
    const result = scrubTransaction(sdkTransaction(overrides));
    assert.equal(result.ok ? "sent" : result.reason, "unsupported");
  }
});

Deno.test("scrubTransaction() drops a route-shaped name that still carries PHI", () => {
  const result = scrubTransaction(sdkTransaction({ transaction: `GET /mrn/MRN:${c.mrn}` }));
  assert.equal(result.ok ? "sent" : result.reason, "phi_detected");
});
