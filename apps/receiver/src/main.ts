/** Process entry point: see run-receiver.ts. */
import { runReceiver } from './run-receiver.js';

runReceiver().catch((error: unknown) => {
  process.stderr.write(
    `srhooks receiver failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
