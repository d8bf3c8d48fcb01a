/** The release version, reported by /health and in Sentry releases. */
export const VERSION = "0.1.0";
