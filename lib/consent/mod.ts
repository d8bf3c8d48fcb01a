/** Consent: the public surface. */
export * from "./consent.ts";
export {
  type ConsentRequestMeta,
  type ConsentService,
  type ConsentServiceDeps,
  type ConsentStatus,
  createConsentService,
  type RevokeOutcome,
} from "./service.ts";
export {
  type ConsentRow,
  type ConsentStats,
  type ConsentStore,
  createConsentStore,
} from "./store.ts";
export {
  bannerPropsFor,
  CONSENT_DECIDED_QUERY,
  type ConsentBannerProps,
  consentContext,
  type ConsentDecided,
  type PageAnalytics,
  pageKeyOf,
} from "./page.ts";
