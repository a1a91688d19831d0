/**
 * `srhooks listen --body-limit SIZE`: the embedded receiver's body limit, read by the receiver's own
 * rules (its SRHOOKS_BODY_LIMIT converter for the text, its `bodyLimit` schema for the range), and a
 * too_large delivery's advice in listen's words: the receiver's names SRHOOKS_BODY_LIMIT and "bodyLimit",
 * settings listen does not read.
 */
import type { LimitAdvice } from '@srhooks/receiver';
import { usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';

/**
 * `--body-limit` in bytes, parsed and checked as the receiver parses and checks SRHOOKS_BODY_LIMIT (its
 * exported converter and schema: one rule, not a copy); a usage error naming the flag otherwise.
 */
export async function parseListenBodyLimit(raw: string): Promise<number> {
  const { ENV_VARIABLES, ReceiverConfigSchema } = await import('@srhooks/receiver');
  const [, convert] = ENV_VARIABLES.SRHOOKS_BODY_LIMIT;
  let bytes: unknown;
  try {
    bytes = convert(raw);
  } catch (error) {
    // the receiver's words for the text: `must be a size in bytes such as …, got "…"`
    throw usageError(
      `--body-limit ${(error as Error).message}`,
      'give a size such as 2097152 (bytes), 512kb or 8mb (binary units: 1kb = 1024 bytes), from 1kb to 64mb; default 2mb',
      'invalid_body_limit',
    );
  }
  const checked = ReceiverConfigSchema.shape.bodyLimit.safeParse(bytes);
  if (!checked.success) {
    throw usageError(
      `--body-limit ${raw.trim()} ${checked.error.issues[0]?.message ?? 'is out of range'} (it is ${bytes} bytes)`,
      'give a size from 1kb to 64mb, e.g. --body-limit 8mb (default 2mb)',
      'invalid_body_limit',
    );
  }
  return checked.data;
}

/**
 * The advice closing a too_large reason, after what happened (`… stored raw, not decoded.`): the
 * receiver's (`Raise SRHOOKS_BODY_LIMIT …`) or, stored by listen's receiver, listen's (listenLimitAdvice).
 */
const STORED_ADVICE = /(stored raw, not decoded\.)[\s\S]*$/;

/**
 * What the embedded receiver's own size refusals say (a too_large reason it stores, shown on its inspector
 * pages and in a sender's 400; the 413 over its hard limit): listen's flag, not the receiver's settings.
 */
export function listenLimitAdvice(): LimitAdvice {
  // Stored and answered by the receiver, read outside listen's output (no name marks: productName)
  return {
    bodyLimit: 'Restart srhooks listen with a larger --body-limit (at most 64mb) and re-process it.',
    bodyHardLimit:
      'srhooks listen takes bodies up to 64 MiB (--body-limit at most 64mb); a receiver run on its own takes larger ones with SRHOOKS_BODY_HARD_LIMIT.',
  };
}

/**
 * A too_large decode error's message as listen says it: what happened as the receiver put it, then what
 * listen accepts (`--body-limit`) and how to decode the stored body now (re-processing takes it whatever
 * the limit). Any other code's message as it is.
 */
export function listenTooLargeMessage(code: string, message: string, deliveryId: string): string {
  if (code !== 'too_large') return message;
  const what = message.replace(STORED_ADVICE, '$1');
  // a limit that takes this body: its size rounded up to whole MiB (the receiver takes at most 64mb)
  const bytes = Number(/^The body is (\d+) bytes/.exec(message)?.[1] ?? Number.NaN);
  const mib = Number.isFinite(bytes) ? Math.min(64, Math.max(1, Math.ceil(bytes / 1024 ** 2))) : 8;
  return (
    `${what} To take bodies this large as they arrive, restart ${productName('listen')} with --body-limit ${mib}mb ` +
    `(or larger, at most 64mb). This one is kept: srhooks deliveries reprocess ${deliveryId} decodes it now.`
  );
}
