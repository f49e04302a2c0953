/**
 * Waiting for a condition instead of sleeping: polls until it holds, and fails with what was
 * awaited when it does not hold within a bounded time (a bound against hanging, not a timing
 * assertion).
 */

/** Resolves once `condition()` is true; rejects after `timeoutMs` (default 10 s) naming `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
