/**
 * NATS subjects the handler publishes to, and the subjects a stream it creates captures, checked at
 * start-up: NATS refuses to publish to a subject with whitespace, an empty token or a wildcard (or
 * the publish reaches no stream), so a mistake here would fail every attempt of every job for the
 * whole retry schedule and then dead-letter it, instead of stopping start-up with one clear line.
 */

const WHITESPACE = /\s/;

function whitespaceProblem(subject: string): string | undefined {
  const match = WHITESPACE.exec(subject);
  if (!match) return undefined;
  return match[0] === ' ' ? 'has a space' : 'has a whitespace character';
}

/**
 * What makes a `subject` template unusable for a publish, or undefined. `{shop}` and `{event}` are
 * filled with names that are always valid tokens (lowercase letters, digits, `-`, `_`).
 */
export function natsPublishSubjectProblem(template: string): string | undefined {
  const problem =
    whitespaceProblem(template) ??
    (template.split('.').some((token) => token === '')
      ? 'has an empty token (two dots in a row, or a dot at the start or end)'
      : undefined) ??
    (template.includes('*') ? 'has the wildcard "*"' : undefined) ??
    (template.includes('>') ? 'has the wildcard ">"' : undefined);
  return problem === undefined
    ? undefined
    : `must be a NATS subject to publish to: "${template}" ${problem}; use tokens of letters, digits, "-" and "_" separated by dots, with {shop} and {event}, e.g. "shoprenter.{shop}.{event}"`;
}

/** What makes an `ensureStream.subjects` entry an invalid subject filter, or undefined. */
export function natsSubjectFilterProblem(filter: string): string | undefined {
  const tokens = filter.split('.');
  const problem =
    whitespaceProblem(filter) ??
    (tokens.some((token) => token === '')
      ? 'has an empty token (two dots in a row, or a dot at the start or end)'
      : undefined) ??
    (tokens.some((token) => token !== '*' && token.includes('*')) ? 'has "*" inside a token' : undefined) ??
    (tokens.some((token) => token !== '>' && token.includes('>')) ? 'has ">" inside a token' : undefined) ??
    (tokens.slice(0, -1).includes('>') ? 'has ">" before its last token' : undefined);
  return problem === undefined
    ? undefined
    : `must be a NATS subject filter: "${filter}" ${problem}; "*" stands for one whole token and ">" for the rest, as the last token, e.g. "shoprenter.*.*"`;
}
