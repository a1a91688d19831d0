/**
 * What a `nats` handler's `servers` entry may be, checked when the configuration is read (and, for a
 * `${VAR}`, when the receiver starts) instead of at the first delivery attempt.
 *
 * The NATS client (`@nats-io/transport-node` 3.x, `nats-core/lib/servers.js` `hostPort`) drops any
 * `scheme://` and reads the rest as `host[:port]` (default port 4222) through `new URL`, so it takes
 * `nats://nats-1:4222`, `tls://nats-1:4443`, `nats-1:4222`, `nats-1`, `[::1]:4222` and a bare IPv6
 * address; it throws "Invalid URL" for user-info (`nats://u:p@host`: credentials are the `user` /
 * `password` / `token` keys), a non-numeric or out-of-range port, and an empty host; its Node `connect`
 * refuses `ws://` and `wss://` (WebSocket needs the other transport). What it accepts but would read
 * as something else (`nats//h:4222` → host `nats`, `http://h` → `h`, `nats://h:4222/path` → `h:4222`,
 * port 0) is refused here too: the scheme must be `nats://` or `tls://` (the schemes NATS documents) or
 * none, with no path.
 */
import { isIPv4, isIPv6 } from 'node:net';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const HOSTNAME =
  /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const FORMS = 'write nats://host:port, tls://host:port or host:port (port 1 to 65535, default 4222)';

/** Splits `host[:port]` (host a name, an IPv4, `[IPv6]` or a bare IPv6 without port); null when it is neither. */
function hostAndPort(text: string): { host: string; port: string | undefined } | null {
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) return isIPv6(bracketed[1] ?? '') ? { host: text, port: bracketed[2] } : null;
  if (isIPv6(text)) return { host: text, port: undefined };
  const plain = /^([^:]+)(?::([^:]*))?$/.exec(text);
  if (!plain) return null;
  const host = plain[1] ?? '';
  return isIPv4(host) || HOSTNAME.test(host) ? { host, port: plain[2] } : null;
}

/**
 * Why `value` is not a server the NATS client can connect to, as a message naming the handler and
 * the value; null when it is one. `${VAR}` references must be resolved first.
 */
export function natsServerProblem(handler: string, value: string): string | null {
  const who = `handler "${handler}"`;
  const scheme = SCHEME.exec(value);
  let rest = value;
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name === 'ws' || name === 'wss') {
      return `${who}: "${value}" is a WebSocket URL, which the receiver's NATS client (Node TCP transport) does not support; use the server's NATS port instead, e.g. nats://host:4222`;
    }
    if (name !== 'nats' && name !== 'tls') return `${who}: "${value}" has scheme ${name}://; ${FORMS}`;
    rest = value.slice(scheme[0].length);
  }
  // Before echoing the value: user-info may hold a password.
  if (rest.includes('@')) {
    return `${who}: a NATS server takes no user or password in the URL; set "user" and "password" (or "token") on the handler, with \${VAR} for secrets`;
  }
  if (scheme) {
    const slash = rest.indexOf('/');
    if (slash >= 0 && slash < rest.length - 1) {
      return `${who}: "${value}" has a path (${rest.slice(slash)}); a NATS server is only host:port, ${FORMS}`;
    }
    if (slash === rest.length - 1) rest = rest.slice(0, -1);
  }
  const parsed = hostAndPort(rest);
  if (!parsed || (parsed.port !== undefined && !/^\d{1,5}$/.test(parsed.port))) {
    return `${who}: "${value}" is not a NATS server; ${FORMS}`;
  }
  if (parsed.port !== undefined) {
    const port = Number(parsed.port);
    if (port < 1 || port > 65_535) return `${who}: "${value}" has port ${port}; a port is 1 to 65535`;
  }
  return null;
}
