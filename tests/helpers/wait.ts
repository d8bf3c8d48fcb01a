/**
 * Polls a condition on a short timer until it holds. For things that become
 * true asynchronously (an outbox draining, a reader reconnecting); the
 * timeout only bounds a hung test, it is not a timing assertion.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
