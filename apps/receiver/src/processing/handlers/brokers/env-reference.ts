/**
 * `${VAR}` references in broker handler settings (URLs, user names, passwords, tokens): resolved from
 * the environment when the handler is built, so credentials live in the environment and
 * srhooks.config.json can be committed. References to unset variables stop start-up, every one listed
 * with its key (config/env-reference-issues.ts); values that are no setting of their kind stop it too,
 * every one listed (a NATS server from a `${VAR}` that is no NATS server, see config/nats-server.ts). Resolved values are secrets: {@link brokerSecretValues} lists them for
 * the log scrubber, and {@link scrubSecrets} removes them (and any URL user-info) from error texts
 * before they are stored with an attempt or logged.
 */

import { amqpUrlQueryProblem, redisUrlProblem } from '../../../config/broker-handler-schemas.js';
import { ConfigError, type ConfigIssue } from '../../../config/config-error.js';
import type { HandlerConfig } from '../../../config/config-schema.js';
import { ENV_REFERENCE, envValueSet, unsetReferenceMessage } from '../../../config/env-reference-text.js';
import { natsServerProblem } from '../../../config/nats-server.js';
import { ProcessingConfigError } from '../../processing-errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The value with every `${VAR}` replaced by the variable's value; `where` names the key in messages. */
export function resolveEnvReferences(value: string, env: Env, where: string): string {
  return value.replace(ENV_REFERENCE, (_match, name: string) => {
    if (!envValueSet(env, name)) throw new ProcessingConfigError(`${where} ${unsetReferenceMessage(name)}`);
    return env[name] as string;
  });
}

/**
 * Resolves every `${VAR}` of the handlers' settings (the ones their runners resolve) and checks what
 * they resolve to (a NATS server, an amqp:// or redis:// URL, a forward target and secret), throwing one
 * ConfigError that lists every setting that holds none, each on its key (as the unset variables are
 * listed, config/env-reference-issues.ts, checked before by loadConfig and buildReceiver): the receiver
 * checks this before it opens its store, so a config error leaves no new database behind.
 */
export function checkResolvedEnvReferences(
  handlers: Readonly<Record<string, HandlerConfig>>,
  env: Env,
): void {
  const issues: ConfigIssue[] = [];
  for (const [name, handler] of Object.entries(handlers)) {
    const where = `handlers.${name}`;
    if (handler.type === 'forward') {
      issues.push(...forwardTargetChecked(name, handler, env).issues);
    } else if (handler.type === 'nats') {
      [handler.servers].flat().forEach((server, index) => {
        const key = `${where}.servers[${index}]`;
        const resolved = resolveEnvReferences(server, env, key);
        // A literal server was checked with the configuration; one from `${VAR}` only now.
        const problem = server.includes('${') ? natsServerProblem(name, resolved) : null;
        if (problem) issues.push({ key, message: `${server}: ${problem}` });
      });
      for (const key of ['user', 'password', 'token'] as const) {
        const value = handler[key];
        if (value !== undefined) resolveEnvReferences(value, env, `${where}.${key}`);
      }
    } else if (handler.type === 'amqp') {
      const resolved = resolveEnvReferences(handler.url, env, `${where}.url`);
      // a literal URL was checked with the configuration; one from `${VAR}` only now
      const problem = !handler.url.includes('${')
        ? null
        : /^amqps?:\/\/./i.test(resolved)
          ? (filledInUrlProblem(handler.url, resolved) ?? amqpUrlQueryProblem(resolved))
          : notAUrl(handler.url, 'amqp:// or amqps://', 'amqp://user:password@rabbit:5672/vhost');
      if (problem) issues.push({ key: `${where}.url`, message: `${handler.url}: ${problem}` });
    } else if (handler.type === 'redis-stream') {
      const resolved = resolveEnvReferences(handler.url, env, `${where}.url`);
      // a literal URL was checked with the configuration; one from `${VAR}` only now
      const problem = !handler.url.includes('${')
        ? null
        : /^rediss?:\/\/./i.test(resolved)
          ? (filledInUrlProblem(handler.url, resolved) ?? redisUrlProblem(resolved))
          : notAUrl(handler.url, 'redis:// or rediss://', 'redis://:password@redis:6379/0');
      if (problem) issues.push({ key: `${where}.url`, message: `${handler.url}: ${problem}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * What is wrong with a broker URL whose `${VAR}`s, filled in, give no URL of its scheme (never the
 * value: it may carry the password). Before this check such a URL failed every attempt instead, with
 * "check that the server is running" (amqplib: "Expected amqp: or amqps: as the protocol"; ioredis
 * dialled a unix socket for http://).
 */
function notAUrl(setting: string, schemes: string, example: string): string {
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(setting);
  return whole
    ? `the environment variable ${whole[1]} holds no ${schemes} URL; set it to one, e.g. ${example}`
    : `is no ${schemes} URL once its environment variables are filled in; fix the setting or the variables, e.g. ${example}`;
}

/**
 * What is wrong with a broker URL whose `${VAR}`s, filled in, no longer say what the setting says: the
 * URL does not parse, names another host, port or path (vhost, database) than the setting writes, or
 * holds a `%` that starts no escape — or null. A value goes into the URL as it is, and a password
 * holding `/`, `?`, `#` or `%` (`openssl rand -base64` gives `/`) must be percent-encoded there. Before
 * this check, `amqp://srhooks:${RABBITMQ_PASSWORD}@rabbit:5672/shop` with such a password started, and
 * every attempt failed with "Expected amqp: or amqps: as the protocol" and "check that the RabbitMQ
 * server is running" until the jobs dead-lettered; a Redis URL was refused as "must be a URL such as
 * redis://host:6379/0", or (a `%`) every attempt failed with "URI malformed". Never quotes a value.
 */
function filledInUrlProblem(setting: string, resolved: string): string | null {
  const names = [...new Set([...setting.matchAll(ENV_REFERENCE)].map((match) => match[1] as string))];
  // the setting with each reference as a word of its own: which parts the references fill in
  const words: string[] = [];
  const shape = parsedUrl(
    setting.replace(ENV_REFERENCE, () => {
      words.push(`srhooksvalue${words.length}`);
      return words.at(-1) as string;
    }),
  );
  const url = parsedUrl(resolved);
  const why =
    url === null
      ? 'does not parse'
      : !(['hostname', 'port', 'pathname'] as const).every(
            (part) =>
              shape === null || words.some((word) => shape[part].includes(word)) || shape[part] === url[part],
          )
        ? 'names another host, port or path than the setting writes'
        : ![url.username, url.password].every(decodes)
          ? 'holds a "%" that starts no escape'
          : null;
  if (why === null) return null;
  const one = names.length === 1;
  return `${one ? `the value of ${names[0]} does` : `the values of ${names.join(', ')} do`} not fit into the URL as ${one ? 'it is' : 'they are'}: filled in, the URL ${why}; a value in a URL's user name or password must be percent-encoded ("/" as %2F, "?" as %3F, "#" as %23, "%" as %25: what encodeURIComponent gives; a password from openssl rand -base64 may hold "/"): set the variable to the encoded value`;
}

/** Whether a URL's percent-encoded part decodes (a "%" not followed by two hex digits does not). */
function decodes(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

function parsedUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/**
 * A `forward` handler's `url` and `secret` with their `${VAR}`s resolved, and what is wrong with them,
 * checked as the configuration checks literal ones (an http(s) URL, a Standard Webhooks secret): each
 * problem on its key, never quoting the resolved value.
 */
function forwardTargetChecked(
  name: string,
  handler: Extract<HandlerConfig, { type: 'forward' }>,
  env: Env,
): { url: string; secret: string; issues: ConfigIssue[] } {
  const where = `handlers.${name}`;
  const url = resolveEnvReferences(handler.url, env, `${where}.url`);
  const secret = resolveEnvReferences(handler.secret, env, `${where}.secret`);
  const issues: ConfigIssue[] = [];
  if (handler.url !== url) {
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      // not a URL: refused below
    }
    if (protocol !== 'http:' && protocol !== 'https:')
      issues.push({
        key: `${where}.url`,
        message: `${handler.url}: is not an http(s) URL once its environment variables are filled in`,
      });
  }
  if (handler.secret !== secret && !/^whsec_[A-Za-z0-9+/=]{16,}$/.test(secret))
    issues.push({
      key: `${where}.secret`,
      message: `${handler.secret}: the variable holds no Standard Webhooks secret; set it to "whsec_" followed by the output of \`openssl rand -base64 32\``,
    });
  return { url, secret, issues };
}

/**
 * A `forward` handler's `url` and `secret` with their `${VAR}`s resolved; one that does not hold (see
 * {@link checkResolvedEnvReferences}, which lists them all at start) is a ProcessingConfigError naming
 * the key, never the resolved value.
 */
export function forwardTarget(
  name: string,
  handler: Extract<HandlerConfig, { type: 'forward' }>,
  env: Env,
): { url: string; secret: string } {
  const { url, secret, issues } = forwardTargetChecked(name, handler, env);
  const first = issues[0];
  if (first) throw new ProcessingConfigError(`${first.key}: ${first.message}`);
  return { url, secret };
}

/** Values substituted into a setting: the secrets it carries (a whole URL's password included). */
function referencedValues(value: string, env: Env): string[] {
  return [...value.matchAll(ENV_REFERENCE)]
    .map((match) => env[match[1] ?? ''])
    .filter((resolved): resolved is string => resolved !== undefined && resolved !== '');
}

/** A query parameter that carries a credential (`?password=…`: ioredis reads it as its option). */
const CREDENTIAL_PARAMETER = /pass|pwd|secret|token|auth|key|cred/i;

/**
 * Passwords written literally into a URL's user-info (`amqp://user:secret@host`) or its query
 * (`redis://host/0?password=secret`).
 */
function urlPasswords(value: string): string[] {
  try {
    const url = new URL(value);
    const password = decodeURIComponent(url.password);
    const inQuery = [...url.searchParams]
      .filter(([key, parameter]) => CREDENTIAL_PARAMETER.test(key) && parameter !== '')
      .map(([, parameter]) => parameter);
    return [...(password ? [password] : []), ...inQuery];
  } catch {
    return [];
  }
}

/** Every secret value of the broker handlers' settings (resolved references and URL passwords). */
export function brokerSecretValues(handlers: Readonly<Record<string, HandlerConfig>>, env: Env): string[] {
  const values: string[] = [];
  for (const handler of Object.values(handlers)) {
    const settings: string[] = [];
    if (handler.type === 'nats') {
      settings.push(...[handler.servers].flat());
      for (const key of ['user', 'password', 'token'] as const) {
        const value = handler[key];
        if (value !== undefined) settings.push(value);
      }
      if (handler.password && !handler.password.includes('${')) values.push(handler.password);
      if (handler.token && !handler.token.includes('${')) values.push(handler.token);
    } else if (handler.type === 'amqp' || handler.type === 'redis-stream') {
      settings.push(handler.url);
    } else if (handler.type === 'forward') {
      // a literal secret is scrubbed by the receiver's logger already; one from ${VAR} is its value
      settings.push(handler.url, handler.secret);
    } else {
      continue;
    }
    for (const setting of settings) {
      values.push(...referencedValues(setting, env));
      let resolved = setting;
      try {
        resolved = resolveEnvReferences(setting, env, 'setting');
      } catch {
        // Unset variable: start-up fails later with the proper message.
      }
      values.push(...urlPasswords(resolved));
    }
  }
  return [...new Set(values)].filter((value) => value.length >= 3);
}

/**
 * `amqp://user:secret@host/` → `amqp://host/`, `redis://host/0?password=secret` →
 * `redis://host/0?password=***`: a URL fit for messages (every query value masked, as the forward
 * handler shows its target's).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    const query = [...parsed.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=***`).join('&');
    parsed.search = '';
    return `${parsed.toString().replace(/\/$/, '')}${query ? `?${query}` : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The text with every secret value and URL user-info replaced, for errors that are stored or logged. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = maskUrlUserinfo(text);
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}

const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
const USERINFO_END = /[/@\s]/;

/**
 * `text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@')` — a URL's user and password, as in
 * `amqp://user:secret@rabbit`, become `***` — in one pass: the expression took quadratic time on a
 * long run of letters with no `://` after it, and the text comes from a broker's error (a peer's words).
 * Each `://` is taken with the scheme the expression would start at (the leftmost letter of the scheme
 * characters before it, after the previous replacement) and replaced when `@` ends its user part.
 */
export function maskUrlUserinfo(text: string): string {
  let out = '';
  let from = 0; // where the expression would resume: after the last replacement
  let search = 0;
  for (;;) {
    const sep = text.indexOf('://', search);
    if (sep === -1) break;
    let start = sep;
    while (start > from && SCHEME_CHAR.test(text[start - 1] as string)) start -= 1;
    while (start < sep && !LETTER.test(text[start] as string)) start += 1;
    let end = sep + 3;
    while (end < text.length && !USERINFO_END.test(text[end] as string)) end += 1;
    if (start < sep && text[end] === '@') {
      out += `${text.slice(from, sep + 3)}***@`;
      from = end + 1;
      search = from;
    } else {
      search = sep + 1;
    }
  }
  return out + text.slice(from);
}
