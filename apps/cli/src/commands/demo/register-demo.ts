import type { Command } from 'commander';
import { examples } from '../../wiring/help-text.js';
import { runLazily } from '../../wiring/run-lazily.js';
import { port } from '../../wiring/sandbox-commands.js';
import { parseTimeout, TIMEOUT_FLAG } from '../../wiring/timeout-option.js';

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
    .option(TIMEOUT_FLAG, 'how long to wait for the deliveries, e.g. 2m (default 30s)', parseTimeout)
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
