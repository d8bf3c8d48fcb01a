export {
  type Principal,
  type Role,
  roleAtLeast,
  ROLES,
  type Scope,
  SCOPES,
  type TokenPrincipal,
  type UserPrincipal,
} from "./principal.ts";
export { createLockKeys, LOCK_KEYS_LABEL, type LockKeys } from "./lock_keys.ts";
export { areTheAppsLockKeys, recordLockKeysFingerprint } from "./lock_keys_fingerprint.ts";
export { type AuthService, createAuthService, principalView, type SignInMeta } from "./service.ts";
export {
  type ApiToken,
  type AuthStore,
  createAuthStore,
  normalizeEmail,
  type User,
} from "./store.ts";
export {
  authenticate,
  clearSessionCookie,
  csrfProtection,
  ipFilter,
  rateLimit,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  sessionCookieName,
  sessionSecretOf,
  setSessionCookie,
} from "./middleware.ts";
export {
  DEFAULT_SCRYPT,
  hashPassword,
  passwordProblem,
  type ScryptParams,
  verifyPassword,
} from "./password.ts";
export { bootstrapAdmin, type BootstrapResult } from "./bootstrap.ts";
export {
  createKdfGate,
  DEFAULT_KDF_GATE,
  KdfBusyError,
  type KdfGate,
  type KdfGateOptions,
} from "./kdf_gate.ts";
