import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AppModeFixture, startAppModeFixture } from './app-mode-fixture.js';

/**
 * For a test that stops the fixture's receiver itself (its shutdown, then what it left in the store):
 * starts the fixture with `options`, runs `test` with it, then closes the sandbox and removes the store's
 * directory. Not the receiver: `test` closes it (the fixture's `close` would close it again).
 */
export async function withAppModeFixtureToStop(
  options: Parameters<typeof startAppModeFixture>[0],
  test: (f: AppModeFixture) => Promise<void>,
): Promise<void> {
  const f = await startAppModeFixture(options);
  try {
    await test(f);
  } finally {
    await f.sandbox.close();
    rmSync(dirname(f.config.db), { recursive: true, force: true });
  }
}
