import {
  DEFAULT_API_TIMEOUT_MS,
  DEFAULT_TOKEN_TIMEOUT_MS,
  networkFailure,
} from '@srhooks/client/network-failure';
import { formatDuration } from '@srhooks/contracts/duration';
import { CliError, EXIT_CODES } from '../../cli-error.js';

/**
 * A shop whose API (or token endpoint) did not answer in time, as an error naming the shop and the
 * time limit, or undefined when `error` is not a timeout. `timeoutMs`: the `--timeout` given, if any.
 */
export function shopTimeoutError(
  error: unknown,
  shop: string,
  timeoutMs: number | undefined,
): CliError | undefined {
  if (networkFailure(error)?.code !== 'timeout') return undefined;
  const limit =
    timeoutMs === undefined
      ? `the default limits: ${formatDuration(DEFAULT_API_TIMEOUT_MS)} per API request, ${formatDuration(DEFAULT_TOKEN_TIMEOUT_MS)} for the token request`
      : `--timeout ${formatDuration(timeoutMs)} per request`;
  const said = error instanceof Error ? error.message : String(error);
  return new CliError(`shop ${shop} did not answer in time (${limit}): ${said}`, {
    code: 'timeout',
    exitCode: EXIT_CODES.remote,
    hint: `check that ${shop}'s API is up, or allow more time with --timeout (e.g. --timeout 60s)`,
    cause: error,
  });
}
