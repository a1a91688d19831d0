#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEMO_CLIENT, type SandboxOptions } from './options.js';
import { startSandbox } from './start-sandbox.js';

const USAGE = `Usage: node dist/main.js [--port N] [--host H] [--data sandbox.json] [--shops shops.json]
                         [--apps apps.json] [--time-scale N] [--token-ttl SECONDS] [--no-rate-limit]
Environment: PORT, HOST (flags win).`;

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${value}'.`);
  return n;
}

function readOptions(): SandboxOptions {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      shops: { type: 'string' },
      apps: { type: 'string' },
      'time-scale': { type: 'string' },
      'token-ttl': { type: 'string' },
      'no-rate-limit': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const port = numberFlag(values.port ?? process.env.PORT, '--port') ?? 8787;
  const timeScale = numberFlag(values['time-scale'], '--time-scale');
  const ttl = numberFlag(values['token-ttl'], '--token-ttl');
  return {
    port,
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    logger: true,
    ...(values.data ? { dataFile: values.data } : {}),
    ...(values.shops ? { seedFile: values.shops } : {}),
    ...(values.apps ? { appsFile: values.apps } : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(ttl === undefined ? {} : { tokenTtlSeconds: ttl }),
    ...(values['no-rate-limit'] ? { rateLimit: false as const } : {}),
  };
}

async function main(): Promise<void> {
  let options: SandboxOptions;
  try {
    options = readOptions();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const running = await startSandbox(options);
  const shops = running.sandbox.shopNames();
  const lines = [
    `ShopRenter sandbox listening on ${running.url}`,
    `  token endpoint: POST ${running.tokenUrlTemplate}`,
    `  API base:       ${running.apiUrlTemplate}`,
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
