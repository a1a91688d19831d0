import { describe, expect, it } from 'vitest';
import { generatedText as generated } from '../test-support/generated-text.js';
import { replaceEmails, replaceJwts, replacePercentEncodedRuns } from './linear-redactions.js';
import { createLineRedactor } from './redact-log-line.js';

// The expressions the functions reproduce (what the scrubber used before; quadratic on long runs).
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const PERCENT_ENCODED_RUN = /[^\s"&?=/]*%[0-9A-Fa-f]{2}[^\s"&?=/]*/g;

const EMAIL_ALPHABET = ['a', 'b', 'Z', '1', '.', '-', '_', '+', '%', '@', '@', ' ', '"', 'co', 'hu', '@x.hu'];
const JWT_ALPHABET = ['eyJ', 'eyJ', 'e', 'y', 'J', 'a', '1', '-', '_', '.', '.', ' ', '"', '='];
const PERCENT_ALPHABET = [
  '%',
  '%4',
  '%40',
  '%2B',
  'a',
  'F',
  '9',
  ' ',
  '"',
  '&',
  '?',
  '=',
  '/',
  '\t',
  '\u00a0',
  'é',
];

describe('linear redactions', () => {
  it('replace exactly what the expressions they stand for replace (20,000 generated lines each)', () => {
    for (let seed = 1; seed <= 20_000; seed += 1) {
      const length = 1 + (seed % 40);
      const emails = generated(seed, EMAIL_ALPHABET, length);
      expect(replaceEmails(emails, '[email]'), `seed ${seed}: ${emails}`).toBe(
        emails.replace(EMAIL, '[email]'),
      );
      const jwts = generated(seed, JWT_ALPHABET, length);
      expect(replaceJwts(jwts, '[jwt]'), `seed ${seed}: ${jwts}`).toBe(jwts.replace(JWT, '[jwt]'));
      const runs = generated(seed, PERCENT_ALPHABET, length);
      const mark = (run: string) => `<${run.length}>`;
      expect(replacePercentEncodedRuns(runs, mark), `seed ${seed}: ${runs}`).toBe(
        runs.replace(PERCENT_ENCODED_RUN, mark),
      );
    }
  });

  it('keep the cases the scrubber is for', () => {
    expect(replaceEmails('to Kovacs.Eva+x@mail.example.hu, cc a@b.co', '[email]')).toBe(
      'to [email], cc [email]',
    );
    expect(replaceEmails('a@b.com.x@y.org', '[email]')).toBe('[email][email]');
    expect(replaceEmails('no address @ here', '[email]')).toBe('no address @ here');
    expect(replaceJwts('Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl done', '[jwt]')).toBe('Bearer [jwt] done');
    expect(replacePercentEncodedRuns('q=kovacs%40gmail.com&x=1', (run) => `[${run}]`)).toBe(
      'q=[kovacs%40gmail.com]&x=1',
    );
  });

  it('scrub a 64 KB log line of attacker-chosen text in linear time (a request line’s User-Agent)', () => {
    const redact = createLineRedactor(['a-configured-secret']);
    const n = 64 * 1024;
    // Each of these took seconds with the expressions (every position of the run read the rest of it).
    const lines = [
      `{"msg":"request completed","userAgent":"@%${'a'.repeat(n)}"}`,
      `{"userAgent":"${'a'.repeat(n)}@"}`,
      `{"userAgent":"${'eyJ'.repeat(n / 3)}"}`,
      `{"userAgent":"${'%'.repeat(n)}"}`,
      `{"${'token'.repeat(n / 5)}`,
    ];
    for (const line of lines) {
      const started = performance.now();
      redact(line);
      expect(performance.now() - started, line.slice(0, 40)).toBeLessThan(1000);
    }
  });
});
