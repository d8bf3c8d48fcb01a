/**
 * What the test environment offers. Real Postgres, Redis, Chromium and promtool are
 * used when configured; with CI=true a missing one fails the run instead of
 * skipping, so CI can never pass by testing less.
 */

export const IN_CI = Deno.env.get("CI") === "true";
export const TEST_DATABASE_URL = Deno.env.get("TEST_DATABASE_URL");
export const TEST_REDIS_URL = Deno.env.get("TEST_REDIS_URL");
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** Whether a real dependency is available; throws in CI when it is not. */
export function requireInCi(name: string, available: boolean): boolean {
  if (!available && IN_CI) {
    throw new Error(`${name} is required when CI=true but is not configured or reachable`);
  }
  return available;
}

export function hasPostgres(): boolean {
  return requireInCi("TEST_DATABASE_URL", TEST_DATABASE_URL !== undefined);
}

export function hasRedis(): boolean {
  return requireInCi("TEST_REDIS_URL", TEST_REDIS_URL !== undefined);
}

export function hasChromium(): boolean {
  let found = false;
  try {
    found = Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    found = false;
  }
  return requireInCi(`Chromium at ${CHROMIUM_PATH}`, found);
}

/** Whether `promtool` (Debian's `prometheus` package) is on PATH, for the alert rule tests. */
export function hasPromtool(): boolean {
  return requireInCi("promtool (Debian package prometheus)", which("promtool") !== undefined);
}

/** Path of a binary on PATH, or undefined. */
export function which(binary: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const path = `${dir}/${binary}`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}
