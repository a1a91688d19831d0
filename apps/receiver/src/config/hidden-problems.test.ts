/**
 * A problem that hid others until it was fixed (one more restart per round): an invalid handler name
 * (zod skipped its definition and the NATS server checks), an invalid app block (its handler names went
 * unchecked). Every problem is said in one run.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defineReceiverConfig } from './load-config.js';

const SECRET = 'a-very-secret-value-0001';

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('a problem hides no other', () => {
  it('an invalid handler name hides no other problem: its definition, the other handlers, the rest', () => {
    const lines = problems(() =>
      defineReceiverConfig({
        secrets: [SECRET],
        bodyLimit: 99,
        handlers: {
          'bad name!': { type: 'forward', url: 'nope' },
          '-also-bad': { type: 'log' },
          queue: { type: 'nats', servers: 'http://127.0.0.1:4222' },
        },
        shops: [{ name: 'a', handlers: ['bad name!', 'nope'] }],
      } as never),
    );
    const name =
      'is not an allowed name: a handler name is 1 to 63 letters, digits, "_", "." and "-", starting with a letter or digit';
    expect(lines).toEqual([
      'bodyLimit: must be at least 1024 bytes',
      'handlers.bad name!.url: must be an http(s) URL',
      expect.stringMatching(/^handlers\.bad name!\.secret: is missing: the Standard Webhooks secret/),
      `handlers.bad name!: ${name}`,
      `handlers.-also-bad: ${name}`,
      expect.stringMatching(
        /^handlers\.queue\.servers: handler "queue": "http:\/\/127\.0\.0\.1:4222" has scheme http:\/\//,
      ),
      'shops[0].handlers[1]: unknown handler "nope"; define it under "handlers" (defined: bad name!, -also-bad, queue)',
    ]);
  });

  it("an invalid app block does not hide an unknown handler in the app's handlers", () => {
    const lines = problems(() =>
      defineReceiverConfig({
        secrets: [SECRET],
        publicUrl: 'https://hooks.example.com',
        app: { appId: 1, clientId: '', clientSecret: 's', handlers: ['erp', 'nope'] },
        handlers: { erp: { type: 'log' } },
      } as never),
    );
    expect(lines).toEqual([
      'app.clientId: the app’s ClientId is required',
      'app.handlers[1]: unknown handler "nope"; define it under "handlers" (defined: erp)',
    ]);
  });
});
