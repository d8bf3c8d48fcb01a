/**
 * Settles with `work`, or rejects with `onTimeout()`'s error once `ms` have
 * passed, whichever comes first; the timer never outlives the race. `work`
 * itself is not cancelled (pass an abort in `onTimeout` when it can be).
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
