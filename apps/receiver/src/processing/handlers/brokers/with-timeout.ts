/** Bounds one broker step (connect, publish, acknowledgement) so a stalled broker fails the attempt. */
export class BrokerTimeoutError extends Error {
  override readonly name = 'BrokerTimeoutError';
}

/**
 * `work`, or a BrokerTimeoutError after `ms`. With `unref`, the timer does not keep the process alive
 * (liveness probes: a probe must never hold up shutdown).
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  options: { unref?: boolean } = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new BrokerTimeoutError(`${what} took longer than ${ms} ms`)), ms);
    if (options.unref) timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
