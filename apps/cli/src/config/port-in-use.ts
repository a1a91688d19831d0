import { type CliError, usageError } from '../cli-error.js';

/**
 * The one refusal of a port another process already serves on (EADDRINUSE) of the commands that
 * serve on one — `listen` and `sandbox` (`--port`), `demo` (its own flags: `fix`) —: `port 4750 is
 * already in use` / `pick another with --port (0 = any free port)`, exit 2, code `port_in_use`.
 */
export function portInUseError(port: number, fix = 'pick another with --port (0 = any free port)'): CliError {
  return usageError(`port ${port} is already in use`, fix, 'port_in_use');
}
