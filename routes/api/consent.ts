/**
 * Consent API (reference 000 step 4.1): the caller's consent status, grant
 * and revoke. A revoke without a prior grant records a decline ("No thanks").
 * Withdrawing is never paused: revoke is a governance-class write, allowed in
 * STANDBY, because stopping processing must always be possible.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { actorOf } from "../../lib/audit/mod.ts";
import type { UserPrincipal } from "../../lib/auth/principal.ts";
import {
  CONSENT_METHODS,
  CONSENT_STATES,
  CONSENT_TYPES,
  gpcSignal,
  GrantRequest,
  LEGAL_BASES,
  RevokeRequest,
} from "../../lib/consent/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, jsonContent, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";

const READ = { role: "signed_in", class: "read" } as const;
const GRANT = { role: "signed_in", class: "write" } as const;
const WITHDRAW = { role: "signed_in", class: "governance-write" } as const;

export const ConsentViewSchema = z.object({
  consentType: z.enum(CONSENT_TYPES),
  state: z.enum(CONSENT_STATES),
  purpose: z.string().nullable(),
  legalBasis: z.enum(LEGAL_BASES).nullable(),
  policyVersion: z.string().nullable(),
  currentPolicyVersion: z.string(),
  method: z.enum([...CONSENT_METHODS, "admin"]).nullable(),
  grantedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  recordedAt: z.string().nullable(),
}).openapi("Consent");

const AnalyticsConsentSchema = z.object({
  state: z.enum(CONSENT_STATES),
  effective: z.boolean().openapi({ description: "Events from this user are stored" }),
  stale: z.boolean(),
  needsChoice: z.boolean(),
  gpc: z.object({ signal: z.boolean(), firstSeenAt: z.string().nullable() }),
  policyVersion: z.string().nullable(),
  grantedAt: z.string().nullable(),
}).openapi("AnalyticsConsent");

const StatusSchema = z.object({
  consents: z.array(ConsentViewSchema),
  analytics: AnalyticsConsentSchema,
}).openapi("ConsentStatus");

function meta(c: Context<AppEnv>) {
  return {
    actor: actorOf(c.get("principal")),
    requestId: c.get("requestId"),
    gpc: gpcSignal(c.req.header("sec-gpc")),
  };
}

export function consentApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const consent = ctx.services.consent;
  const userOf = (c: Context<AppEnv>) => c.get("principal") as UserPrincipal;

  app.openapi(
    apiRoute(ctx.access, READ, {
      method: "get",
      path: "/api/consent/status",
      tags: ["Consent"],
      summary: "The caller's consent per type, and whether analytics consent is in force",
      description:
        "`analytics.effective` applies Global Privacy Control: with `Sec-GPC: 1` a grant counts only when made after the signal was first recorded.",
      responses: { 200: { description: "Consent status", ...jsonContent(StatusSchema) } },
    }),
    async (c) => {
      const status = await consent.status(userOf(c).id, { gpc: meta(c).gpc });
      return c.json(status, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, GRANT, {
      method: "post",
      path: "/api/consent/grant",
      tags: ["Consent"],
      summary: "Grant a consent (a new history row; idempotent while in force)",
      request: { body: { required: true, ...jsonContent(GrantRequest) } },
      responses: { 200: { description: "The consent now", ...jsonContent(ConsentViewSchema) } },
    }),
    async (c) => {
      const view = await consent.grant(userOf(c).id, c.req.valid("json"), meta(c));
      return c.json(view, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, WITHDRAW, {
      method: "post",
      path: "/api/consent/revoke",
      tags: ["Consent"],
      summary: "Withdraw a consent, or decline one never given; optionally erase analytics events",
      request: { body: { required: true, ...jsonContent(RevokeRequest) } },
      responses: {
        200: {
          description: "The consent now, and how many events were erased (null when not asked)",
          ...jsonContent(
            z.object({ consent: ConsentViewSchema, erasedEvents: z.number().nullable() }),
          ),
        },
      },
    }),
    async (c) => {
      const outcome = await consent.revoke(userOf(c).id, c.req.valid("json"), meta(c));
      return c.json(outcome, 200);
    },
  );

  return app;
}
