/**
 * The CLI's words for a handler name the receiver refused: a name no handler can have (its form), or one
 * it does not have (a typo, as often as not: "did you mean …?", from the receiver's GET /handlers).
 */
import { meantName } from '@srhooks/contracts/meant-name';
import { type CliError, usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { isRunningListen } from './running-listen.js';

/** The `error` of a receiver's refusal, as the admin client reads it. */
export interface RefusalError {
  code?: string;
  field?: string;
  message?: string;
}

/**
 * The receiver refusing a `handler` field for its form (`query.handler: must be a handler name from
 * srhooks.config.json`): not a blank one, which has its own words.
 */
export function isHandlerNameRefusal(error: RefusalError | undefined): boolean {
  return (
    error?.code === 'invalid_request' &&
    error.field === 'handler' &&
    /must be (?:text: )?a handler name from srhooks\.config\.json/.test(error.message ?? '')
  );
}

/** The receiver refusing a `handler` field that names no configured handler (a typo, as often as not). */
export function isUnknownHandlerField(error: RefusalError | undefined): boolean {
  return error?.code === 'unknown_handler' && error.field === 'handler';
}

/**
 * `did you mean --handler console?` for a handler name a few edits away from one of `names` (the
 * receiver's handlers), as an unknown event name is answered; `flag` is where the name was given:
 * `--handler`, or '' for a positional argument (`handlers enable consol`: `did you mean console?`).
 * Undefined when none is that near. Every refusal of an unknown handler name suggests through this.
 */
export function handlerMeant(
  given: string,
  names: readonly string[],
  flag = '--handler',
): string | undefined {
  const meant = meantName(given, names);
  return meant === undefined ? undefined : `did you mean ${flag ? `${flag} ` : ''}${meant}?`;
}

/**
 * {@link handlerMeant} for a `--handler` value the receiver refused, its handlers read with `GET
 * /handlers` (every configured one, as the replay takes any of them); undefined when the list cannot be read.
 */
export async function refusedHandlerMeant(
  given: unknown,
  handlers: () => Promise<{ items: { name: string }[] }>,
): Promise<string | undefined> {
  if (typeof given !== 'string') return undefined;
  const names = await handlers().then(
    (answer) => answer.items.map((item) => item.name),
    () => [],
  );
  return handlerMeant(given, names);
}

/** What a handler name looks like (the receiver's rule for the names under "handlers"). */
export const HANDLER_NAME_RULE =
  'a handler name is 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit (as console, erp or crm.v2)';

/**
 * `--handler` given a name no handler can have, said with the flag, the value and what a name looks
 * like; the hint names the receiver's handlers and where they come from: this config directory's
 * `srhooks listen` names its own after its flags (its user wrote no srhooks.config.json), any other
 * receiver its srhooks.config.json's "handlers".
 */
export async function invalidHandlerName(
  given: unknown,
  receiverUrl: string,
  env: Record<string, string | undefined>,
  handlers: () => Promise<{ items: { name: string }[] }>,
): Promise<CliError> {
  const names = await handlers().then(
    (answer) => answer.items.map((item) => item.name),
    () => null,
  );
  const listen = await isRunningListen(receiverUrl, env);
  const known =
    names === null ? '' : names.length > 0 ? `its handlers: ${names.join(', ')}` : 'it has no handlers';
  const origin = listen
    ? `${productName('listen')} names its handler after its flags: console by default, forward with --forward-to, none with --no-console`
    : 'a receiver\'s handlers are the names under "handlers" in its srhooks.config.json';
  return usageError(
    `--handler ${JSON.stringify(String(given ?? ''))} is not a handler name: ${HANDLER_NAME_RULE}`,
    `${known ? `${known} (${origin})` : origin}; srhooks handlers list shows them`,
    'invalid_handler_name',
  );
}
