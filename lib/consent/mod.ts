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
  type ConsentBannerProps,
  consentContext,
  type PageAnalytics,
  pageKeyOf,
} from "./page.ts";
