/**
 * The receiver's `trustProxy` setting as fastify takes it. `true` means "the receiver is reached only
 * through a proxy": fastify's own `true` would trust every hop and take the FIRST address of
 * `X-Forwarded-For`, which the client writes itself (a proxy appends the address it saw to whatever the
 * client sent), so one request could pick any address for the IP allow-list, the admin throttle and the
 * logs. It is therefore one hop: the address the proxy in front appended, the header's last entry. Behind
 * a chain of proxies, list their addresses (each listed hop is skipped from the right). `X-Forwarded-Proto`
 * and `-Host` are the last entry either way.
 */
export function fastifyTrustProxy(
  setting: boolean | readonly string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  // A function, not fastify's hop count `1`: fastify 5 refuses to trust any hop given as a number.
  if (setting === true) return trustNearestHop;
  return setting === false ? false : [...setting];
}

/** Trusts the peer the receiver is connected to (hop 0: the proxy), so its last `X-Forwarded-For` entry counts. */
export function trustNearestHop(_address: string, hop: number): boolean {
  return hop === 0;
}
