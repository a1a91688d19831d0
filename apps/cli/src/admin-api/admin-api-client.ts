import { join } from 'node:path';
import { failureReason, isBadPort } from '@srhooks/client/network-failure';
import { answerJson } from '../answer-json.js';
import { CliError, EXIT_CODES, remoteError, usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { processExists, readListenRunning, readListenSecrets } from '../config/listen-secrets.js';
import { answerWithin, jsonRequestInit, NoAnswerInTimeError, type RequestLimit } from '../request-limit.js';
import { parseHttpUrl } from '../url-option.js';
import { ID_KINDS } from './admin-input.js';
import {
  foreignAnswerError,
  formatWait,
  isReceiverErrorBody,
  isReceiverSuccessBody,
  receiverUrlSource,
  retryAfterSeconds,
} from './foreign-answer.js';
import {
  invalidHandlerName,
  isHandlerNameRefusal,
  isUnknownHandlerField,
  refusedHandlerMeant,
} from './handler-names.js';
import {
  noReceiverError,
  type ReceiverTarget,
  receiverBadPortAdvice,
  receiverTargetAdvice,
  receiverTargetReason,
  resolveReceiverTarget,
} from './receiver-target.js';
import { refusedFieldMessage } from './refused-field.js';

export interface AdminTargetOptions {
  /** `--receiver` */
  receiver?: string;
  /** `--admin-token` */
  adminToken?: string;
  /** `--timeout`, in ms: the time limit of each request (default 30s; src/request-limit.ts). */
  timeout?: number;
}

export interface AdminApi {
  readonly receiverUrl: string;
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<T>;
  /**
   * Opens a stream of the receiver (`path` under its base URL, e.g. the inspector's live stream
   * `/ui/events/stream`) with the same token: the answer as it came, whatever its status (a refused
   * token is read through get(), whose errors say it); only no answer at all throws, as get() does.
   * `--timeout` limits the wait for its headers only: the stream stays open until `signal` aborts.
   */
  openStream(path: string, signal: AbortSignal): Promise<Response>;
}

interface ErrorAnswer {
  ok?: false;
  error?: { code?: string; message?: string; in?: string; field?: string; resource?: string; id?: string };
}

/**
 * An error answer of the admin API that no shared rule below turned into a command-line message: its
 * message as the receiver put it, its code, and what else the answer said (`details`: e.g. `field`,
 * `decodeError`, `reason`), for commands that phrase particular answers themselves.
 */
export class AdminAnswerError extends CliError {
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    message: string,
    code: string,
    details: Record<string, unknown>,
    hint?: string,
  ) {
    super(message, {
      code,
      // a refused request (its values, or a state that does not allow it) is the caller's; a 404 — a
      // thing the receiver does not have — is the receiver saying no (exit 3), as webhooks get's 404
      exitCode: status === 400 || status === 409 ? EXIT_CODES.usage : EXIT_CODES.remote,
      ...(hint === undefined ? {} : { hint }),
    });
    this.name = 'AdminAnswerError';
    this.status = status;
    this.details = details;
  }
}

/**
 * Talks to a receiver's JSON admin API (`/admin/api`, see the receiver's docs/admin-api-and-inspector.md) with the admin
 * token as a Bearer token. Receiver: `--receiver`, else `SRHOOKS_RECEIVER_URL`, else the running
 * `srhooks listen` of this config directory recorded in listen.json, else http://127.0.0.1:4750
 * (receiver-target.ts); a failure names which one was tried and why.
 * Token: `--admin-token`; else, for the running `srhooks listen` found by itself (no `--receiver`,
 * no `SRHOOKS_RECEIVER_URL`), the one it keeps in listen.json — `SRHOOKS_ADMIN_TOKEN` is another
 * receiver's and would only be refused (and count towards the receiver's lock-out); else
 * `SRHOOKS_ADMIN_TOKEN`, else (for a receiver named by flag or variable) listen.json's. The default
 * receiver never gets listen.json's token (that listen does not run): without a token of the flag or
 * the variable nothing is sent. A refused token is never retried: the command stops at the first 401
 * and says where the token came from.
 * Each request gets no more than `--timeout` (default 30s) for its answer: a receiver that accepts the
 * connection and never answers is a `timeout` naming it ({@link noAnswerCheck}).
 */
export async function openAdminApi(
  options: AdminTargetOptions,
  env: Record<string, string | undefined>,
): Promise<AdminApi> {
  const target = await resolveReceiverTarget(options.receiver, env);
  const receiverUrl = target.url;
  const label = options.receiver === undefined ? 'SRHOOKS_RECEIVER_URL' : '--receiver';
  parseHttpUrl(
    label,
    receiverUrl,
    `e.g. ${label === '--receiver' ? '--receiver ' : 'SRHOOKS_RECEIVER_URL='}https://hooks.example.com`,
  );
  const { token, source } = await resolveAdminToken(options, env, target);
  if (!token && target.source === 'default') throw noReceiverError(target, env);
  if (!token) {
    throw usageError(
      'no admin token',
      "pass --admin-token or set SRHOOKS_ADMIN_TOKEN (the receiver's SRHOOKS_ADMIN_TOKEN)",
      'no_admin_token',
    );
  }

  const limit: RequestLimit = {
    timeoutMs: options.timeout,
    noAnswer: (timeoutMs, cause) =>
      new NoAnswerInTimeError(
        `the receiver at ${receiverUrl} (${receiverTargetReason(target, env)})`,
        timeoutMs,
        noAnswerCheck(target),
        cause,
      ),
  };

  /**
   * One request with the token; no answer at all is a `network_error` naming the receiver tried (an
   * aborted one throws what fetch threw: the caller's stop, or the time limit's, said by answerWithin).
   */
  const send = async (
    url: URL,
    init: RequestInit & { headers: Record<string, string> },
  ): Promise<Response> => {
    try {
      return await fetch(url, {
        ...init,
        // a redirect is reported (with the URL to use instead), never followed with the token
        redirect: 'manual',
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      // why, first on the fix's line: a refused connection, a name that does not resolve, https:// to plain http
      const why = failureReason(error);
      throw remoteError(
        `cannot reach the receiver at ${receiverUrl} (${receiverTargetReason(target, env)})`,
        // a port fetch refuses outright: "is it running?" cannot help, another port does
        `${why}; ${isBadPort(error) ? receiverBadPortAdvice(target) : receiverTargetAdvice(target)}`,
        'network_error',
        error,
      );
    }
  };

  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    query: Record<string, string | number | undefined> = {},
  ): Promise<T> => {
    const url = new URL(`${receiverUrl}/admin/api${path}`);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, String(value));
    // the answer read whole within the time limit
    const { response, parsed } = await answerWithin(limit, async (signal) => {
      const response = await send(url, jsonRequestInit(method, body, signal));
      return { response, parsed: (await answerJson(response)).json };
    });
    if (response.ok && isReceiverSuccessBody(parsed)) return parsed as T;
    if (!isReceiverErrorBody(parsed)) {
      throw foreignAnswerError({
        receiverUrl,
        urlSource: receiverUrlSource(options.receiver, env),
        request: `${method} ${url.pathname}`,
        requestUrl: url.href,
        response,
      });
    }
    const answer = parsed as ErrorAnswer;
    const message = answer.error?.message ?? `${response.status} ${response.statusText}`;
    const code = answer.error?.code ?? `http_${response.status}`;
    if (response.status === 401) {
      throw refusedToken(await withRunningListen(target, env), source, env);
    }
    if (response.status === 429 && code === 'too_many_failures') {
      throw throttledToken(receiverUrl, source, retryAfterSeconds(response.headers.get('retry-after')));
    }
    // The receiver answers an unknown route (all of /admin/api when it has no admin token) with a
    // bare 404 not_found; the API's own not-found answers name the resource or have their own code.
    if (
      response.status === 404 &&
      (code === 'http_404' || (code === 'not_found' && !answer.error?.resource))
    ) {
      const base = baseUrlBefore(receiverUrl);
      if (base !== null) {
        const urlSource = receiverUrlSource(options.receiver, env);
        throw remoteError(
          `${receiverUrl} is not a receiver's base URL (the admin API is not under it)`,
          urlSource === 'SRHOOKS_RECEIVER_URL'
            ? `SRHOOKS_RECEIVER_URL takes the base URL the receiver serves /ui and /admin/api under: set it to ${base}`
            : `--receiver takes the base URL the receiver serves /ui and /admin/api under: --receiver ${base}`,
          'no_admin_api',
        );
      }
      throw remoteError(
        `${receiverUrl} has no admin API`,
        'start the receiver with SRHOOKS_ADMIN_TOKEN set (at least 16 characters), or check --receiver',
        'no_admin_api',
      );
    }
    if (response.status === 404 && code === 'not_found' && answer.error?.resource) {
      // The API's own message names the admin API route; on the command line, name the command.
      // Exit 3 (the receiver said no), as an id the shop's API does not have (webhooks get).
      const { resource, id } = answer.error;
      throw remoteError(
        `no ${resource} with id "${id ?? ''}" on ${receiverUrl}`,
        resource === 'event' || resource === 'delivery'
          ? `list them with ${ID_KINDS[resource].listedBy}`
          : undefined,
        'not_found',
      );
    }
    if (response.status === 400 && isHandlerNameRefusal(answer.error)) {
      const given = query.handler ?? (body as { handler?: unknown } | undefined)?.handler;
      throw await invalidHandlerName(given, receiverUrl, env, () =>
        call<{ items: { name: string }[] }>('GET', '/handlers', undefined),
      );
    }
    const { code: _code, message: _message, ...details } = answer.error ?? {};
    const hint =
      response.status === 400 && isUnknownHandlerField(answer.error)
        ? await refusedHandlerMeant(
            query.handler ?? (body as { handler?: unknown } | undefined)?.handler,
            () => call<{ items: { name: string }[] }>('GET', '/handlers', undefined),
          )
        : undefined;
    throw new AdminAnswerError(
      response.status,
      refusedFieldMessage(answer.error, message),
      code,
      details,
      hint,
    );
  };

  return {
    receiverUrl,
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body, query) => call('POST', path, body, query),
    openStream: (path, signal) =>
      answerWithin(
        limit,
        (limited) =>
          send(new URL(`${receiverUrl}${path}`), {
            method: 'GET',
            headers: { accept: 'text/event-stream' },
            signal: limited,
          }),
        signal,
      ),
  };
}

/**
 * What to check when the receiver tried accepted the connection but sent no answer in time (the hint
 * goes on with `--timeout`), by where its URL came from.
 */
function noAnswerCheck(target: ReceiverTarget): string {
  const why =
    'something accepted the connection there but sent no answer (a stuck or overloaded receiver, or a server of another kind)';
  switch (target.source) {
    case 'flag':
      return `check --receiver: ${why}`;
    case 'env':
      return `check SRHOOKS_RECEIVER_URL (--receiver URL overrides it): ${why}`;
    case 'listen':
      return `${productName('listen')} accepted the connection but sent no answer: is it stuck? restart it`;
    case 'default':
      return `check what listens at the default address: ${why}; start srhooks listen with this config directory, or pass --receiver URL or set SRHOOKS_RECEIVER_URL`;
  }
}

/**
 * The receiver's base URL when `url` is one of its pages or API routes as copied from a browser or the
 * docs (`…/ui`, `…/ui/dead-letters`, `…/admin/api`, `…/admin`): the part before it. Null for any
 * other URL (a receiver may run under a path prefix of its own, `https://example.com/hooks-rcv`).
 */
export function baseUrlBefore(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const match = /^(.*?)\/(?:ui|admin)(?:\/.*)?$/.exec(parsed.pathname);
  if (!match) return null;
  return `${parsed.origin}${match[1] ?? ''}`;
}

/** Where the admin token a command sent came from (named when the receiver refuses it). */
export type AdminTokenSource = { kind: 'flag' } | { kind: 'env' } | { kind: 'listen'; file: string };

/**
 * The admin token and where it came from: `--admin-token` always wins; the running listen found by
 * itself gets its own token from listen.json (`SRHOOKS_ADMIN_TOKEN` names another receiver's);
 * any other receiver gets `SRHOOKS_ADMIN_TOKEN`, else listen.json's.
 */
export async function resolveAdminToken(
  options: AdminTargetOptions,
  env: Record<string, string | undefined>,
  target: ReceiverTarget,
): Promise<{ token: string | undefined; source: AdminTokenSource }> {
  if (options.adminToken !== undefined) return { token: options.adminToken, source: { kind: 'flag' } };
  const configDir = resolveConfigDir(env);
  const fromListen = async () => ({
    token: (await readListenSecrets(configDir))?.adminToken,
    source: { kind: 'listen', file: join(configDir, 'listen.json') } as const,
  });
  const fromEnv = env.SRHOOKS_ADMIN_TOKEN?.trim() || undefined;
  if (target.source === 'listen') {
    const listen = await fromListen();
    if (listen.token) return listen;
  }
  if (fromEnv) return { token: fromEnv, source: { kind: 'env' } };
  // the default receiver is not this config directory's listen (that one does not run)
  if (target.source === 'default') return { token: undefined, source: { kind: 'env' } };
  return fromListen();
}

/** Where a token came from, in the words of the flag, variable or file that gave it. */
function tokenSourceText(source: AdminTokenSource): string {
  switch (source.kind) {
    case 'flag':
      return '--admin-token';
    case 'env':
      return 'SRHOOKS_ADMIN_TOKEN';
    case 'listen':
      return `${productName('listen')}'s token (${source.file})`;
  }
}

/**
 * A 429 `too_many_failures`: the receiver refuses every admin token from this address, the right one
 * too, until its window has passed (Retry-After). Names where this command's token came from.
 */
function throttledToken(
  receiverUrl: string,
  source: AdminTokenSource,
  waitSeconds: number | undefined,
): CliError {
  const wait = waitSeconds === undefined ? 'for a while' : `for ${formatWait(waitSeconds)} more`;
  return remoteError(
    `the receiver at ${receiverUrl} refuses every admin token from this address ${wait} (too many wrong tokens); this command's came from ${tokenSourceText(source)}`,
    `even the correct token is refused until then: wait${waitSeconds === undefined ? '' : ` ${formatWait(waitSeconds)}`}, then try again with the token the receiver was started with (its SRHOOKS_ADMIN_TOKEN) in ${source.kind === 'listen' ? '--admin-token or SRHOOKS_ADMIN_TOKEN' : tokenSourceText(source)}`,
    'too_many_failures',
  );
}

/** `url` compared as a receiver's address: `localhost` is 127.0.0.1, no trailing slash. */
function sameReceiver(a: string, b: string): boolean {
  const normal = (url: string) => {
    try {
      const parsed = new URL(url);
      if (parsed.hostname === 'localhost') parsed.hostname = '127.0.0.1';
      return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    } catch {
      return url;
    }
  };
  return normal(a) === normal(b);
}

/**
 * `target` with this config directory's running listen when `--receiver` or SRHOOKS_RECEIVER_URL names
 * it (listen.json records where it runs): a refusal can then say where its token is.
 */
async function withRunningListen(
  target: ReceiverTarget,
  env: Record<string, string | undefined>,
): Promise<ReceiverTarget> {
  if (target.listen !== undefined || (target.source !== 'flag' && target.source !== 'env')) return target;
  const running = await readListenRunning(resolveConfigDir(env)).catch(() => undefined);
  if (!running?.alive || !sameReceiver(running.url, target.url)) return target;
  const { alive: _alive, ...listen } = running;
  return { ...target, listen };
}

/** A 401: which token was refused (by where it came from, never its value) and what to do. */
function refusedToken(
  target: ReceiverTarget,
  source: AdminTokenSource,
  env: Record<string, string | undefined>,
): CliError {
  // a listen found earlier (events tail follows one) may have stopped since, and another receiver taken its port
  const stoppedListen =
    target.listen !== undefined && !processExists(target.listen.pid) ? target.listen : undefined;
  const listenPid = stoppedListen ? undefined : target.listen?.pid;
  const receiver =
    listenPid !== undefined
      ? `${productName('listen')} (${target.url}, process ${listenPid})`
      : stoppedListen !== undefined
        ? `the receiver at ${target.url} (not ${productName('listen')}: its process ${stoppedListen.pid} has stopped)`
        : target.source === 'default'
          ? `the receiver at ${target.url} (${receiverTargetReason(target, env)})`
          : `the receiver at ${target.url}`;
  const otherListen =
    target.source === 'default'
      ? `; if it is another config directory's ${productName('listen')}, run the command with that SRHOOKS_CONFIG_DIR`
      : '';
  // where a listen keeps its admin token (the listen.json of its config directory)
  const listenToken = `${productName('listen')}'s own token (adminToken in ${join(target.configDir ?? resolveConfigDir(env), 'listen.json')})`;
  // without --admin-token, a receiver named by --receiver or SRHOOKS_RECEIVER_URL gets SRHOOKS_ADMIN_TOKEN first
  const envTokenToo = target.source !== 'listen' && Boolean(env.SRHOOKS_ADMIN_TOKEN?.trim());
  switch (source.kind) {
    case 'flag':
      return remoteError(
        `${receiver} refused the admin token given with --admin-token`,
        listenPid === undefined
          ? `pass the token the receiver was started with (its SRHOOKS_ADMIN_TOKEN; a ${productName('listen')}'s is adminToken in its config directory's listen.json)${otherListen}`
          : `leave --admin-token out${envTokenToo ? ' and unset SRHOOKS_ADMIN_TOKEN' : ''}: ${listenToken} is used`,
        'unauthorized',
      );
    case 'env':
      return remoteError(
        `${receiver} refused the admin token in SRHOOKS_ADMIN_TOKEN`,
        listenPid === undefined
          ? `set SRHOOKS_ADMIN_TOKEN (or pass --admin-token) to the token this receiver was started with (its own SRHOOKS_ADMIN_TOKEN; a ${productName('listen')}'s is adminToken in its config directory's listen.json), or unset it (the receiver locks the admin API after repeated wrong tokens)${otherListen}`
          : `unset SRHOOKS_ADMIN_TOKEN: ${listenToken} is then used`,
        'unauthorized',
      );
    case 'listen':
      return remoteError(
        `${receiver} refused ${productName('listen')}'s admin token (from ${source.file})`,
        listenPid !== undefined
          ? 'listen.json was changed after this listen started: restart srhooks listen'
          : stoppedListen !== undefined
            ? `start ${productName('listen')} again, or pass this receiver's own token with --admin-token or SRHOOKS_ADMIN_TOKEN`
            : `this receiver is not the local ${productName('listen')}: pass its own token with --admin-token or SRHOOKS_ADMIN_TOKEN`,
        'unauthorized',
      );
  }
}
