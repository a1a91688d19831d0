/**
 * `srhooks demo --nats`: the demo's receiver publishes every event to the machine's NATS JetStream
 * (127.0.0.1:4222) into a stream of this run, a consumer reads it back, and the stream is removed
 * when the demo stops. Without a NATS server the demo refuses to start with a clear message.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../cli-error.js';
import type { CommandContext } from '../../command.js';
import { createCommandContext } from '../../command-context.js';
import { Output } from '../../output/index.js';
import { demoCommand } from './demo.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

function demoContext(json: boolean) {
  const stdout = new Capture();
  const stderr = new Capture();
  const output = new Output({ json, env: { NO_COLOR: '1' }, stdout, stderr });
  const context: CommandContext = {
    ...createCommandContext({ output, env: { NO_COLOR: '1' }, debug: false }),
    untilInterrupted: () => new Promise<NodeJS.Signals>(() => {}),
  };
  return { context, stdout, stderr };
}

describe('srhooks demo --nats', () => {
  it('publishes every event to a JetStream stream of its own, reads it back, removes it when done', async () => {
    const { context, stdout } = demoContext(false);
    const result = await demoCommand.run({ once: true, nats: true }, context);

    expect(result.allHandled).toBe(true);
    for (const row of result.arrived) expect(row.handlers.map((job) => job.handler)).toContain('nats');
    expect(result.nats).toMatchObject({
      servers: 'nats://127.0.0.1:4222',
      stream: expect.stringMatching(/^SRHOOKS_DEMO_/),
      messages: result.arrived.length + 1, // and the order recovered at the restart
      events: result.arrived.length + 1,
    });
    const subjects = Object.keys(result.nats?.subjects ?? {});
    expect(subjects).toContain(
      result.nats?.subject.replace('{shop}', 'demo').replace('{event}', 'order_confirm'),
    );
    expect(stdout.text).toContain(`nats published ${result.arrived.length + 1} events to JetStream stream`);

    const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    try {
      const jsm = await jetstreamManager(nc);
      await expect(jsm.streams.info(result.nats?.stream ?? '')).rejects.toThrow(/not found/i);
    } finally {
      await nc.close();
    }
  });

  it('refuses to start when nothing answers at the NATS URL', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const { context } = demoContext(true);
    const failure = await demoCommand
      .run({ once: true, nats: `nats://127.0.0.1:${port}` }, context)
      .catch((e) => e);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).message).toMatch(
      new RegExp(`^cannot use NATS JetStream at nats://127\\.0\\.0\\.1:${port} .*leave out --nats$`),
    );
  });
});
