/**
 * The `module` handler: a user's ESM file, `export default defineHandlers({ order_confirm: … })`,
 * imported from an absolute path on first use. The handler for the job's event gets the typed event and
 * `ctx` (job id, attempt, shop, logger, lazily created ShopRenter client). Returning = done; throwing =
 * retry (NonRetryableError = dead-letter at once); no handler for the event = done, nothing to do.
 *
 * A file that fails to load is imported again on the next attempt (with a cache-busting query), so
 * fixing that file and waiting for the retry (or replaying) is enough; the files it imports are Node's
 * to cache, so a fix in one of them (and any edit of a file that loaded) takes a restart, which the
 * first run after an edit of the file says (`module_handler_changed`).
 *
 * Each call has a time limit (`timeoutMs`, default 30 s): when it passes, `ctx.signal` is aborted and the
 * attempt fails at once (`handler_timeout`, retried per the schedule, then dead-lettered), freeing the
 * worker's slot. A promise cannot be cancelled, so the call may go on: whatever it does later (resolve
 * or reject) is ignored and never records a second outcome. `close()` (the worker stopping without
 * waiting any longer) aborts the signal of every call still running.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileProblem } from '@srhooks/contracts/file-problem';
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
import { describeError, type HandlerOutcome, thrownErrorCode } from '../handler-outcome.js';
import {
  HandlerShutdownError,
  ModuleHandlerError,
  ModuleHandlerTimeoutError,
  ProcessingConfigError,
} from '../processing-errors.js';
import type { ShopClients } from '../shop-clients.js';
import { maskingLogger } from './masking-logger.js';
import { syntaxErrorPlace } from './syntax-error-place.js';

export interface ModuleHandlerOptions {
  name: string;
  /** Absolute path of the ESM file. */
  path: string;
  logger: Logger;
  clients: ShopClients;
  /** Time limit of one handler call; default 30 s. */
  timeoutMs?: number;
  /** How often a run looks whether the loaded file was edited since (one `stat`); default 2 s. */
  changeCheckIntervalMs?: number;
}

export const DEFAULT_MODULE_TIMEOUT_MS = 30_000;

export interface ModuleHandler {
  (job: ClaimedJob): Promise<HandlerOutcome>;
  /** Imports the file now (e.g. at start-up, to fail early); throws ModuleHandlerError. */
  load(): Promise<EventHandlers>;
  /** Aborts `ctx.signal` of every call still running (the worker stopped waiting for them). */
  close(): Promise<void>;
}

/** How a call ended: its own result, or the time limit / shutdown, whichever came first. */
type CallEnd =
  | { settled: 'returned' }
  | { settled: 'threw'; error: unknown }
  | { settled: 'cut'; error: Error };

export function createModuleHandler(options: ModuleHandlerOptions): ModuleHandler {
  if (!isAbsolute(options.path)) {
    throw new ProcessingConfigError(
      `handlers.${options.name}.path must be an absolute path (relative paths are resolved from the config file by loadConfig), got "${options.path}"`,
    );
  }
  let loaded: Promise<EventHandlers> | null = null;
  let failures = 0;
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODULE_TIMEOUT_MS;
  /** Calls running now, by their abort controller; each one's `cut` ends its race at once. */
  const running = new Map<AbortController, (error: Error) => void>();

  const load = (): Promise<EventHandlers> => {
    if (!loaded) {
      loaded = withLoadLimit(importHandlers(options.path, failures), options.path, timeoutMs).then(
        ({ handlers, mtimeMs }) => {
          edits.loaded(mtimeMs);
          return handlers;
        },
        (error: unknown) => {
          loaded = null;
          failures += 1;
          throw error;
        },
      );
    }
    return loaded;
  };
  const edits = editWatch(options);

  const run = async (job: ClaimedJob): Promise<HandlerOutcome> => {
    const handlers = await load();
    await edits.check();
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
    const controller = new AbortController();
    const ctx: HandlerContext = {
      jobId: job.id,
      attempt: job.attempt,
      shop: job.shop,
      // the handler's own lines: the objects it logs are masked (names, addresses: no personal data)
      logger: maskingLogger(logger),
      signal: controller.signal,
      get client() {
        return clients.clientFor(job.shop);
      },
    };
    const end = await callWithLimit(
      () => handler(event, ctx),
      controller,
      timeoutMs,
      () => new ModuleHandlerTimeoutError(options.name, timeoutMs),
      running,
      () => logger.info('module handler settled after its time limit or shutdown; ignored'),
    );
    if (end.settled === 'returned') return { status: 'succeeded' };
    if (end.settled === 'cut') {
      return { status: 'retry', error: end.error.message, errorCode: thrownErrorCode(end.error) };
    }
    // The message is the handler's own text (it may name the customer): stored, never logged. The
    // `non_retryable` code only marks the error (the outcome says it): not repeated in the text.
    const { error } = end;
    const nonRetryable = isNonRetryableError(error);
    const message = `${options.name} (${options.path}) threw: ${describeError(nonRetryable ? (error as Error).message : error)}`;
    return nonRetryable
      ? { status: 'dead', error: message, errorCode: 'handler_non_retryable' }
      : { status: 'retry', error: message, errorCode: 'handler_threw' };
  };

  const close = async (): Promise<void> => {
    for (const cut of [...running.values()]) cut(new HandlerShutdownError(options.name));
  };

  return Object.assign(run, { load, close });
}

/**
 * Runs `call` until it settles, `timeoutMs` passes, or `running`'s entry for it is called (shutdown),
 * whichever comes first; the latter two abort `controller` with their error. A call that settles after
 * that is only reported through `late` (its result, even a rejection, is ignored).
 */
async function callWithLimit(
  call: () => unknown,
  controller: AbortController,
  timeoutMs: number,
  timeoutError: () => Error,
  running: Map<AbortController, (error: Error) => void>,
  late: () => void,
): Promise<CallEnd> {
  let cutShort: (error: Error) => void = () => {};
  const cut = new Promise<CallEnd>((resolve) => {
    cutShort = (error) => {
      if (!controller.signal.aborted) controller.abort(error);
      resolve({ settled: 'cut', error });
    };
  });
  const timer = setTimeout(() => cutShort(timeoutError()), timeoutMs);
  running.set(controller, cutShort);
  let over = false;
  const own = (async (): Promise<CallEnd> => {
    try {
      await call();
      return { settled: 'returned' };
    } catch (error) {
      return { settled: 'threw', error };
    } finally {
      if (over) late();
    }
  })();
  try {
    return await Promise.race([own, cut]);
  } finally {
    over = true;
    clearTimeout(timer);
    running.delete(controller);
  }
}

/**
 * A package the handler file imports that Node cannot find from the file's folder: Node's text without
 * its "Did you mean to import <a file of the receiver>?" (it guesses from the receiver's own
 * node_modules), and where packages are looked up. null for any other error.
 */
function missingPackage(error: unknown): string | null {
  if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' || !(error instanceof Error)) return null;
  const match = /^(Cannot find package '([^']+)' imported from \S+)/.exec(error.message);
  if (!match?.[1] || !match[2]) return null;
  const name = match[2];
  const plain = name.startsWith('@srhooks/receiver')
    ? ', or export a plain object instead (export default { order_confirm: async (event, ctx) => {…} }: defineHandlers only adds type checking)'
    : '';
  return `ERR_MODULE_NOT_FOUND: ${match[1]}; packages a handler imports are looked up from its own folder upwards (node_modules), not from the receiver's: install them there (npm install ${name})${plain}`;
}

/**
 * The module's import within `timeoutMs`: a top-level `await` that never settles would otherwise hold
 * every job of the handler (each waits for the import) and the start-up check for ever. The import
 * itself cannot be stopped; the next attempt imports the file afresh (`?reload=`).
 */
function withLoadLimit<T>(loading: Promise<T>, path: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ModuleHandlerError(
            `Handler module ${path} did not finish loading within ${timeoutMs} ms (a top-level await that never settles?); make its top-level code finish, or raise the handler's "timeoutMs"`,
          ),
        ),
      timeoutMs,
    );
    timer.unref();
  });
  return Promise.race([loading, limit]).finally(() => clearTimeout(timer));
}

/**
 * The file is imported once: an edit takes effect at the next start. The first run after an edit
 * (looked at once per `changeCheckIntervalMs`) warns that the receiver still runs the loaded version.
 */
function editWatch(options: ModuleHandlerOptions): { loaded(mtimeMs: number): void; check(): Promise<void> } {
  const interval = options.changeCheckIntervalMs ?? 2_000;
  let loadedMtimeMs: number | null = null;
  let warnedFor: number | null = null;
  let checkedAt = Number.NEGATIVE_INFINITY;
  return {
    loaded(mtimeMs) {
      loadedMtimeMs = mtimeMs;
    },
    async check() {
      const now = Date.now();
      if (loadedMtimeMs === null || now - checkedAt < interval) return;
      checkedAt = now;
      const mtimeMs = await stat(options.path).then(
        (stats) => stats.mtimeMs,
        () => null,
      );
      if (mtimeMs === null || mtimeMs === loadedMtimeMs || mtimeMs === warnedFor) return;
      warnedFor = mtimeMs;
      options.logger.warn(
        { handler: options.name, code: 'module_handler_changed', path: options.path },
        `handler module ${options.path} changed after the receiver loaded it; the receiver still runs the version it loaded (retries and replays too): restart the receiver to run the new one`,
      );
    },
  };
}

async function importHandlers(
  path: string,
  reloads: number,
): Promise<{ handlers: EventHandlers; mtimeMs: number }> {
  let url = pathToFileURL(path).href;
  let directory = false;
  let mtimeMs = 0;
  try {
    const stats = await stat(path);
    directory = stats.isDirectory();
    mtimeMs = stats.mtimeMs;
    if (reloads > 0) url += `?reload=${reloads}-${Math.floor(stats.mtimeMs)}`;
  } catch (error) {
    throw new ModuleHandlerError(
      `Handler module ${path} ${fileProblem(error)}; check the "path" of the module handler (relative paths are resolved from the config file's directory), or build it first if it is compiled output`,
      { cause: error },
    );
  }
  if (directory) {
    // import() would say ERR_UNSUPPORTED_DIR_IMPORT, in words about resolving from the receiver's dist
    throw new ModuleHandlerError(
      `Handler module ${path} is a directory, not a file; give "path" the module file in it (such as ${join(path, 'handlers.mjs')})`,
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?$/.test(path)) {
      throw new ModuleHandlerError(
        `Handler module ${path} failed to load: it is TypeScript, which Node does not run: compile it to ESM JavaScript (tsc with "module": "NodeNext") and point "path" at the compiled .js file`,
        { cause: error },
      );
    }
    const missing = missingPackage(error);
    if (missing) {
      throw new ModuleHandlerError(`Handler module ${path} failed to load: ${missing}`, { cause: error });
    }
    // Node's SyntaxError names no file or line: say where, or that it is in a file this one imports
    const place = await syntaxErrorPlace(path, error);
    const advice = place?.includes('in a file it imports')
      ? '; run node --check on the files it imports to find it, then restart the receiver (Node keeps a file it imports as it first loaded it)'
      : '';
    throw new ModuleHandlerError(
      `Handler module ${path} failed to load: ${place ? `${place}: ` : ''}${describeError(error)}${advice}`,
      { cause: error },
    );
  }
  const exported = namespace.default;
  if (exported === undefined) {
    throw new ModuleHandlerError(
      `Handler module ${path} has no default export; end it with \`export default defineHandlers({ order_confirm: async (event, ctx) => {…} })\``,
    );
  }
  if (isDefinedHandlers(exported)) return { handlers: exported, mtimeMs };
  try {
    assertEventHandlers(exported, `the default export of ${path}`);
  } catch (error) {
    throw new ModuleHandlerError((error as Error).message);
  }
  return { handlers: exported, mtimeMs };
}
