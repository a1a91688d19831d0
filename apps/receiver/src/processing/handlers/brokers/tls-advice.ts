/**
 * What to do about a broker connection whose TLS failed, read from the error text (Node's fixed codes):
 * a certificate the receiver does not trust, one that is not valid now or is made out for other names,
 * or a port that does not speak TLS. Null for any other error: then "check that the server is running"
 * is the advice — for these it would be wrong, the server is running.
 */
const UNTRUSTED =
  /\b(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT)\b/;
const NOT_VALID_NOW = /\b(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID)\b/;
const OTHER_NAMES = /\b(ERR_TLS_CERT_ALTNAME_INVALID)\b/;
const NO_TLS = /\b(ERR_SSL_WRONG_VERSION_NUMBER)\b|wrong version number/;

/** `broker`: "NATS", "RabbitMQ", "Redis"; `plainScheme`: its scheme without TLS (`amqp://`). */
export function tlsAdvice(errorText: string, broker: string, plainScheme: string): string | null {
  const untrusted = UNTRUSTED.exec(errorText);
  if (untrusted)
    return `the ${broker} server presented a TLS certificate this receiver does not trust (${untrusted[1]}): start the receiver with NODE_EXTRA_CA_CERTS naming the PEM file of the authority that signed it, or give the server a certificate from a public certificate authority`;
  const notValid = NOT_VALID_NOW.exec(errorText);
  if (notValid)
    return `the ${broker} server presented a TLS certificate that is not valid now (${notValid[1]}): renew it (or check the clocks)`;
  if (OTHER_NAMES.test(errorText))
    return `the ${broker} server presented a TLS certificate made out for other names (ERR_TLS_CERT_ALTNAME_INVALID): use a host name the certificate carries in the handler's URL, or give the server a certificate for this one`;
  if (NO_TLS.test(errorText))
    return `the ${broker} server does not speak TLS on that port: use its TLS port, or ${plainScheme} on a network you trust`;
  return null;
}
