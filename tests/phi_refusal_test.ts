/**
 * Admin- and steward-entered text and identifiers that reach other users, other services or the
 * database are refused at write time when the PHI scanner finds anything in them: flag
 * descriptions and target ids, experiment descriptions, variant keys and configs, API token
 * names. The refusal is 400 VALIDATION_FAILED naming the field and the rule, never the value,
 * and nothing is written. OFREP never echoes a path key that cannot be a flag key.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, type Session, signInAs } from "./helpers/auth.ts";
import { makeCanaries } from "./sentry_canaries.ts";

const PROBLEM = /^application\/problem\+json/;
const HTML = /^text\/html/;

// Generated at test time (seeded): an SSN, a phone, an MRN, an email address and a name.
const canary = makeCanaries();
const digits = canary.phone.replace(/\D/g, "");
const PHI = {
  ssn: canary.ssn,
  bareSsn: canary.ssn.replace(/-/g, ""),
  phone: `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`,
  mrn: `MRN-${canary.mrn}`,
  email: canary.email,
  name: canary.name,
};
const DESCRIPTION = `Pilot for ${PHI.name}, ${PHI.email}, ${canary.phone}`;

/** Every form in which a value could leak back: itself, its digits, its first word. */
function leaks(text: string, values: string[]): string[] {
  const lower = text.toLowerCase();
  return values.flatMap((value) => {
    const forms = [value, value.replace(/\D/g, ""), value.split(/[\s,@]/)[0] ?? ""];
    return forms.filter((form) => form.length >= 4 && lower.includes(form.toLowerCase()));
  });
}

async function withApp(fn: (app: TestApp, events: unknown[]) => Promise<void>) {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  const events: unknown[] = [];
  app.services.bus.subscribe("all", (event) => events.push(event));
  try {
    await fn(app, events);
  } finally {
    await app.dispose();
  }
}

/** What a refused write must leave unchanged: the rows that hold admin input, and the bus. */
async function writes(app: TestApp, events: unknown[]): Promise<string> {
  const count = async (table: string) =>
    (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
  return JSON.stringify({
    flags: await count("feature_flags"),
    experiments: await count("experiments"),
    assignments: await count("experiment_assignments"),
    tokens: await count("api_tokens"),
    audit: await count("audit_log"),
    events: events.length,
  });
}

function postJson(app: TestApp, session: Session, path: string, body: unknown) {
  return app.request(path, {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify(body),
  });
}

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

/** A 400 VALIDATION_FAILED whose errors name `path` with the PHI rule, and hold no value. */
async function assertRefused(response: Response, path: string, values: string[]) {
  assert.equal(response.status, 400, path);
  assert.match(response.headers.get("content-type") ?? "", PROBLEM);
  const text = await response.text();
  const problem = JSON.parse(text) as {
    code: string;
    errors: { path: string; message: string }[];
  };
  assert.equal(problem.code, "VALIDATION_FAILED");
  assert.ok(
    problem.errors.some((e) =>
      e.path === path && /^Must not contain PHI \(found: /.test(e.message)
    ),
    `${path} refused for PHI in ${text}`,
  );
  assert.deepEqual(leaks(text, values), [], `no value in ${text}`);
}

/** The page's error notice (the part that must not echo; the refilled fields may). */
function errorNotice(html: string): string {
  const match = html.match(
    /<(div|p) class="notice notice--error" role="alert"[^>]*>([\s\S]*?)<\/\1>/,
  );
  assert.ok(match, "the page shows an error notice");
  return match[2]!;
}

Deno.test("flag upserts refuse a description holding PHI: 400 naming $.description, no value, nothing written", async () => {
  await withApp(async (app, events) => {
    const admin = await signInAs(app, "ADMIN");
    const before = await writes(app, events);
    for (const path of ["/api/governance/flags/pilot", "/api/admin/feature-flags/pilot"]) {
      const response = await postJson(app, admin, path, {
        enabled: true,
        description: DESCRIPTION,
      });
      await assertRefused(response, "$.description", [PHI.email, canary.phone, PHI.name]);
    }
    assert.equal(await writes(app, events), before);
    assert.equal(app.services.flags.get("pilot"), undefined);

    const researcher = await signInAs(app, "RESEARCHER");
    const state = await app.request("/api/governance/state", { headers: researcher.headers() });
    assert.equal(state.status, 200);
    assert.deepEqual(leaks(await state.text(), [PHI.email, canary.phone, PHI.name]), []);
  });
});

Deno.test("flag upserts refuse target ids the scanner flags (SSN, phone, MRN, bare SSN) by index", async () => {
  await withApp(async (app, events) => {
    const admin = await signInAs(app, "ADMIN");
    const before = await writes(app, events);
    const targets = ["u1", PHI.ssn, PHI.phone, PHI.mrn, PHI.bareSsn];
    const response = await postJson(app, admin, "/api/admin/feature-flags/pilot", {
      enabled: true,
      targetUsers: targets,
    });
    const body = (await response.clone().json()) as { errors: { path: string }[] };
    await assertRefused(response, "$.targetUsers[1]", targets.slice(1));
    assert.deepEqual(
      body.errors.map((e) => e.path),
      ["$.targetUsers[1]", "$.targetUsers[2]", "$.targetUsers[3]", "$.targetUsers[4]"],
    );
    assert.equal(await writes(app, events), before);
  });
});

Deno.test("flag upserts still accept ordinary descriptions and user ids", async () => {
  await withApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const ids = [crypto.randomUUID(), "u1", "user-42", "researcher_7", "svc:worker", "12345"];
    const response = await postJson(app, admin, "/api/admin/feature-flags/pilot", {
      enabled: true,
      description: "New checkout for the steward console, 50% in staging",
      targetUsers: ids,
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    const { flag } = await json<{ flag: { targetUsers: string[]; description: string } }>(
      response,
    );
    assert.deepEqual(flag.targetUsers, ids);
    assert.equal(flag.description, "New checkout for the steward console, 50% in staging");
  });
});

Deno.test("experiment upserts refuse PHI in the description, a variant key or a config, never echoing it", async () => {
  await withApp(async (app, events) => {
    const admin = await signInAs(app, "ADMIN");
    const before = await writes(app, events);
    const cases: [unknown, string, string[]][] = [
      [{ description: DESCRIPTION, variants: { A: { weight: 1 } } }, "$.description", [
        PHI.email,
        PHI.name,
      ]],
      // A key the pattern allows (letter first) that the scanner flags.
      [{ variants: { [PHI.mrn]: { weight: 1 } } }, "$.variants", [PHI.mrn]],
      // Keys the pattern refuses too; with a bad weight, whose path would otherwise hold the key.
      [{ variants: { [PHI.ssn]: { weight: "x" } } }, "$.variants", [PHI.ssn]],
      [{ variants: { [PHI.phone]: { weight: 1 }, B: { weight: 1 } } }, "$.variants", [PHI.phone]],
      [{ variants: { [PHI.email]: { weight: 1 } } }, "$.variants", [PHI.email]],
      [
        { variants: { A: { weight: 1, config: { contact: PHI.email, note: PHI.phone } } } },
        "$.variants[0].config",
        [PHI.email, PHI.phone],
      ],
      [{ variants: { A: { weight: 1, config: { [PHI.email]: true } } } }, "$.variants[0].config", [
        PHI.email,
      ]],
    ];
    for (const [input, path, values] of cases) {
      const response = await postJson(app, admin, "/api/admin/experiments", {
        key: "pilot.exp",
        enabled: true,
        ...input as object,
      });
      await assertRefused(response, path, values);
    }
    assert.equal(await writes(app, events), before);
    assert.equal(app.services.experiments.get("pilot.exp"), undefined);
    const researcher = await signInAs(app, "RESEARCHER");
    const variant = await app.request("/api/experiments/pilot.exp/variant", {
      headers: researcher.headers(),
    });
    assert.equal(variant.status, 404);
    await variant.body?.cancel();
  });
});

Deno.test("experiment upserts still accept identifier variant keys and ordinary configs", async () => {
  await withApp(async (app) => {
    const admin = await signInAs(app, "ADMIN");
    const response = await postJson(app, admin, "/api/admin/experiments", {
      key: "pilot.exp",
      enabled: true,
      description: "Headline test on the welcome page",
      variants: {
        control: { weight: 1, config: { headline: "Welcome", color: "blue", columns: 3 } },
        treatment: { weight: 1, config: { headline: "Good to see you" } },
        B: { weight: 0 },
      },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const { experiment } = await json<{ experiment: { variants: { key: string }[] } }>(response);
    assert.deepEqual(experiment.variants.map((v) => v.key), ["B", "control", "treatment"]);
  });
});

Deno.test("API token names the scanner flags are refused; service names are accepted", async () => {
  await withApp(async (app, events) => {
    const admin = await signInAs(app, "ADMIN");
    const before = await writes(app, events);
    const refused = await postJson(app, admin, "/api/admin/tokens", {
      name: `for ${PHI.email} ${PHI.ssn}`,
      scopes: ["flags:evaluate"],
    });
    await assertRefused(refused, "$.name", [PHI.email, PHI.ssn]);
    assert.equal(await writes(app, events), before);

    const created = await postJson(app, admin, "/api/admin/tokens", {
      name: "ofrep-web",
      scopes: ["flags:evaluate"],
    });
    assert.equal(created.status, 201);
    assert.equal((await json<{ name: string }>(created)).name, "ofrep-web");
  });
});

Deno.test("OFREP answers a path key that cannot be a flag key with FLAG_NOT_FOUND, not echoing it", async () => {
  await withApp(async (app) => {
    const token = await createToken(app, { scopes: ["flags:evaluate"] });
    for (const body of [JSON.stringify({ context: { targetingKey: "u1" } }), "{oops"]) {
      const response = await app.request(
        `/ofrep/v1/evaluate/flags/${encodeURIComponent(PHI.email)}`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body,
        },
      );
      assert.equal(response.status, 404);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      const text = await response.text();
      const got = JSON.parse(text) as Record<string, unknown>;
      assert.equal(typeof got.errorDetails, "string");
      assert.deepEqual({ key: got.key, errorCode: got.errorCode }, {
        key: "",
        errorCode: "FLAG_NOT_FOUND",
      });
      assert.deepEqual(leaks(text, [PHI.email]), []);
    }
  });
});

Deno.test("the flag, experiment and token forms show the PHI refusal on the page without the value", async () => {
  await withApp(async (app, events) => {
    const admin = await signInAs(app, "ADMIN");
    await app.services.flags.set("pilot", { enabled: false }, { actor: { type: "system" } });
    await app.services.experiments.set(
      { key: "pilot.exp", enabled: false, variants: { A: { weight: 1 } } },
      { actor: { type: "system" } },
    );
    events.length = 0;
    const before = await writes(app, events);
    const posts: [string, [string, string][], RegExp, string[]][] = [
      [
        "/flags",
        [["key", "new.flag"], ["rollout_percent", "100"], [
          "description",
          DESCRIPTION,
        ]],
        /Description: must not contain PHI \(found: /,
        [PHI.email, PHI.name],
      ],
      [
        "/flags/pilot",
        [["version", "1"], ["rollout_percent", "100"], [
          "target_users",
          `u1\n${PHI.ssn}`,
        ]],
        /Target users: must not contain PHI \(found: SSN\)/,
        [PHI.ssn],
      ],
      [
        "/experiments",
        [["key", "new.exp"], ["description", DESCRIPTION], [
          "variants",
          "A=1",
        ]],
        /Description: must not contain PHI \(found: /,
        [PHI.email, PHI.name],
      ],
      [
        "/experiments",
        [["key", "new.exp"], ["variants", `${PHI.mrn}=1`]],
        /Variants: must not contain PHI \(found: MRN\)/,
        [PHI.mrn],
      ],
      [
        "/admin/tokens",
        [["name", `worker for ${PHI.email}`], ["scopes", "flags:evaluate"]],
        /Name: must not contain PHI \(found: EMAIL\)/,
        [PHI.email],
      ],
    ];
    for (const [path, fields, message, values] of posts) {
      const response = await postForm(app, admin, path, fields);
      assert.equal(response.status, 400, path);
      assert.match(response.headers.get("content-type") ?? "", HTML);
      const notice = errorNotice(await response.text());
      assert.match(notice, message, path);
      assert.deepEqual(leaks(notice, values), [], `${path}: ${notice}`);
    }
    assert.equal(await writes(app, events), before);
  });
});
