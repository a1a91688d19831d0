import { type Command, InvalidArgumentError } from 'commander';
import { examples } from './help-text.js';
import { runLazily } from './run-lazily.js';

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return Number(value);
}

/** `srhooks demo`: the one-command tour. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the one-command tour: sandbox shop, subscriptions, receiver, simulated orders, a table of what arrived',
    )
    .option('--once', 'exit 0 after the table (CI) instead of running until Ctrl-C')
    .option('--sandbox-port <port>', 'sandbox port (default: a free one)', port)
    .option('--receiver-port <port>', 'receiver port (default: a free one)', port)
    .option('--keep', 'keep the demo directory (database, config, handler output) afterwards')
    .option('--timeout <ms>', 'how long to wait for every delivery (default 30000)', (value: string) => {
      if (!/^\d+$/.test(value) || Number(value) === 0)
        throw new InvalidArgumentError('must be a positive whole number');
      return Number(value);
    })
    .addHelpText('after', examples('srhooks demo', 'srhooks demo --once', 'srhooks demo --once --json'))
    .action(
      async (
        options: {
          once?: boolean;
          sandboxPort?: number;
          receiverPort?: number;
          keep?: boolean;
          timeout?: number;
        },
        command: Command,
      ) => {
        const { timeout, ...rest } = options;
        await runLazily(command, async () => (await import('../commands/demo.js')).demoCommand, {
          ...rest,
          ...(timeout ? { timeoutMs: timeout } : {}),
        });
      },
    );
}
