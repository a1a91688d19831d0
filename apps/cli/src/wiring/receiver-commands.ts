import { type Command, InvalidArgumentError } from 'commander';
import { collectList, examples } from './help-text.js';
import { runLazily } from './run-lazily.js';

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return Number(value);
}

/** `srhooks listen`: a local receiver for the developer loop. */
export function registerReceiverCommands(program: Command): void {
  program
    .command('listen')
    .description('run a local receiver, print its signed URLs, then one line per delivery as it arrives')
    .option('--port <port>', 'port (default 4750; 0 = any free port)', port)
    .option('--host <host>', 'interface (default 127.0.0.1)')
    .option(
      '--shop <names>',
      'shops to print URLs for, comma-separated (default: SRHOOKS_SHOP, the stored shops, or demo)',
      collectList,
    )
    .option('--events <names>', 'only these events, comma-separated (default: all six)', collectList)
    .option(
      '--forward-to <url>',
      'forward every event, signed (Standard Webhooks), to this URL and show its answer',
    )
    .option('--db <file>', 'SQLite file (default: listen.db in the config dir)')
    .option('--public-url <url>', 'base of the printed URLs when the shop reaches you through a tunnel')
    .option(
      '--secret <secret>',
      'URL signing secret (default: SRHOOKS_SECRETS, else one kept in the config dir)',
    )
    .addHelpText(
      'after',
      examples(
        'srhooks listen',
        'srhooks listen --forward-to http://localhost:3000/webhooks --events order_confirm,order_status_change',
        'srhooks listen --public-url https://abc123.tunnel.example --shop my-shop --json',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(command, async () => (await import('../commands/listen.js')).listenCommand, options);
    });
}
