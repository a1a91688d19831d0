/**
 * docs/monitoring.md names every `errorCode` the receiver writes to its log lines and stores with a
 * failed attempt (the job worker's `job failed; retry scheduled` / `job dead-lettered…`, a route's expected
 * failure): the codes are read from the receiver's own source, in the forms it produces them in, and each
 * must appear in the page as `code`. A code added to the source without a word in the page fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const SRC = new URL('..', import.meta.url).pathname;
const MONITORING_DOC = new URL('../../docs/monitoring.md', import.meta.url);

/** Codes of errors that end a start (a configuration the receiver refuses), never an attempt's or a request's. */
const NOT_LOGGED_AS_ERROR_CODE = new Set(['processing_config_invalid']);

const CODE = '([a-z]+(?:_[a-z]+)+)';

/** The receiver's source files (no tests, no test support). */
function sourceFiles(): Array<{ path: string; text: string }> {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('test-support'))
    .map((path) => ({ path, text: readFileSync(join(SRC, path), 'utf8') }));
}

/** Each code with the first file that produces it. */
function producedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const add = (code: string, path: string) => {
    if (!NOT_LOGGED_AS_ERROR_CODE.has(code) && !codes.has(code)) codes.set(code, path);
  };
  for (const { path, text } of sourceFiles()) {
    // errorCode: 'x' / errorCode = 'x' / errorCode ?? 'x' (an outcome, a log line, a route's expected failure)
    for (const [, code] of text.matchAll(new RegExp(`errorCode\\??\\s*(?::|=|\\?\\?)\\s*'${CODE}'`, 'g')))
      add(code as string, path);
    // a ProcessingError's code: a handler that throws it fails its attempt with that code (thrownErrorCode)
    for (const [, body] of text.matchAll(/extends ProcessingError \{([\s\S]*?)\n\}/g))
      for (const [, code] of (body as string).matchAll(new RegExp(`super\\(\\s*'${CODE}'`, 'g')))
        add(code as string, path);
    // the broker handlers' codes, the fallback code, the codes the receiver words a summary for
    const union = /export type BrokerErrorCode =([^;]*);/.exec(text);
    if (union)
      for (const [, code] of (union[1] as string).matchAll(new RegExp(`'${CODE}'`, 'g')))
        add(code as string, path);
    const fallback = /export const HANDLER_ERROR = '([a-z_]+)'/.exec(text);
    if (fallback) add(fallback[1] as string, path);
    const summaries = /const CODE_SUMMARIES[^=]*= \{([\s\S]*?)\n\};/.exec(text);
    if (summaries)
      for (const [, code] of (summaries[1] as string).matchAll(new RegExp(`^\\s*${CODE}:`, 'gm')))
        add(code as string, path);
    // the forward handler's codes, chosen by the target's answer
    if (path.endsWith('handlers/forward.ts'))
      for (const [, code] of text.matchAll(/'(target_[a-z_]+)'/g)) add(code as string, path);
  }
  return codes;
}

it('reads the codes the receiver produces from its source, in every form it produces them', () => {
  const produced = producedCodes();
  // one of each form: an outcome's errorCode, a ProcessingError, the broker union, the fallback, a summary, forward's
  for (const code of [
    'handler_interrupted',
    'handler_shutdown',
    'broker_out_of_resources',
    'handler_error',
    'broker_client_missing',
    'target_gone',
    'shop_api_failed',
  ])
    expect(produced.has(code), code).toBe(true);
  expect(produced.has('processing_config_invalid')).toBe(false);
});

it('docs/monitoring.md names every errorCode the receiver produces', () => {
  const documented = new Set(
    [...readFileSync(MONITORING_DOC, 'utf8').matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)].map(([, code]) => code),
  );
  const missing = [...producedCodes()]
    .filter(([code]) => !documented.has(code))
    .map(([code, path]) => `${code} (${path})`);
  expect(missing).toEqual([]);
});
