/**
 * The `module` handler: a user's ESM file, `export default defineHandlers({ order_confirm: … })`,
 * imported from an absolute path on first use. The handler for the job's event gets the typed event and
 * `ctx` (job id, attempt, shop, logger, lazily created ShopRenter client). Returning = done; throwing =
 * retry (NonRetryableError = dead-letter at once); no handler for the event = done, nothing to do.
 *
 * A file that fails to load is imported again on the next attempt (with a cache-busting query), so
 * fixing the file and waiting for the retry (or replaying) is enough.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { ClaimedJob } from '../../store/store.js';
import {
  assertEventHandlers,
  type EventHandlers,
  type HandlerContext,
  isDefinedHandlers,
  isNonRetryableError,
} from '../define-handlers.js';
import { handlerEvent } from '../handler-event.js';
import { describeError, type HandlerOutcome } from '../handler-outcome.js';
import { ModuleHandlerError, ProcessingConfigError } from '../processing-errors.js';
import type { ShopClients } from '../shop-clients.js';

export interface ModuleHandlerOptions {
  name: string;
  /** Absolute path of the ESM file. */
  path: string;
  logger: Logger;
  clients: ShopClients;
}

export interface ModuleHandler {
  (job: ClaimedJob): Promise<HandlerOutcome>;
  /** Imports the file now (e.g. at start-up, to fail early); throws ModuleHandlerError. */
  load(): Promise<EventHandlers>;
}

export function createModuleHandler(options: ModuleHandlerOptions): ModuleHandler {
  if (!isAbsolute(options.path)) {
    throw new ProcessingConfigError(
      `handlers.${options.name}.path must be an absolute path (relative paths are resolved from the config file by loadConfig), got "${options.path}"`,
    );
  }
  let loaded: Promise<EventHandlers> | null = null;
  let failures = 0;

  const load = (): Promise<EventHandlers> => {
    if (!loaded) {
      loaded = importHandlers(options.path, failures).catch((error: unknown) => {
        loaded = null;
        failures += 1;
        throw error;
      });
    }
    return loaded;
  };

  const run = async (job: ClaimedJob): Promise<HandlerOutcome> => {
    const handlers = await load();
    const event = handlerEvent(job);
    // One handler per event name: the map's key matches the event's type (checked by defineHandlers).
    const handler = handlers[event.event] as ((e: typeof event, c: HandlerContext) => unknown) | undefined;
    const logger = options.logger.child({
      handler: options.name,
      jobId: job.id,
      eventId: job.eventId,
      shop: job.shop,
    });
    if (!handler) {
      logger.debug({ event: event.event }, 'module has no handler for this event; nothing to do');
      return { status: 'succeeded' };
    }
    const clients = options.clients;
    const ctx: HandlerContext = {
      jobId: job.id,
      attempt: job.attempt,
      shop: job.shop,
      logger,
      get client() {
        return clients.clientFor(job.shop);
      },
    };
    try {
      await handler(event, ctx);
    } catch (error) {
      // The message is the handler's own text (it may name the customer): stored, never logged. The
      // `non_retryable` code only marks the error (the outcome says it): not repeated in the text.
      const nonRetryable = isNonRetryableError(error);
      const message = `${options.name} (${options.path}) threw: ${describeError(nonRetryable ? (error as Error).message : error)}`;
      return nonRetryable
        ? { status: 'dead', error: message, errorCode: 'handler_non_retryable' }
        : { status: 'retry', error: message, errorCode: 'handler_threw' };
    }
    return { status: 'succeeded' };
  };

  return Object.assign(run, { load });
}

async function importHandlers(path: string, reloads: number): Promise<EventHandlers> {
  let url = pathToFileURL(path).href;
  try {
    const { mtimeMs } = await stat(path);
    if (reloads > 0) url += `?reload=${reloads}-${Math.floor(mtimeMs)}`;
  } catch (error) {
    throw new ModuleHandlerError(
      `Handler module ${path} cannot be read (${describeError(error)}); check the "path" of the module handler`,
      { cause: error },
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new ModuleHandlerError(`Handler module ${path} failed to load: ${describeError(error)}`, {
      cause: error,
    });
  }
  const exported = namespace.default;
  if (exported === undefined) {
    throw new ModuleHandlerError(
      `Handler module ${path} has no default export; end it with \`export default defineHandlers({ order_confirm: async (event, ctx) => {…} })\``,
    );
  }
  if (isDefinedHandlers(exported)) return exported;
  try {
    assertEventHandlers(exported, `the default export of ${path}`);
  } catch (error) {
    throw new ModuleHandlerError((error as Error).message);
  }
  return exported;
}
