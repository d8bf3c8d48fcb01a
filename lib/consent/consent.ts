/**
 * Consent: types, the versioned policies users agree to, request schemas,
 * and the pure rule deciding whether analytics consent is in force (GPC
 * included). Pure; islands may import it.
 */
import { z } from "zod";

export const CONSENT_TYPES = ["analytics", "data_processing", "research_use", "contact"] as const;
export type ConsentType = (typeof CONSENT_TYPES)[number];

/** Rows store granted, declined or revoked; "none" means no choice was ever recorded. */
export const CONSENT_STATES = ["granted", "declined", "revoked", "none"] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

/** How the choice was made (the `method` column; "admin" is reserved for administrators). */
export const CONSENT_METHODS = ["banner", "settings", "api"] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number] | "admin";

export const LEGAL_BASES = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** The text a user is shown for a consent type, versioned: a new text is a new version. */
export interface ConsentPolicy {
  consentType: ConsentType;
  version: string;
  purpose: string;
  legalBasis: LegalBasis;
  /** What the user reads, one sentence. */
  summary: string;
  /** The longer explanation on /settings/privacy. */
  details: string;
}

/**
 * The policies in force. Changing what a user agrees to (purpose, legal basis, the summary,
 * or what the details promise about the data) means a new `version`: consent given to an older
 * version no longer counts and the banner asks again. A correction that promises nothing new
 * (where to find the withdraw button) keeps the version, so nobody is asked again for it.
 */
export const CONSENT_POLICIES: Readonly<Record<ConsentType, ConsentPolicy>> = {
  analytics: {
    consentType: "analytics",
    version: "analytics-2026-01",
    purpose: "product_analytics",
    legalBasis: "consent",
    summary: "We collect usage events (no PHI) to improve ResearchFlow. Optional.",
    details:
      "When you allow it, pages you open and buttons you use are recorded as named events with " +
      "identifiers, counts and timings only: never research data, free text or anything that " +
      "identifies a patient. Your address is stored only as a hash that changes every day. " +
      "Events are kept for a limited time. You can withdraw at any moment on this page (Privacy, " +
      "at the top of every page) and have the events already collected deleted.",
  },
  data_processing: {
    consentType: "data_processing",
    version: "data-processing-2026-01",
    purpose: "account_operation",
    legalBasis: "contract",
    summary: "We process your account data to operate ResearchFlow for your organisation.",
    details: "Your account, sessions and audit records are processed to provide the service.",
  },
  research_use: {
    consentType: "research_use",
    version: "research-use-2026-01",
    purpose: "research_use",
    legalBasis: "consent",
    summary: "Your contributions may be used in research governed by your organisation.",
    details: "Only with your agreement and under the study's governance approvals.",
  },
  contact: {
    consentType: "contact",
    version: "contact-2026-01",
    purpose: "service_contact",
    legalBasis: "consent",
    summary: "We may contact you about changes to ResearchFlow.",
    details: "Occasional messages about new features and maintenance; no marketing by others.",
  },
};

/** One consent as the API shows it (the newest row of its history). */
export interface ConsentView {
  consentType: ConsentType;
  state: ConsentState;
  purpose: string | null;
  legalBasis: LegalBasis | null;
  /** The policy version the user saw when choosing (null when no choice). */
  policyVersion: string | null;
  currentPolicyVersion: string;
  method: ConsentMethod | null;
  grantedAt: string | null;
  revokedAt: string | null;
  recordedAt: string | null;
}

/** The analytics consent with what decides whether it is in force. */
export interface AnalyticsConsent {
  state: ConsentState;
  /** True when events may be stored for this user (and this request). */
  effective: boolean;
  /** Granted to an older policy version: the user is asked again. */
  stale: boolean;
  /** Whether to show the banner: no choice yet, or a grant to an older policy. */
  needsChoice: boolean;
  gpc: { signal: boolean; firstSeenAt: string | null };
  policyVersion: string | null;
  grantedAt: string | null;
}

/** What the store knows about a user's analytics consent. */
export interface AnalyticsSnapshot {
  state: ConsentState;
  policyVersion: string | null;
  grantedAt: Date | null;
  gpcFirstSeenAt: Date | null;
}

/**
 * Whether analytics consent is in force. GPC (`Sec-GPC: 1`) is a per-user
 * opt-out signal: once it has been recorded, only a grant made at or after
 * that moment counts; a request carrying it before it could be recorded counts
 * as no consent. A grant to an older policy version does not count.
 *
 * @example
 * analyticsEffective({ state: "granted", policyVersion: "analytics-2026-01", grantedAt: d, gpcFirstSeenAt: null }, false); // true
 */
export function analyticsEffective(snapshot: AnalyticsSnapshot, requestGpc: boolean): boolean {
  if (snapshot.state !== "granted" || snapshot.grantedAt === null) return false;
  if (snapshot.policyVersion !== CONSENT_POLICIES.analytics.version) return false;
  if (snapshot.gpcFirstSeenAt === null) return !requestGpc;
  return snapshot.grantedAt.getTime() >= snapshot.gpcFirstSeenAt.getTime();
}

/** The analytics consent view of a snapshot. */
export function analyticsView(snapshot: AnalyticsSnapshot, requestGpc: boolean): AnalyticsConsent {
  const stale = snapshot.state === "granted" &&
    snapshot.policyVersion !== CONSENT_POLICIES.analytics.version;
  return {
    state: snapshot.state,
    effective: analyticsEffective(snapshot, requestGpc),
    stale,
    needsChoice: snapshot.state === "none" || stale,
    gpc: {
      signal: requestGpc || snapshot.gpcFirstSeenAt !== null,
      firstSeenAt: snapshot.gpcFirstSeenAt?.toISOString() ?? null,
    },
    policyVersion: snapshot.policyVersion,
    grantedAt: snapshot.grantedAt?.toISOString() ?? null,
  };
}

/** True when the request carries Global Privacy Control (`Sec-GPC: 1`). */
export function gpcSignal(header: string | undefined | null): boolean {
  return header?.trim() === "1";
}

export const ConsentTypeSchema = z.enum(CONSENT_TYPES);

/** `POST /api/consent/grant`. Purpose, legal basis and version, when sent, must match the policy. */
export const GrantRequest = z.object({
  consentType: ConsentTypeSchema,
  purpose: z.string().max(64).optional(),
  legalBasis: z.enum(LEGAL_BASES).optional(),
  policyVersion: z.string().max(64).optional(),
  method: z.enum(CONSENT_METHODS).optional(),
}).strict();
export type GrantInput = z.infer<typeof GrantRequest>;

/** `POST /api/consent/revoke`. Revoking without a grant records a decline ("No thanks"). */
export const RevokeRequest = z.object({
  consentType: ConsentTypeSchema,
  reason: z.enum(["user_opt_out", "declined", "other"]).optional(),
  method: z.enum(CONSENT_METHODS).optional(),
  /** Analytics only: also delete the events already collected for this user. */
  eraseEvents: z.boolean().optional(),
}).strict();
export type RevokeInput = z.infer<typeof RevokeRequest>;
