import { badHostError } from '../bad-host.js';
import { CliError, EXIT_CODES, usageError } from '../cli-error.js';
import { cliPrefix } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { refuseBadPort } from '../config/bad-port.js';
import { portInUseError } from '../config/port-in-use.js';
import { readInputFile } from '../input-file.js';
import { parseJsonInput } from '../json-input.js';

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Persist the sandbox's state in this JSON file. */
  data?: string;
  /** Extra shops and API clients (JSON list), see the sandbox README (`--shops`). */
  shops?: string;
  /** Platform apps to register (JSON list), see the sandbox README. */
  apps?: string;
  /** 86400 = a day of webHookDelay passes in a second. */
  timeScale?: number;
  clockOffset?: number;
  /** Lifetime of the access tokens the sandbox issues, in seconds (default 3600). */
  tokenTtl?: number;
  /** `--no-rate-limit` */
  rateLimit?: boolean;
}

export interface SandboxInfo {
  url: string;
  apiUrl: string;
  tokenUrl: string;
  shops: string[];
  demoClient: { clientId: string; clientSecret: string; scopes: string[] } | null;
  dataFile: string | null;
  login: string | null;
}

export interface SandboxResult {
  stopped: NodeJS.Signals;
}

export const DEFAULT_SANDBOX_PORT = 8787;

const LEAVE_OUT: Record<string, string> = {
  '--shops': 'leave --shops out (the sandbox then has only its default shop demo)',
  '--apps': 'leave --apps out',
};

/**
 * `--apps FILE` / `--shops FILE` are files the user wrote: one that cannot be read (missing, a
 * directory, no permission) is a usage error naming the flag and saying why in words; a syntax error
 * is reported by line and column, quoting nothing, as a usage error (exit 2) before the sandbox
 * starts (the sandbox would report both too, but as a start failure). The sandbox reads the file
 * again and checks its shape.
 */
async function checkJsonFile(flag: '--shops' | '--apps', path: string): Promise<void> {
  const text = await readInputFile(`${flag} ${path}`, path, `check the path, or ${LEAVE_OUT[flag]}`);
  parseJsonInput(text, { source: `${flag} ${path}`, hint: 'see the sandbox README for its format' });
}

/**
 * `--data FILE` may not exist yet (the sandbox creates it); one that exists but cannot be read (a
 * directory, no permission) is a usage error naming the flag. Its content is the sandbox's to check.
 */
async function checkDataFile(path: string): Promise<void> {
  const text = await readInputFile(
    `--data ${path}`,
    path,
    'give --data a file path (one that does not exist yet is created), or leave --data out to keep the state in memory',
    { missingOk: true },
  );
  if (text === undefined) return;
  // a syntax error named by the flag, the fix on the hint line (the sandbox says both in one sentence)
  parseJsonInput(text, {
    source: `--data ${path}`,
    hint: 'or move the file away to start fresh (or leave --data out to keep the state in memory)',
  });
}

/**
 * A SandboxConfigError about a file the user gave, in the CLI's words: the sandbox names its files
 * `data file X`, `seed file X`, `apps file X` (or, for an app of the apps file, only the app) and puts
 * its fix in the same sentence; here the flag and the file start the message and the fix is the hint
 * line. Undefined for an error that is about no file.
 */
function sandboxFileError(error: Error & { code?: unknown }, options: SandboxOptions): CliError | undefined {
  const code = typeof error.code === 'string' ? error.code : 'bad_sandbox_options';
  const sentence = error.message.replace(/\.$/, '');
  const fileError = (message: string, hint: string) =>
    new CliError(message, { code, exitCode: EXIT_CODES.usage, hint, cause: error });
  if (
    options.data &&
    sentence ===
      `data file ${options.data} is not a sandbox data file; move it away or pass another --data path`
  )
    return fileError(
      `--data ${options.data} is not a sandbox data file`,
      'move it away, or pass another --data path (one that does not exist yet is created)',
    );
  // every app the CLI registers comes from --apps
  if (options.apps && code === 'bad_app')
    return fileError(
      `--apps ${options.apps}: ${sentence}`,
      'fix that app in the file (see the sandbox README for its fields), or leave --apps out',
    );
  for (const [flag, path, name] of [
    ['--apps', options.apps, 'apps file'],
    ['--shops', options.shops, 'seed file'],
  ] as const) {
    const prefix = `${name} ${path}`;
    if (path && sentence.startsWith(prefix))
      return fileError(
        `${flag} ${path}${sentence.slice(prefix.length)}`,
        `fix the file (see the sandbox README for its format), or leave ${flag} out`,
      );
  }
  return undefined;
}

/**
 * Runs the emulated ShopRenter shop until Ctrl-C. Its client credentials are the sandbox's fixed
 * public demo values (not user secrets), so they are printed to copy into `srhooks login`.
 */
export const sandboxCommand = defineCommand<SandboxOptions, SandboxResult>({
  streaming: true,
  async run(options, context) {
    // handle Ctrl-C from now on, so it is never the default "die at once"
    const interrupted = context.untilInterrupted();
    const { startSandbox, DEMO_CLIENT } = await import('@srhooks/sandbox');
    const port = options.port ?? DEFAULT_SANDBOX_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw usageError(`--port must be 0-65535, got ${port}`);
    await refuseBadPort(port);
    if (options.shops) await checkJsonFile('--shops', options.shops);
    if (options.apps) await checkJsonFile('--apps', options.apps);
    if (options.data) await checkDataFile(options.data);
    const spinner = context.output.spinner('starting the sandbox shop');
    let running: Awaited<ReturnType<typeof startSandbox>>;
    try {
      running = await startSandbox({
        port,
        host: options.host ?? '127.0.0.1',
        ...(options.data ? { dataFile: options.data } : {}),
        ...(options.shops ? { seedFile: options.shops } : {}),
        ...(options.apps ? { appsFile: options.apps } : {}),
        ...(options.timeScale ? { timeScale: options.timeScale } : {}),
        ...(options.clockOffset ? { clockOffsetSeconds: options.clockOffset } : {}),
        ...(options.tokenTtl ? { tokenTtlSeconds: options.tokenTtl } : {}),
        ...(options.rateLimit === false ? { rateLimit: false as const } : {}),
      });
      spinner.stop();
    } catch (error) {
      spinner.stop();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw portInUseError(port);
      }
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL') {
        throw badHostError(String(options.host), code);
      }
      if ((error as Error).name === 'SandboxConfigError')
        throw sandboxFileError(error as Error, options) ?? usageError((error as Error).message);
      throw error;
    }
    const shops = running.sandbox.shopNames();
    // the commands to copy, written as the user runs srhooks (a clone: npm run srhooks --; cli-invocation.ts)
    const cli = cliPrefix(context.env, process.argv[1]);
    const hasDemo = running.sandbox
      .findShop('demo')
      ?.seed.clients.some((client) => client.clientId === DEMO_CLIENT.clientId);
    const info: SandboxInfo = {
      url: running.url,
      apiUrl: running.apiUrlTemplate,
      tokenUrl: running.tokenUrlTemplate,
      shops,
      demoClient: hasDemo
        ? {
            clientId: DEMO_CLIENT.clientId,
            clientSecret: DEMO_CLIENT.clientSecret,
            scopes: [...DEMO_CLIENT.scopes],
          }
        : null,
      dataFile: options.data ?? null,
      login: hasDemo
        ? `${cli} login --shop demo --client-id ${DEMO_CLIENT.clientId} --client-secret ${DEMO_CLIENT.clientSecret} --api-url '${running.apiUrlTemplate}' --token-url '${running.tokenUrlTemplate}'`
        : null,
    };
    if (context.output.json) {
      context.output.jsonLine({ type: 'sandbox_started', ...info });
    } else {
      const { style } = context.output;
      const lines = [
        `${style.green('✔')} sandbox ShopRenter running at ${style.bold(info.url)}`,
        `  shops          ${shops.join(', ')}`,
        `  API            ${info.apiUrl}`,
        `  token URL      ${info.tokenUrl}`,
      ];
      if (info.demoClient) {
        lines.push(
          `  client id      ${info.demoClient.clientId}`,
          `  client secret  ${info.demoClient.clientSecret}  ${style.dim('(public sandbox demo value)')}`,
          `  scopes         ${info.demoClient.scopes.join(' ')}`,
        );
      }
      lines.push(`  data           ${info.dataFile ?? style.dim('in memory (--data FILE keeps it)')}`);
      if (options.clockOffset) lines.push(`  shop clock     ${clockOffsetText(options.clockOffset)}`);
      const apps = running.sandbox.apps.list();
      if (apps.length > 0) {
        lines.push(
          `  apps           ${apps.map((app) => app.appId).join(', ')} ${style.dim(`(${cli} app install --shop NAME)`)}`,
        );
      }
      if (info.login) lines.push('', 'log in:', `  ${info.login}`);
      lines.push(
        'place an order:',
        `  ${cli} sandbox order --shop ${shops[0] ?? 'demo'} --sandbox-url ${info.url}`,
        '',
        style.dim('Ctrl-C stops it'),
      );
      context.output.line(lines.join('\n'));
    }
    const signal = await interrupted;
    context.output.info(`stopping the sandbox (${signal})`);
    await running.close();
    if (context.output.json) context.output.jsonLine({ type: 'sandbox_stopped', signal });
    return { stopped: signal };
  },
});

/** `10 min 5 s behind this machine's` (the shops' clock under --clock-offset). */
export function clockOffsetText(seconds: number): string {
  const size = Math.abs(seconds);
  const parts = [
    size >= 3600 ? `${Math.floor(size / 3600)} h` : '',
    size % 3600 >= 60 ? `${Math.floor((size % 3600) / 60)} min` : '',
    size % 60 > 0 ? `${size % 60} s` : '',
  ].filter((part) => part !== '');
  return `${parts.join(' ')} ${seconds < 0 ? 'behind' : 'ahead of'} this machine's`;
}
