/**
 * SSRF guard for forward targets. A forward handler POSTs wherever its URL points, so a target (or a
 * DNS answer, or a redirect) must not turn the receiver into a proxy into its own network: every
 * address a host resolves to is checked, IPv4 and IPv6, and the check runs inside the socket's DNS
 * lookup, so the address that is connected to is the address that was checked (no DNS rebinding).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { UnsafeTargetError } from '../processing-errors.js';

const RANGES: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', '"this network"'],
  ['10.0.0.0', 8, 'ipv4', 'private network'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local, e.g. cloud metadata'],
  ['172.16.0.0', 12, 'ipv4', 'private network'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay'],
  ['192.168.0.0', 16, 'ipv4', 'private network'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b:1::', 48, 'ipv6', 'local-use IPv4/IPv6 translation'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001::', 32, 'ipv6', 'Teredo tunnel (carries an IPv4 address)'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'unique local (private network)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const blocked = RANGES.map(([network, prefix, type, label]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, type, label };
});

/**
 * IPv6 forms that carry an IPv4 address: mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, and 6to4 `2002:AABB:CCDD::/48` (the IPv4 address in its second and third groups).
 */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const sixToFour = /^2002:([0-9a-f]{0,4}):?([0-9a-f]{0,4})(?::|$)/.exec(lower);
  if (sixToFour) {
    const high = Number.parseInt(sixToFour[1] || '0', 16);
    const low = Number.parseInt(sixToFour[2] || '0', 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (dotted) return dotted[1] as string;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = Number.parseInt(hex[1] as string, 16);
    const low = Number.parseInt(hex[2] as string, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return null;
}

/** Why an address is not public (e.g. "loopback"), or null when it is a public unicast address. */
export function nonPublicRange(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) return 'not an IP address';
  if (version === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== null) {
      const inner = nonPublicRange(v4);
      return inner === null ? null : `IPv4-in-IPv6 ${inner}`;
    }
  }
  const type = version === 4 ? 'ipv4' : 'ipv6';
  for (const range of blocked) {
    if (range.type === type && range.list.check(bare, type)) return range.label;
  }
  return null;
}

/** Why an address must not be connected to, or null when it may be. */
export type AddressPolicy = (address: string) => string | null;

/** The default policy: public unicast addresses only. */
export const publicAddressesOnly: AddressPolicy = nonPublicRange;

/** Throws UnsafeTargetError when `host` is an IP literal the policy refuses (literals skip DNS lookup). */
export function assertAllowedLiteral(host: string, policy: AddressPolicy): void {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0) return;
  const range = policy(bare);
  if (range !== null) throw new UnsafeTargetError(host, bare, range);
}

/**
 * A `lookup` for `http.request`/`net.connect` that resolves every address of the host and fails with
 * UnsafeTargetError if the policy refuses any of them (a host with one public and one private address is
 * refused as a whole: the socket could pick either).
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(
      hostname,
      { family: options.family ?? 0, hints: options.hints ?? 0, all: true },
      (error, addresses) => {
        if (error) {
          callback(error, '', 0);
          return;
        }
        const list = addresses as LookupAddress[];
        for (const entry of list) {
          const range = policy(entry.address);
          if (range !== null) {
            callback(new UnsafeTargetError(hostname, entry.address, range) as NodeJS.ErrnoException, '', 0);
            return;
          }
        }
        if (options.all) {
          (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, list);
          return;
        }
        const first = list[0];
        if (!first) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        callback(null, first.address, first.family);
      },
    );
  };
}
