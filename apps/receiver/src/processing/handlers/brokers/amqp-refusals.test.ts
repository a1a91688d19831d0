/**
 * `amqp` handler: publishes RabbitMQ refuses on the channel with 403 ACCESS_REFUSED say what to change
 * (as a missing exchange does), against the machine's RabbitMQ: an internal exchange of this run
 * (declared and deleted by the test; the broker's users and permissions are left alone). The wording
 * RabbitMQ uses for a user without write permission is checked on its text.
 */
import { sampleOrder } from '@srhooks/contracts';
import { connect } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { amqpChannelAdvice, createAmqpHandler } from './amqp.js';
import { overMaxMessageSize, tooLargeText } from './amqp-advice.js';
import { AMQP_PORT, runName } from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';

const scope = brokerTestScope();

describe('amqp handler: publishes RabbitMQ refuses (403 ACCESS_REFUSED)', () => {
  it('an internal exchange: broker_rejected, saying it takes no publishes and what to change', async () => {
    const connection = await connect(`amqp://guest:guest@127.0.0.1:${AMQP_PORT}`);
    const channel = await connection.createChannel();
    const exchange = runName('internal_x');
    await channel.assertExchange(exchange, 'topic', { durable: false, internal: true });
    scope.defer(async () => {
      await channel.deleteExchange(exchange).catch(() => {});
      await connection.close().catch(() => {});
    });
    const handler = scope.release(
      createAmqpHandler({ name: 'rabbit', url: `amqp://guest:guest@127.0.0.1:${AMQP_PORT}`, exchange }),
      (created) => created.close(),
    );
    const outcome = await handler.run(claimedOrderJob(sampleOrder(6)));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    const error = outcome.status === 'retry' ? outcome.error : '';
    expect(error).toContain(
      `publish to exchange "${exchange}" with routing key "demo.order_confirm" failed:`,
    );
    expect(error).toMatch(/ACCESS_REFUSED - cannot publish to internal exchange/);
    expect(error).toMatch(
      new RegExp(
        `: the exchange "${exchange}" is internal \\(it takes messages only from other exchanges\\): name an exchange that is not internal in "exchange", or declare "${exchange}" without "internal"$`,
      ),
    );
  });

  it('a user without write permission on the exchange: what to grant, and to whom', () => {
    const refused =
      "channel closed (Channel closed by server: 403 (ACCESS-REFUSED) with message \"ACCESS_REFUSED - access to exchange 'orders' in vhost 'shop' refused for user 'srhooks'\")";
    expect(amqpChannelAdvice(refused, 'orders')).toBe(
      `: RabbitMQ's user "srhooks" may not publish to the exchange "orders" in vhost "shop"; give it write permission there (rabbitmqctl set_permissions -p shop srhooks <configure> <write> <read>, with a write pattern that matches "orders"), or use a user that has it in the handler's "url"`,
    );
  });
});

describe('amqp handler: the wording of a message over max_message_size', () => {
  it("RabbitMQ at its own ceiling says 'max size' without 'configured': read the same, and no advice to raise it", () => {
    // rabbit_channel's text when max_message_size is at ?MAX_MSG_SIZE (512 MiB), the one setting that
    // cannot be raised (the other wording is exercised on a real broker in amqp-broker-limits.test.ts)
    const closed =
      'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 536870913 is larger than max size 536870912"';
    const limit = overMaxMessageSize(closed);
    expect(limit).toEqual({ size: 536_870_913, max: 536_870_912 });
    const text = tooLargeText('the message', 'amqp://rabbit:5672', 536_870_913, limit ?? { size: 0, max: 0 });
    expect(text).toContain("That is RabbitMQ's own ceiling (512 MiB), which no setting raises");
    expect(text).not.toContain('Raise "max_message_size"');
  });
});
