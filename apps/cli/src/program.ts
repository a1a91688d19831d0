/**
 * The `srhooks` program: its global options, every command (registered from src/wiring/, each loading its
 * module inside its action) and the hooks that run before any action. cli.ts runs it.
 */
import type { EventEmitter } from 'node:events';
import { Command, CommanderError } from 'commander';
import { cliPrefix, commandMentions } from './cli-invocation.js';
import { registerDemoCommand } from './commands/demo/register-demo.js';
import { jsonRequested } from './json-flag.js';
import { preferQuickStart } from './quick-start.js';
import { registerCredentialCommands } from './wiring/credential-commands.js';
import { registerLocalCommands } from './wiring/local-commands.js';
import { registerReceiverCommands } from './wiring/receiver-commands.js';
import { registerSandboxCommands } from './wiring/sandbox-commands.js';
import { registerWebhookCommands } from './wiring/webhook-commands.js';

export function buildProgram(): Command {
  const program = new Command('srhooks')
    .description('Register, receive and replay ShopRenter webhooks.')
    .version(__SRHOOKS_VERSION__, '-v, --version', 'print the version')
    .option('--json', 'machine output: one JSON document on stdout (logs stay on stderr)')
    .option('--debug', 'print stack traces of unexpected errors')
    .option('--no-color', 'no ANSI colours (NO_COLOR=1 does the same)')
    .helpOption('-h, --help', 'show help')
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    // a usage error's fix line names commands the way the CLI was started, as every other error does
    // (`start the server with npm run srhooks -- sandbox --port PORT`); set before the commands are
    // added, which inherit it. Help text is printed as it is written.
    .configureOutput({
      outputError: (text, write) =>
        write(
          commandMentions(
            cliPrefix(process.env, process.argv[1]),
            program.commands.flatMap((top) => [top.name(), ...top.aliases()]),
          )(text),
        ),
    });

  // --version under --json (before or after it) prints a JSON document as every command's result
  // does: {"version": "0.1.0"}. commander's own listener (Command is an EventEmitter, which its types
  // do not say) prints the bare version.
  (program as unknown as EventEmitter).removeAllListeners('option:version');
  program.on('option:version', () => {
    const version = __SRHOOKS_VERSION__;
    process.stdout.write(
      jsonRequested(process.argv) ? `${JSON.stringify({ version }, null, 2)}\n` : `${version}\n`,
    );
    throw new CommanderError(0, 'commander.version', version);
  });

  registerCredentialCommands(program);
  registerWebhookCommands(program);
  registerLocalCommands(program);
  registerReceiverCommands(program);
  registerSandboxCommands(program);
  registerDemoCommand(program);
  program.on('command:*', (operands: string[]) => unknownCommand(program, operands[0] ?? ''));
  program.hook('preAction', refuseEmptyShop);
  program.hook('preAction', (_program, action) => preferQuickStart(action));
  return program;
}

/**
 * `--shop ""` (as `--shop "$SHOP"` with SHOP unset) is refused, not taken for "no --shop": that would
 * act on the default shop (or SRHOOKS_SHOP's), which the command line did not name.
 */
async function refuseEmptyShop(_program: Command, action: Command): Promise<void> {
  const shop: unknown = action.opts().shop;
  // listen's --shop is a comma-separated list: `--shop ""` leaves it empty
  const empty = Array.isArray(shop) ? shop.length === 0 : typeof shop === 'string' && shop.trim() === '';
  if (!empty) return;
  const { usageError } = await import('./cli-error.js');
  throw usageError(
    '--shop is empty',
    "give the shop's name (--shop my-shop), or leave --shop out to use the default shop",
    'invalid_shop_name',
  );
}

/**
 * An unknown top-level command. When it is a subcommand typed without its command (`srhooks replay`,
 * as in "events replay"), the suggestion names the command(s) it belongs to; anything else gets
 * commander's own "Did you mean" (nearest top-level name).
 */
function unknownCommand(program: Command, name: string): void {
  const homes = program.commands
    .filter((command) => command.commands.some((sub) => sub.name() === name || sub.aliases().includes(name)))
    .map((command) => `${command.name()} ${name}`);
  if (homes.length === 0) {
    (program as unknown as { unknownCommand(): void }).unknownCommand();
    return;
  }
  const suggestion = homes.length === 1 ? homes[0] : `one of ${homes.join(', ')}`;
  program.error(`error: unknown command '${name}'\n(Did you mean ${suggestion}?)`, {
    code: 'commander.unknownCommand',
  });
}
