import type { Command } from 'commander';
import type { ReceiverShopsOptions } from '../commands/receiver-shops.js';
import { examples } from './help-text.js';
import { runLazily } from './run-lazily.js';
import { parseTimeout, requestTimeoutOption, TIMEOUT_FLAG } from './timeout-option.js';

/** login, shops, logout. */
export function registerCredentialCommands(program: Command): void {
  program
    .command('login')
    .description('store API credentials for a shop (verified by getting a token) and show the granted scopes')
    .option('--shop <name>', 'shop name: my-shop of my-shop.shoprenter.hu (default: SRHOOKS_SHOP)')
    .option(
      '--client-id <id>',
      'API client id (shop admin: Settings > API Settings; default: SRHOOKS_CLIENT_ID)',
    )
    .option('--client-secret <secret>', 'API client secret (default: SRHOOKS_CLIENT_SECRET)')
    .option('--secret-stdin', 'read the client secret (or password) from stdin instead')
    .option('--username <user>', 'legacy Basic auth API user (instead of OAuth)')
    .option('--password <password>', 'legacy Basic auth password')
    .option(
      '--api-url <url>',
      'API base URL, may contain {shop} (default: https://{shop}.api2.myshoprenter.hu/api)',
    )
    .option(
      '--token-url <url>',
      'OAuth token URL, may contain {shop} (default: https://oauth.app.shoprenter.net/{shop}/app/token)',
    )
    .option('--no-verify', 'store without asking the shop for a token')
    .option(
      TIMEOUT_FLAG,
      'time limit of each check (the token request, the API read), e.g. 30s: one request each, not retried (default 10s)',
      parseTimeout,
    )
    .addHelpText(
      'after',
      examples(
        'srhooks login --shop my-shop --client-id abc123 --client-secret "$SECRET"',
        'pass show shoprenter | srhooks login --shop my-shop --client-id abc123 --secret-stdin',
        'srhooks login --shop demo --client-id demo-client --client-secret demo-secret --api-url http://127.0.0.1:4700/{shop}/api --token-url http://127.0.0.1:4700/{shop}/app/token',
      ),
    )
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      await runLazily(command, async () => (await import('../commands/login.js')).loginCommand, options);
    });

  program
    .command('shops')
    .description(
      'list the shops with stored credentials (secrets are never shown); with --receiver, the shops a receiver serves (config and app installs)',
    )
    .option(
      '--receiver [url]',
      "list a receiver's shops through its admin API instead; without a URL, the receiver the admin commands find (SRHOOKS_RECEIVER_URL, else this config directory's running srhooks listen, on any port)",
    )
    .option(
      '--admin-token <token>',
      "the receiver's admin token (default: the running srhooks listen's own when it is the receiver found, else SRHOOKS_ADMIN_TOKEN)",
    )
    .addOption(requestTimeoutOption('the receiver (with --receiver)'))
    .addHelpText(
      'after',
      examples(
        'srhooks shops',
        'srhooks shops --json',
        'srhooks shops --receiver                # the running srhooks listen',
        'srhooks shops --receiver https://hooks.example.com',
      ),
    )
    .action(
      async (
        options: Omit<ReceiverShopsOptions, 'receiver'> & { receiver?: string | true },
        command: Command,
      ) => {
        const { receiver, ...rest } = options;
        if (receiver !== undefined) {
          // `--receiver` alone: the receiver every admin command finds by itself
          const target: ReceiverShopsOptions = typeof receiver === 'string' ? { ...rest, receiver } : rest;
          await runLazily(
            command,
            async () => (await import('../commands/receiver-shops.js')).receiverShopsCommand,
            target,
          );
          return;
        }
        await runLazily(command, async () => (await import('../commands/shops.js')).shopsCommand, rest);
      },
    );

  program
    .command('logout')
    .description("forget a shop's stored credentials")
    .option('--shop <name>', 'the shop to forget (default: SRHOOKS_SHOP, or the only stored shop)')
    .option('--all', 'forget every stored shop')
    .addHelpText('after', examples('srhooks logout --shop my-shop', 'srhooks logout --all'))
    .action(async (options: { shop?: string; all?: boolean }, command: Command) => {
      await runLazily(command, async () => (await import('../commands/logout.js')).logoutCommand, options);
    });
}
