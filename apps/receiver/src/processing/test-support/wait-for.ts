/**
 * Polls `check` (real time) until it returns a truthy value; fails with `what` after `timeoutMs` (a
 * deadline for something that does not happen: on a slow, loaded CI machine what takes a second here
 * took many times that).
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 45_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
