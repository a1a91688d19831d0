/**
 * Three of the log scrubber's replacements (redact-log-line.ts) done in time linear in the line's length.
 *
 * As regular expressions (kept below as the definition each function reproduces exactly), they were tried
 * at every position of a run of the characters they start with, and each try read to the run's end:
 * quadratic. Every log line passes the scrubber, and a line carries text anyone can send (the request
 * line's `userAgent`, a refused login's `origin`): one request with a 16 KB User-Agent of `@%aaaa…` held the
 * event loop for about 200 ms, ten of them 2 s, with deliveries waiting meanwhile. These functions find each
 * match from its anchor instead (the `@`, the `eyJ`, the run around a `%xx`) and never read a character
 * more than a few times. `linear-redactions.test.ts` checks them against the expressions on generated text.
 */

/** `[A-Za-z0-9._%+-]`: a character of an e-mail address's local part. */
function isLocalPartChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x25 || // %
    code === 0x2b || // +
    code === 0x2d // -
  );
}

/** The domain after the `@`, matched where it starts (sticky); linear: its segments are split by dots. */
const EMAIL_DOMAIN = /[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/y;

/**
 * `text.replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, replacement)`.
 *
 * The leftmost match for an `@` starts where the run of local-part characters before it starts (or where
 * the previous match ended, if later): the local part cannot hold an `@`, so each `@` is looked at once,
 * and the runs read backwards from consecutive `@`s never overlap.
 */
export function replaceEmails(text: string, replacement: string): string {
  let out = '';
  let last = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > last && isLocalPartChar(text.charCodeAt(start - 1))) start -= 1;
    if (start < at) {
      EMAIL_DOMAIN.lastIndex = at + 1;
      if (EMAIL_DOMAIN.exec(text) !== null) {
        out += text.slice(last, start) + replacement;
        last = EMAIL_DOMAIN.lastIndex;
        at = text.indexOf('@', last);
        continue;
      }
    }
    at = text.indexOf('@', at + 1);
  }
  return last === 0 ? text : out + text.slice(last);
}

/** `[A-Za-z0-9_-]*` from where it is set (sticky): the end of a token segment. */
const JWT_SEGMENT = /[A-Za-z0-9_-]*/y;

function segmentEnd(text: string, from: number): number {
  JWT_SEGMENT.lastIndex = from;
  JWT_SEGMENT.exec(text);
  return JWT_SEGMENT.lastIndex;
}

/**
 * `text.replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, replacement)`.
 *
 * When an `eyJ` does not start a match, no later `eyJ` of the same first segment does either (its first
 * segment ends at the same place, the rest is the same text), so the search goes on after that segment.
 */
export function replaceJwts(text: string, replacement: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  for (let start = text.indexOf('eyJ'); start !== -1; start = text.indexOf('eyJ', from)) {
    const first = segmentEnd(text, start + 3);
    from = first;
    if (first === start + 3 || text.charCodeAt(first) !== 0x2e) continue;
    const second = segmentEnd(text, first + 1);
    if (second === first + 1 || text.charCodeAt(second) !== 0x2e) continue;
    const third = segmentEnd(text, second + 1);
    if (third === second + 1) continue;
    out += text.slice(last, start) + replacement;
    last = third;
    from = third;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A run of characters up to a delimiter (`[^\s"&?=/]`), and a `%xx` escape inside one. */
const RUN = /[^\s"&?=/]+/g;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * `text.replace(/[^\s"&?=/]*%[0-9A-Fa-f]{2}[^\s"&?=/]*\/g, replace)`: every run between delimiters that
 * holds a `%xx` escape, whole (the expression's match is always the whole run: it cannot cross a delimiter,
 * and its stars take the run's characters before and after the escape).
 */
export function replacePercentEncodedRuns(text: string, replace: (run: string) => string): string {
  if (!text.includes('%')) return text;
  return text.replace(RUN, (run) => (PERCENT_ESCAPE.test(run) ? replace(run) : run));
}
