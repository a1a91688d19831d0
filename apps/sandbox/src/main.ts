#!/usr/bin/env node
import { readMainOptions, startFailure, USAGE } from './main-options.js';
import { DEMO_CLIENT, type SandboxOptions } from './options.js';
import { startSandbox } from './start-sandbox.js';

async function main(): Promise<void> {
  let options: SandboxOptions;
  try {
    const read = readMainOptions(process.argv.slice(2), process.env);
    if (read === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    options = read;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  let running: Awaited<ReturnType<typeof startSandbox>>;
  try {
    running = await startSandbox(options);
  } catch (error) {
    process.stderr.write(`sandbox failed to start: ${startFailure(error, options)}\n`);
    process.exitCode = 1;
    return;
  }
  const shops = running.sandbox.shopNames();
  const lines = [
    `ShopRenter sandbox listening on ${running.url}`,
    `  token endpoint: POST ${running.tokenUrlTemplate}`,
    `  API base:       ${running.apiUrlTemplate} (Bearer tokens)`,
    `  legacy API:     ${running.legacyApiUrlTemplate} (HTTP Basic auth, shops with basicAuth)`,
    `  simulator:      ${running.url}/{shop}/_sandbox/orders (POST), …/deliveries (GET)`,
    `  token keys:     ${running.jwksUrl} (RS256)`,
    `  shops:          ${shops.join(', ')}`,
  ];
  if (
    shops.includes('demo') &&
    running.sandbox.findShop('demo')?.seed.clients.some((c) => c.clientId === DEMO_CLIENT.clientId)
  ) {
    lines.push(
      `  demo client:    client_id=${DEMO_CLIENT.clientId} client_secret=${DEMO_CLIENT.clientSecret}`,
      `                  scopes: ${DEMO_CLIENT.scopes.join(' ')}`,
    );
  }
  lines.push(
    options.dataFile
      ? `  data file:      ${options.dataFile}`
      : '  data:           in memory (use --data FILE to keep it)',
  );
  process.stdout.write(`${lines.join('\n')}\n`);

  const stop = (signal: string) => {
    running.app.log.info({ signal }, 'sandbox stopping');
    running.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox failed to start: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
