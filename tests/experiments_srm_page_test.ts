/**
 * /experiments after an arm is switched off (weight 0): the people still stored in it have not
 * come back since, so the page notes them plainly and runs the sample-ratio check over the live
 * variants only; a real mismatch among the live variants is still a warning. In process.
 */
import assert from "node:assert/strict";
import { json, type TestApp, withTestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";

const ACTOR = { actor: { type: "system" as const } };
const KEY = "pricing.page";

/** The page's text as read: no tags or comments, entities decoded, spaces collapsed. */
function text(html: string): string {
  return html.replace(/<!--.*?-->/gs, "").replace(/<[^>]+>/g, " ")
    .replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replace(/\s+/g, " ");
}

async function store(app: TestApp, counts: Record<string, number>) {
  for (const [variant, n] of Object.entries(counts)) {
    await app.db.exec(`
      INSERT INTO experiment_assignments (experiment_key, session_id, variant)
      SELECT '${KEY}', 's-${variant}-' || g, '${variant}' FROM generate_series(1, ${n}) g;
    `);
  }
}

async function weights(app: TestApp, variants: Record<string, number>) {
  await app.services.experiments.set({
    key: KEY,
    enabled: true,
    variants: Object.fromEntries(Object.entries(variants).map(([k, weight]) => [k, { weight }])),
  }, ACTOR);
}

async function page(app: TestApp, session: Session): Promise<string> {
  const response = await app.request("/experiments", { headers: { cookie: session.cookie } });
  assert.equal(response.status, 200);
  return await response.text();
}

Deno.test("/experiments: a 50/50 experiment switched to 1/0 notes the people left in the switched-off arm, no mismatch", async () => {
  await withTestApp(async (app) => {
    await weights(app, { A: 50, B: 50 });
    await store(app, { A: 200, B: 200 });
    await weights(app, { A: 1, B: 0 });
    const steward = await signInAs(app, "STEWARD");
    const html = await page(app, steward);
    assert.ok(!html.includes('data-testid="srm-warning"'), "no warning");
    assert.doesNotMatch(html, /Sample ratio mismatch/);
    assert.doesNotMatch(html, /role="alert"/);
    const note = /<p[^>]*data-testid="srm-switched-off"[^>]*>(.*?)<\/p>/s.exec(html);
    assert.ok(note, "the note about the switched-off arm");
    assert.doesNotMatch(note[0], /notice--warn|role=/);
    assert.equal(
      text(note[1]!).trim(),
      "200 people are still recorded in switched-off variants; each is moved to a live variant " +
        "when they next come back. They are left out of the sample-ratio check.",
    );
    assert.match(text(html), /200 assignment\(s\); only one variant has a weight above 0/);

    const api = await app.request("/api/admin/experiments", { headers: steward.headers() });
    assert.equal(api.status, 200);
    const body = await json<{ experiments: { key: string; srm: Record<string, unknown> }[] }>(api);
    const srm = body.experiments.find((e) => e.key === KEY)!.srm!;
    assert.deepEqual(
      [srm.outcome, srm.mismatch, srm.total, srm.counted, srm.zeroWeight, srm.removed],
      ["one_variant", false, 400, 200, 200, 0],
    );
  });
});

Deno.test("/experiments: a mismatch among the live arms is still a warning beside the switched-off note", async () => {
  await withTestApp(async (app) => {
    await weights(app, { A: 1, B: 1, C: 1 });
    await store(app, { A: 300, B: 100, C: 1 });
    await weights(app, { A: 1, B: 1, C: 0 });
    const steward = await signInAs(app, "STEWARD");
    const html = await page(app, steward);
    assert.match(html, /data-testid="srm-warning"/);
    assert.match(text(html), /Sample ratio mismatch .* The 400 assignments do not fit the weights/);
    assert.match(
      text(html),
      /1 person is still recorded in a switched-off variant; they are moved to a live variant when they next come back\./,
    );
    // Fitting live arms with a switched-off leftover: the plain "fit" line and the note.
    await weights(app, { A: 3, B: 1, C: 0 });
    const fits = text(await page(app, steward));
    assert.doesNotMatch(fits, /Sample ratio mismatch/);
    assert.match(fits, /No sample-ratio mismatch detected in the 400 assignments \(p = 1\.0\)/);
    assert.match(fits, /1 person is still recorded in a switched-off variant/);
  });
});
