import { ServerClock } from '@srhooks/client';

/**
 * A fake client's `serverClock`: read just now, with the shop's clock as this machine's (the pass then
 * moves nothing and takes no extra read to learn it).
 */
export function clockInStep(): ServerClock {
  const clock = new ServerClock();
  clock.observe(new Date().toUTCString());
  return clock;
}
