/**
 * What the `nats` handler says about a failed attempt, and its error code: NATS unreachable, a login or
 * TLS refused, no stream for the subject, no acknowledgement in time, JetStream out of storage, a full
 * stream, a publish the user may not make, a message too large for the server or the stream.
 */

import { describeError } from '../../handler-outcome.js';
import type { BrokerErrorCode } from './broker-connection.js';
import { tlsAdvice } from './tls-advice.js';

const CHECK_SERVER = 'check that the NATS server is running and that the URL is right';
/** What to do when the server refused the credentials. */
export const CHECK_LOGIN = `check "user" and "password" (or "token") in the handler's configuration and the user's permissions on the NATS server`;

/** The server refused the credentials ("Authorization Violation", an expired or timed-out authentication). */
export function refusedLogin(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    name === 'AuthorizationError' ||
    name === 'UserAuthenticationExpiredError' ||
    /authorization violation|authentication (timeout|expired)/i.test(describeError(error))
  );
}

/**
 * The server offers no TLS but the handler requires it (a `tls://` server): the client refuses before it
 * sends anything ("server does not support 'tls'"; "tls is not available on this server").
 */
export function noTls(error: unknown): boolean {
  return /does not support 'tls'|tls.{0,3} is not available on this server/i.test(describeError(error));
}

/** An attempt that never reached NATS: the server is down, unreachable, or the URL is wrong. */
export function unreachable(where: string, cause: string): string {
  return `cannot reach NATS at ${where} (${cause}): ${tlsAdvice(cause, 'NATS', 'nats://') ?? CHECK_SERVER}`;
}

/**
 * Why a publish failed, for the attempt's error text. Causes that look alike to the NATS client (a
 * publish is a request that ends in a timeout or an error) need different fixes:
 * - the connection is down (the client holds the publish and reconnects in the background): the
 *   server cannot be reached; nothing is wrong with the stream;
 * - the server answered "no responders" (the client reports JetStreamNotEnabled): no stream captures
 *   the subject (or JetStream is off on that server);
 * - connected but no acknowledgement in time: the server, or the network to it, is stalled or slow.
 */
export function publishFailure(
  error: unknown,
  context: { subject: string; where: string; connected: boolean; timeoutMs: number },
): string {
  const { subject, where, connected, timeoutMs } = context;
  if (!connected)
    return `${unreachable(where, 'connection lost; reconnecting in the background')}; publish to "${subject}" not acknowledged`;
  const name = error instanceof Error ? error.name : '';
  if (name === 'JetStreamNotEnabled' || /no responders/i.test(describeError(error)))
    return `no JetStream stream captures "${subject}" on NATS at ${where} (the server answered "no responders"; or JetStream is not enabled there): create a stream for the subject, or set "ensureStream" to have one created`;
  if (name === 'TimeoutError')
    return `NATS at ${where} did not acknowledge the publish to "${subject}" within ${timeoutMs} ms: the server or the network to it is stalled or slow; the connection is replaced`;
  if (insufficientResources(error))
    return `JetStream on NATS at ${where} has no storage left for the stream that captures "${subject}" and refused the message (${describeError(error)}): the server's "max_file_store" / "max_memory_store" (or the account's JetStream limits) are used up, or its disk is full; remove or purge streams, give streams limits ("max_bytes", "max_age") that keep them within it, or raise the server's jetstream limits — the attempt is retried`;
  if (streamFull(error))
    return `the JetStream stream that captures "${subject}" on NATS at ${where} is full and refused the message (${describeError(error)}): it keeps at most its "max_msgs" / "max_bytes" / "max_msgs_per_subject" and discards new messages ("discard": "new"); raise those limits, let consumers remove messages, or set "discard": "old" on the stream — the attempt is retried`;
  if (permissionDenied(error))
    return `NATS at ${where} refused the publish to "${subject}" (${describeError(error)}): the handler's user may not; allow it to publish to "${subject}" and to subscribe to "_INBOX.>" (where JetStream's acknowledgement comes back) in the NATS server's authorization`;
  if (name === 'JetStreamApiError')
    return `JetStream refused the publish to "${subject}" (${where}): ${describeError(error)}`;
  return `JetStream publish to "${subject}" (${where}) failed: ${describeError(error)}`;
}

/** The server answered "no responders": no stream captures the subject (or JetStream is off). */
export function noStream(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'JetStreamNotEnabled' || /no responders/i.test(describeError(error));
}

/** The error code of a failed publish, by the same causes as {@link publishFailure}. */
export function publishFailureCode(error: unknown, context: { connected: boolean }): BrokerErrorCode {
  if (!context.connected) return 'broker_unreachable';
  const name = error instanceof Error ? error.name : '';
  if (name === 'JetStreamNotEnabled' || /no responders/i.test(describeError(error))) return 'broker_rejected';
  if (name === 'TimeoutError') return 'broker_timeout';
  // JetStream's storage is used up: the operator's to free, not a refusal of the message
  if (insufficientResources(error)) return 'broker_out_of_resources';
  // an error reply of the stream (full, a message over its max_msg_size, …): the broker said no
  if (name === 'JetStreamApiError' || permissionDenied(error)) return 'broker_rejected';
  return 'broker_error';
}

/**
 * JetStream has no storage left (API error 10023 "insufficient resources": the server's
 * `max_file_store` / `max_memory_store`, or the account's limits, are used up).
 */
export function insufficientResources(error: unknown): boolean {
  return /insufficient resources/i.test(describeError(error));
}

/** The stream is at its limits with `discard: new` (JetStream: "maximum messages/bytes exceeded"). */
export function streamFull(error: unknown): boolean {
  return /maximum (messages|bytes|messages per subject) exceeded/i.test(describeError(error));
}

/** The server's authorization does not let the user publish there (or subscribe to the reply inbox). */
export function permissionDenied(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'PermissionViolationError' || /permissions violation/i.test(describeError(error));
}

/** The stream refused a message over its `max_msg_size` (JetStream API error 10054). */
export function overStreamMessageSize(error: unknown): boolean {
  return /message size exceeds maximum allowed/i.test(describeError(error));
}

/** The client refused a message over the server's `max_payload` before sending it. */
export function tooLarge(error: unknown): boolean {
  return /max_payload size exceeded/i.test(describeError(error));
}
