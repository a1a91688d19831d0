/**
 * The settings of where the receiver listens and whom it believes about a request's origin: `host`
 * (an address or host name, no port or URL) and `trustProxy`.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from '../ingest/ip-allow-list.js';

/**
 * A listening address written as a URL or with a port (`0.0.0.0:3000`, `[::1]:3000`) would fail at listen
 * with "is not an address of this machine (ENOTFOUND)": say where the port goes instead.
 */
function hostProblem(raw: string): string | null {
  const host = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    let hostname = '';
    try {
      hostname = new URL(host).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      // not even a URL: the plain advice
    }
    return `must be an address or host name, not a URL: give ${hostname || 'its host (e.g. 0.0.0.0)'} here`;
  }
  const withPort =
    /^\[([^\]]+)\]:(\d+)$/.exec(host) ?? (isIP(host) === 0 ? /^([^:]+):(\d+)$/.exec(host) : null);
  if (withPort === null) return null;
  return `must be an address or host name without a port: give ${withPort[1]} here and ${withPort[2]} as the port, a setting of its own`;
}

/** The listening address or host name (`HOST`); `port` is a setting of its own. */
export const HostSchema = z
  .string()
  .min(1)
  .superRefine((host, ctx) => {
    const problem = hostProblem(host);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

/** true (reachable only through one proxy: its X-Forwarded-For entry counts, src/http/trust-proxy.ts) or the proxies' addresses/CIDRs. */
export const TrustProxySchema = z.union(
  [
    z.boolean(),
    z
      .array(
        z
          .string()
          .refine((cidr) => parseCidr(cidr) !== null, {
            error:
              'must be an IPv4/IPv6 address or CIDR of a proxy such as 10.0.0.0/8, or the whole setting true or false',
          })
          // fastify's proxy-addr refuses a /0 at start with its own words ("invalid range on address")
          .refine((cidr) => parseCidr(cidr)?.prefix !== 0, {
            error:
              "must not be a /0 range: it would trust every address as a proxy, so any client could write the address the receiver believes into X-Forwarded-For; list the proxies' addresses or CIDRs (e.g. 10.0.0.0/8), or set true for the one proxy in front",
          }),
      )
      .min(1),
  ],
  { error: 'must be true, false or a list of the proxies\' addresses or CIDRs, e.g. ["10.0.0.0/8"]' },
);
