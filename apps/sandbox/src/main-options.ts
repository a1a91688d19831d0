/** The command line of `node dist/main.js` (main.ts): flags, then PORT/HOST from the environment. */
import { parseArgs } from 'node:util';
import type { SandboxOptions } from './options.js';

export const USAGE = `Usage: node dist/main.js [--port N] [--host H] [--data sandbox.json] [--shops shops.json]
                         [--apps apps.json] [--time-scale N] [--clock-offset SECONDS]
                         [--token-ttl SECONDS] [--no-rate-limit]
Environment: PORT, HOST (flags win).`;

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${value}'.`);
  return n;
}

/** A TCP port (0: any free port), named by where it came from (`--port` or `PORT`) when it is not one. */
function portValue(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const n = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(n >= 0 && n <= 65535))
    throw new Error(`${name} must be a port number from 0 to 65535 (0: any free port), got '${value}'.`);
  return n;
}

/** The sandbox's options, or `'help'` for `--help`; throws with a one-line message on a bad value. */
export function readMainOptions(
  args: readonly string[],
  env: Record<string, string | undefined>,
): SandboxOptions | 'help' {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      shops: { type: 'string' },
      apps: { type: 'string' },
      'time-scale': { type: 'string' },
      'clock-offset': { type: 'string' },
      'token-ttl': { type: 'string' },
      'no-rate-limit': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const port =
    values.port !== undefined ? portValue(values.port, '--port') : (portValue(env.PORT, 'PORT') ?? 8787);
  const timeScale = numberFlag(values['time-scale'], '--time-scale');
  const ttl = numberFlag(values['token-ttl'], '--token-ttl');
  const clockOffset = numberFlag(values['clock-offset'], '--clock-offset');
  return {
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    logger: true,
    ...(values.data ? { dataFile: values.data } : {}),
    ...(values.shops ? { seedFile: values.shops } : {}),
    ...(values.apps ? { appsFile: values.apps } : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(clockOffset === undefined ? {} : { clockOffsetSeconds: clockOffset }),
    ...(ttl === undefined ? {} : { tokenTtlSeconds: ttl }),
    ...(values['no-rate-limit'] ? { rateLimit: false as const } : {}),
  };
}

/** The one line main.ts prints after "sandbox failed to start: ", naming the setting to change. */
export function startFailure(error: unknown, options: { port?: number; host?: string }): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE')
    return `port ${options.port} is already in use: stop the other process, or set PORT (or --port) to a free port (0: any free port)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL')
    return `HOST (or --host) "${options.host}" is not an address of this machine (${code}): leave it out (127.0.0.1) or give one of its addresses (0.0.0.0: all of them)`;
  return error instanceof Error ? error.message : String(error);
}
