import type { BuildReceiverOptions, ReceiverConfigInput } from '@srhooks/receiver';
import { badHostError } from '../bad-host.js';
import { portInUseError } from '../config/port-in-use.js';
import type { Receiver } from './receiver-types.js';

export interface EmbeddedReceiver {
  app: Receiver;
  /** `http://127.0.0.1:PORT` (the bound port, also for port 0). */
  url: string;
  /** Whether the admin API and inspector are on (an admin token was configured). */
  admin: boolean;
  /** The body limit it runs with, in bytes (the config's, or the receiver's default). */
  bodyLimit: number;
}

/**
 * Builds the real receiver from a config object (checked by the receiver's own schema), listens,
 * and reports a taken port as a usage error. Its pino logs go to stderr (errors only, unless
 * `debug`), never mixed into the command's stdout.
 */
export async function startEmbeddedReceiver(
  input: ReceiverConfigInput,
  options: {
    debug: boolean;
    limitAdvice?: BuildReceiverOptions['limitAdvice'];
    processing?: BuildReceiverOptions['processing'];
    recovery?: BuildReceiverOptions['recovery'];
  },
): Promise<EmbeddedReceiver> {
  const { buildReceiver, ReceiverConfigSchema } = await import('@srhooks/receiver');
  const config = ReceiverConfigSchema.parse({ logLevel: options.debug ? 'info' : 'error', ...input });
  const app = await buildReceiver(config, {
    defaultMetrics: false,
    logDestination: { write: (line: string) => process.stderr.write(line) },
    ...(options.limitAdvice ? { limitAdvice: options.limitAdvice } : {}),
    ...(options.processing ? { processing: options.processing } : {}),
    ...(options.recovery ? { recovery: options.recovery } : {}),
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw portInUseError(config.port);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL') {
      throw badHostError(String(config.host), code);
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    admin: config.adminToken !== undefined,
    bodyLimit: config.bodyLimit,
  };
}
