/**
 * Optional defence in depth: only these networks may POST deliveries. IPv4 and IPv6 CIDRs
 * (or single addresses); IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`, what a dual-stack
 * socket reports) are checked as IPv4.
 */
import { BlockList, isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `203.0.113.0/24`, `2001:db8::/32` or a bare address → its parts; `null` when it is not valid. */
export function parseCidr(text: string): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export class IpAllowList {
  readonly #list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      if (cidr === null) throw new TypeError(`"${text}" is not an IPv4/IPv6 address or CIDR`);
      this.#list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
  }

  /** Is this remote address inside one of the allowed networks? */
  allows(remoteAddress: string | undefined): boolean {
    if (!remoteAddress) return false;
    const mapped = MAPPED_IPV4.exec(remoteAddress);
    const address = mapped?.[1] ?? remoteAddress;
    const version = isIP(address);
    if (version === 0) return false;
    return this.#list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
