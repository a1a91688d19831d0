/**
 * What the `amqp` handler says about RabbitMQ's refusals and what to do about each: a nack, a server
 * that cannot be reached, a login or vhost refused, a channel RabbitMQ closed (a missing exchange, 403
 * ACCESS_REFUSED, a message over `max_message_size`), and publishing blocked by a resource alarm.
 */
import { describeError } from '../../handler-outcome.js';

/**
 * Why RabbitMQ nacks a publish, and what to do: mostly a bound queue at its length limit that rejects
 * new messages; rarely an internal error storing it. The attempt is retried on schedule.
 *
 * A basic.nack carries no reason (AMQP 0-9-1 gives it none, and amqplib reports only "message nacked"),
 * and a publisher cannot list the queues an exchange routes to, so a queue that is full for now cannot
 * be told apart from one that refuses this message for good: a classic queue whose
 * "x-max-length-bytes" is smaller than the message nacks it every time, even when empty (a quorum queue
 * takes it while it is under its limit), and such a job is retried until its retries run out and it is
 * dead-lettered. So the text names the message's size beside the limit to compare it with.
 */
export function nackCause(bytes: number): string {
  return `a queue bound for that routing key rejects new messages — most likely it is at its "x-max-length" / "x-max-length-bytes" limit with "x-overflow": "reject-publish" (or "reject-publish-dlx"); RabbitMQ's nack gives no reason, so which queue and why is not known. A full queue takes it once its consumers catch up; a classic queue whose "x-max-length-bytes" is smaller than this message (${bytes} bytes) refuses it every time, even when empty, and the retries end in a dead letter: raise that limit (a policy) over the largest message. Rarely, RabbitMQ could not store the message. The attempt is retried`;
}

/** What to do about an attempt that never reached RabbitMQ (down, unreachable, or a wrong URL). */
export const CHECK_SERVER = 'check that the RabbitMQ server is running and that the URL is right';
/**
 * Why a connection could not be opened, in words. A vhost RabbitMQ refuses (missing, no permission for
 * the user, or the vhost's or the user's `max-connections` limit reached: 530 NOT_ALLOWED, "connection
 * limit (n) is reached") closes the connection in answer to `connection.open`, which amqplib reports as
 * "Expected ConnectionOpenOk; got <ConnectionClose channel:0>", leaving out the server's reason: all
 * three are named.
 */
export function connectErrorText(error: unknown, url: string): string {
  const text = describeError(error);
  if (!/Expected ConnectionOpenOk; got <ConnectionClose/.test(text)) return text;
  let vhost = '/';
  try {
    const path = new URL(url).pathname.slice(1);
    if (path !== '') vhost = decodeURIComponent(path);
  } catch {
    // the URL was checked at start-up; keep the default vhost's name
  }
  return `RabbitMQ refused to open vhost "${vhost}" (it does not exist, the user may not use it, or the vhost's or the user's connection limit is reached: see rabbitmqctl list_vhost_limits and list_user_limits)`;
}

/** What to do when RabbitMQ refused the login or the vhost. */
export const CHECK_LOGIN = `check the user, password and vhost in the handler's "url"`;

/**
 * What to do about a channel RabbitMQ closed: a missing exchange is the operator's to declare; a publish
 * refused with 403 ACCESS_REFUSED (an internal exchange, or a user without write permission on the
 * exchange) needs another exchange or the permission. Before, a refused publish said only what RabbitMQ
 * said, unlike the other refusals.
 */
export function amqpChannelAdvice(channelError: string | undefined, exchange: string): string {
  if (channelError === undefined) return '';
  if (/NOT_FOUND - no exchange/.test(channelError))
    return `: declare the exchange "${exchange}" on RabbitMQ (srhooks does not create it) or fix "exchange" in the handler's configuration`;
  if (/ACCESS_REFUSED - cannot publish to internal exchange/.test(channelError))
    return `: the exchange "${exchange}" is internal (it takes messages only from other exchanges): name an exchange that is not internal in "exchange", or declare "${exchange}" without "internal"`;
  const over = overMaxMessageSize(channelError);
  if (over)
    return `: RabbitMQ closed the channel because another message published on it (${over.size} bytes) was larger than its max_message_size (${over.max} bytes); this message was not refused for itself, and the attempt is retried`;
  const denied =
    /ACCESS_REFUSED - access to exchange '[^']*' in vhost '([^']*)' refused for user '([^']*)'/.exec(
      channelError,
    );
  if (denied) {
    const [, vhost, user] = denied;
    return `: RabbitMQ's user "${user}" may not publish to the exchange "${exchange}" in vhost "${vhost}"; give it write permission there (rabbitmqctl set_permissions -p ${vhost} ${user} <configure> <write> <read>, with a write pattern that matches "${exchange}"), or use a user that has it in the handler's "url"`;
  }
  return '';
}

/**
 * RabbitMQ's 406 for a message over its `max_message_size` (3.8 and later; the same text in 4.x): "…
 * larger than configured max size <m>", or "… larger than max size <m>" when the setting is at
 * RabbitMQ's own ceiling ({@link RABBITMQ_SIZE_CEILING}).
 */
const OVER_MAX_SIZE =
  /PRECONDITION_FAILED - message size (\d+) is larger than (?:configured )?max size (\d+)/;

/** The largest `max_message_size` RabbitMQ allows (512 MiB). */
const RABBITMQ_SIZE_CEILING = 536_870_912;

/** The sizes RabbitMQ named when it closed a channel for a message over `max_message_size`. */
export interface OverMaxMessageSize {
  /** The refused message's body, in bytes. */
  size: number;
  /** The broker's `max_message_size`, in bytes. */
  max: number;
}

export function overMaxMessageSize(channelError: string | undefined): OverMaxMessageSize | null {
  const match = channelError === undefined ? null : OVER_MAX_SIZE.exec(channelError);
  return match ? { size: Number(match[1]), max: Number(match[2]) } : null;
}

/**
 * Why a message over RabbitMQ's `max_message_size` is dead-lettered at once, and what to change: no
 * retry makes it fit. The default limit is 128 MiB in RabbitMQ 3.x and 16 MiB in 4.x; 512 MiB is the
 * most RabbitMQ allows.
 */
export function tooLargeText(what: string, where: string, bytes: number, limit: OverMaxMessageSize): string {
  const refused = `${what} (${bytes} bytes of event JSON) is larger than RabbitMQ at ${where} accepts (its max_message_size is ${limit.max} bytes; it closed the channel with 406 PRECONDITION_FAILED): no retry makes it fit, so the job is dead-lettered at once`;
  const smaller = 'publish only the fields you need from a module handler instead';
  if (limit.max >= RABBITMQ_SIZE_CEILING)
    return `${refused}. That is RabbitMQ's own ceiling (512 MiB), which no setting raises: to send it, ${smaller}`;
  return `${refused}. Raise "max_message_size" in the RabbitMQ server's rabbitmq.conf (the default is 128 MiB in RabbitMQ 3.x and 16 MiB in 4.x; at most 512 MiB) and restart it, then retry the dead letter; or, to send less, ${smaller}`;
}

/**
 * What a resource alarm means and what to do. RabbitMQ blocks every publishing connection while the
 * node's memory use is over `vm_memory_high_watermark` ("low on memory") or its free disk space under
 * `disk_free_limit` ("low on disk"); `reason` is the text of its connection.blocked.
 */
export function blockedText(where: string, reason: string): string {
  const causes: string[] = [];
  if (/memory/i.test(reason))
    causes.push(
      'its memory use reached "vm_memory_high_watermark": let consumers drain the queues, give the node more memory, or raise the watermark',
    );
  if (/disk/i.test(reason))
    causes.push(
      'its free disk space fell under "disk_free_limit": free space on the disk of its data directory (drain or purge queues, remove other files), or lower the limit',
    );
  if (causes.length === 0)
    causes.push(
      'a memory ("vm_memory_high_watermark") or disk ("disk_free_limit") alarm: free that resource on the node, or raise the limit',
    );
  return `RabbitMQ at ${where} blocked publishing ("${reason}"): a resource alarm is on and RabbitMQ takes no messages from any publisher until it clears; ${causes.join('; ')} (see "Alarms" in rabbitmqctl status, or the management UI's overview). Publishing resumes when RabbitMQ unblocks the connection`;
}
