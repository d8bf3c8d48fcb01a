/**
 * Experiments: the admin list and upsert, and the signed-in caller's variant.
 * Upserts are ADMIN governance writes (available in STANDBY, to stop an
 * experiment during an incident).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { actorOf } from "../../lib/audit/mod.ts";
import { MODES } from "../../lib/config.ts";
import type { RouteContext } from "../../lib/context.ts";
import { crossSite } from "../../lib/auth/middleware.ts";
import { gpcSignal } from "../../lib/consent/mod.ts";
import { CsrfError, NotFoundError } from "../../lib/errors/mod.ts";
import {
  ASSIGNMENT_REASONS,
  createGpcMemory,
  ExperimentInputSchema,
  type GpcMemory,
  STICKY_READ_TIMEOUT_MS,
} from "../../lib/experiments/mod.ts";
import { FlagKeySchema } from "../../lib/flags/mod.ts";
import { apiRoute, jsonContent, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { settlesWithin } from "../../lib/timeout.ts";

const SrmSchema = z.object({
  total: z.number().int().openapi({
    description: "Every stored assignment: counted + zeroWeight + removed",
  }),
  counted: z.number().int().openapi({
    description: "Assignments to variants with weight > 0: what the check tests",
  }),
  removed: z.number().int().openapi({
    description: "Assignments to variants no longer defined, left out of the check",
  }),
  zeroWeight: z.number().int().openapi({
    description:
      "Assignments still stored in variants whose weight is now 0 (switched off), left out of the check: each is re-drawn on its next visit",
  }),
  outcome: z.enum(["tested", "too_few", "one_variant"]),
  sufficient: z.boolean().openapi({
    description: "False while some live variant expects < 5, or when only one has weight > 0",
  }),
  test: z.enum(["exact", "chi_square"]).nullable().openapi({
    description: "The test that gave pValue, when one ran: exact (binomial for two variants, " +
      "multinomial for more) while the splits of counted over the live variants, " +
      "C(counted + k - 1, k - 1), number at most 100,000 (two variants: up to 99,999 " +
      "assignments); chi_square above",
  }),
  statistic: z.number().nullable().openapi({
    description: "Chi-square, when the test ran (whichever test gave pValue)",
  }),
  df: z.number().int().nullable(),
  pValue: z.number().nullable().openapi({
    description: "When the test ran: at least 1e-300 (1e-300 stands for that or smaller), " +
      "0 only for assignments in a category of weight 0",
  }),
  mismatch: z.boolean().openapi({
    description: "p < 0.001: the live variants' counts do not fit their weights",
  }),
}).openapi("SampleRatioCheck");

const ExperimentViewSchema = z.object({
  key: z.string(),
  enabled: z.boolean(),
  description: z.string().nullable(),
  requiredModes: z.array(z.enum(MODES)),
  variants: z.array(z.object({
    key: z.string(),
    weight: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    assignments: z.number().int(),
  })),
  version: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
  srm: SrmSchema.nullable().openapi({ description: "Null when the counts could not be read" }),
}).openapi("Experiment");

const VariantSchema = z.object({
  variant: z.string().nullable(),
  config: z.record(z.string(), z.unknown()).nullable(),
  reason: z.enum(ASSIGNMENT_REASONS).openapi({
    description: "SPLIT (by hash), STICKY (persisted earlier), DISABLED or MODE_GATED (no variant)",
  }),
}).openapi("ExperimentVariant");

export interface ExperimentsApiOptions {
  /** The users whose GPC signal this instance knows to be recorded (default: a new memory). */
  gpcMemory?: GpcMemory;
}

export function experimentsApiRoutes(
  ctx: RouteContext,
  options: ExperimentsApiOptions = {},
): OpenAPIHono<AppEnv> {
  const gpcRecorded = options.gpcMemory ?? createGpcMemory();
  // One consent read per user at a time: a later call waits for the same one, so calls piling up
  // behind a stalled database hold no more connections.
  const gpcReads = new Map<string, Promise<void>>();

  /**
   * Records a request's GPC signal as the user's (when first seen; the consent service skips it
   * in STANDBY). Best-effort, as on pages, and bounded as the sticky reads are: the answer waits
   * at most STICKY_READ_TIMEOUT_MS for it (the read goes on and is remembered when it lands). The
   * request itself counts as carrying GPC whatever happens here. Once this instance saw the
   * signal recorded, the user's later calls read nothing.
   */
  async function recordGpc(c: Context<AppEnv>, userId: string): Promise<void> {
    if (gpcRecorded.has(userId)) return;
    const logger = c.get("logger");
    let read = gpcReads.get(userId);
    if (!read) {
      read = ctx.services.consent.analytics(userId, { gpc: true }).then(
        (view) => {
          // Not recorded in STANDBY (writes pause): asked again on the next call.
          if (view.gpc.firstSeenAt !== null) gpcRecorded.remember(userId);
        },
        (error) => {
          logger.warn("consent state unavailable", {
            errorType: error instanceof Error ? error.name : typeof error,
          });
        },
      ).finally(() => gpcReads.delete(userId));
      gpcReads.set(userId, read);
    }
    if (!await settlesWithin(read, STICKY_READ_TIMEOUT_MS)) {
      logger.warn("consent state unavailable", { errorType: "TimeoutError" });
    }
  }

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { experiments } = ctx.services;

  app.openapi(
    apiRoute(ctx.access, { role: "STEWARD", class: "read" }, {
      method: "get",
      path: "/api/admin/experiments",
      tags: ["Experiments"],
      summary: "Every experiment with assignment counts and the sample-ratio check",
      responses: {
        200: {
          description: "Experiments",
          ...jsonContent(z.object({ experiments: z.array(ExperimentViewSchema) })),
        },
      },
    }),
    async (c) =>
      c.json({ experiments: await experiments.list() }, 200, { "cache-control": "no-store" }),
  );

  app.openapi(
    apiRoute(ctx.access, { role: "ADMIN", class: "governance-write" }, {
      method: "post",
      path: "/api/admin/experiments",
      tags: ["Experiments"],
      summary: "Create or update an experiment",
      description:
        "Variants are walked in key order; `weight` is an integer share. Audited, published " +
        "as `experiment.changed` (topic governance). Persisted assignments stay with their " +
        "variant when weights change; a variant removed or set to weight 0 is taken away from " +
        "its subjects, who are re-drawn by the current weights on their next request. " +
        "Settings the experiment already has (the same variants, weights and configs, whatever " +
        "the order of keys; required modes as a set; a blank description as none) change " +
        "nothing: 200 with the stored experiment (its version unchanged), no audit entry or " +
        "event, and no 409 whatever `version` was sent.",
      request: { body: { required: true, ...jsonContent(ExperimentInputSchema) } },
      responses: {
        200: {
          description: "The stored experiment (as it was, when the settings were already its own)",
          ...jsonContent(z.object({ success: z.literal(true), experiment: ExperimentViewSchema })),
        },
        404: { description: "`version` sent for a key no experiment has (NOT_FOUND)" },
        409: { description: "Changed since `version`, or the key is a flag's (CONFLICT)" },
      },
    }),
    async (c) => {
      const experiment = await experiments.set(c.req.valid("json"), {
        actor: actorOf(c.get("principal")),
        requestId: c.get("requestId"),
      });
      return c.json({ success: true as const, experiment }, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, { role: "signed_in", class: "read" }, {
      method: "get",
      path: "/api/experiments/{key}/variant",
      tags: ["Experiments"],
      summary: "The signed-in caller's variant",
      description:
        "Assigned by hash on first call and persisted (best-effort); later calls return the " +
        "persisted variant even if the weights changed, unless that variant was removed or set to " +
        "weight 0 (then re-drawn by the current weights and stored). A signed-in browser's call " +
        "from another site (`Sec-Fetch-Site: cross-site` or `same-site`) is refused " +
        "(CSRF_FAILED): it would " +
        "record an assignment. A new assignment is recorded as an `experiment.assigned` analytics " +
        "event only with analytics consent known within 500 ms (else not recorded; the variant " +
        "is still stored); `Sec-GPC: 1` counts as none (and is recorded as the user's privacy " +
        "signal).",
      request: { params: z.object({ key: FlagKeySchema }) },
      responses: {
        200: { description: "The variant (null when gated)", ...jsonContent(VariantSchema) },
        403: { description: "A signed-in browser's call from another site (CSRF_FAILED)" },
        404: { description: "No such experiment (NOT_FOUND)" },
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      // The first call records the assignment (and, with consent, an exposure event): a page on
      // another site must not make a signed-in browser fix its variant by linking here. A
      // session cookie rides along on a cross-site navigation (SameSite=Lax); tokens do not.
      if (principal?.kind === "user" && crossSite(c.req.header("sec-fetch-site"))) {
        throw new CsrfError("The request came from another site");
      }
      const subject = principal?.kind === "user"
        ? { userId: principal.id, sessionId: principal.sessionId }
        : {};
      // Global Privacy Control: recorded when first seen, on every call as on the app's pages (not
      // only with a new assignment), and no exposure is recorded with it (also when the bounded
      // recording did not answer in time). Recorded alongside the assignment, not before it: a
      // new assignment's own consent check is bounded too, and one after the other the answer
      // could wait both bounds.
      const gpc = gpcSignal(c.req.header("sec-gpc"));
      const [, result] = await Promise.all([
        gpc && principal?.kind === "user" ? recordGpc(c, principal.id) : undefined,
        experiments.variantFor(c.req.valid("param").key, subject, { gpc }),
      ]);
      if (result.reason === "NOT_FOUND") throw new NotFoundError("No such experiment");
      return c.json(
        { variant: result.variant, config: result.config, reason: result.reason },
        200,
        { "cache-control": "no-store" },
      );
    },
  );
  return app;
}
