import { type Command, InvalidArgumentError } from 'commander';
import { examples } from '../../wiring/help-text.js';
import { runLazily } from '../../wiring/run-lazily.js';
import { port } from '../../wiring/sandbox-commands.js';

function seconds(value: string): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0))
    throw new InvalidArgumentError('must be a positive number of seconds');
  return number;
}

/** `srhooks demo` (wiring only: the command module is loaded when it runs). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the one-command tour: a sandbox shop and a local receiver, subscriptions synced, orders placed, every delivery stored and handled',
    )
    .option('--once', 'exit after the table (exit code 0 when everything arrived and was handled), for CI')
    .option('--port-sandbox <port>', 'sandbox shop port (default: any free port)', port)
    .option('--port-receiver <port>', 'receiver port (default: any free port)', port)
    .option('--timeout <seconds>', 'how long to wait for the deliveries (default 30)', seconds)
    .option(
      '--nats [url]',
      'also publish every event to NATS JetStream (default nats://127.0.0.1:4222) and read it back',
    )
    .addHelpText(
      'after',
      examples(
        'srhooks demo',
        'srhooks demo --once',
        'srhooks demo --once --json',
        'srhooks demo --port-receiver 4750',
        'srhooks demo --nats',
        'srhooks demo --once --nats nats://127.0.0.1:4222',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(command, async () => (await import('./demo.js')).demoCommand, options);
    });
}
