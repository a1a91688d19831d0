/**
 * The receiver's deploy folder (`pnpm --filter @srhooks/receiver deploy --prod`, deploy-steps.ts)
 * works on its own: copied to a temporary folder outside the repository and the original deleted,
 * `node dist/main.js` starts on SQLite, stores a delivery sent exactly as a shop sends it, answers
 * /readyz and the admin API, and stops cleanly on SIGTERM. Its production tree holds no dev tool;
 * its size is printed (and recorded in the receiver's operations guide, docs/operations.md).
 */
import { cpSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYABLE_APPS, deploySteps } from './deploy-steps.js';
import { type RunningProcess, runOrThrow, runProcess, startProcess } from './run-process.js';
import { pnpmCommand, REPO_ROOT, readManifest } from './workspace.js';

const RECEIVER = DEPLOYABLE_APPS.find((app) => app.name === '@srhooks/receiver');
if (!RECEIVER) throw new Error('the receiver is not a deployable app');
const SECRET = 'deploy-check-secret-0123456789';
const ADMIN_TOKEN = 'deploy-check-admin-token-0123456789';
/** Packages only development needs; none may reach the production tree. */
const DEV_TOOLS = [
  'typescript',
  'vitest',
  'vite',
  'tsup',
  'esbuild',
  'turbo',
  '@biomejs/biome',
  'autocannon',
  'playwright-core',
  '@redocly/cli',
  'openapi-typescript',
  '@changesets/cli',
];

/** The SQLite online backup of the receiver's docs/operations.md (Backups), word for word. */
const ONLINE_BACKUP =
  "require('better-sqlite3')(process.argv[1]).backup(process.argv[2]).then(() => console.log('ok'))";
const COUNT_DELIVERIES =
  "console.log(require('better-sqlite3')(process.argv[1], { readonly: true }).prepare('SELECT count(*) AS n FROM deliveries').get().n)";

let scratch: string;
let folder: string;
let receiver: RunningProcess | undefined;

/** Every package in a pnpm node_modules/.pnpm (`@scope+name@1.2.3_peer` → `@scope/name`). */
function installedPackages(root: string): string[] {
  return readdirSync(join(root, 'node_modules', '.pnpm'))
    .map((entry) => /^(@[^+]+\+[^@]+|[^@]+)@/.exec(entry)?.[1]?.replace('+', '/'))
    .filter((name): name is string => name !== undefined);
}

function folderSize(root: string): { bytes: number; files: number; outside: string[] } {
  let bytes = 0;
  let files = 0;
  const outside: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = resolve(dirname(path), readlinkSync(path));
        if (relative(root, target).startsWith('..')) outside.push(path);
      } else if (entry.isDirectory()) walk(path);
      else {
        bytes += lstatSync(path).size;
        files += 1;
      }
    }
  };
  walk(root);
  return { bytes, files, outside };
}

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'srhooks-deploy-')));
  const made = join(scratch, 'made');
  const [command, prefix] = pnpmCommand();
  await runOrThrow(command, [...prefix, ...deploySteps(RECEIVER, made).deploy], {
    cwd: REPO_ROOT,
    timeoutMs: 300_000,
  });
  // Copied somewhere else (links kept as they are) and the original removed: nothing may point back.
  folder = join(scratch, 'elsewhere', 'srhooks-receiver');
  cpSync(made, folder, { recursive: true, verbatimSymlinks: true });
  rmSync(made, { recursive: true, force: true });
}, 600_000);

afterAll(async () => {
  await receiver?.stop('SIGKILL');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the receiver deploy folder', () => {
  it('holds the built receiver and its production dependencies only, with no link leaving the folder', () => {
    const manifest = readManifest(folder);
    expect(manifest.name).toBe('@srhooks/receiver');
    const installed = installedPackages(folder);
    for (const dependency of Object.keys(manifest.dependencies ?? {}))
      expect(installed).toContain(dependency);
    const devOnly = Object.keys(readManifest(join(REPO_ROOT, RECEIVER.path)).devDependencies ?? {});
    expect(installed.filter((name) => DEV_TOOLS.includes(name) || devOnly.includes(name))).toEqual([]);
    expect(installed.filter((name) => name.startsWith('@types/'))).toEqual([]);
    const size = folderSize(folder);
    expect(size.outside).toEqual([]);
    // Reported, not judged: the operations guide (docs/operations.md) quotes it.
    process.stdout.write(
      `receiver deploy folder: ${(size.bytes / 1024 / 1024).toFixed(1)} MB in ${size.files} files, ${installed.length} packages\n`,
    );
  });

  it('runs with node dist/main.js: stores a delivery, answers /readyz and the admin API, backs up online, stops on SIGTERM', async () => {
    receiver = startProcess(process.execPath, RECEIVER.command.slice(1), {
      cwd: folder,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: '0',
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
        SRHOOKS_DB: join(scratch, 'data', 'srhooks.db'),
      },
    });
    const listening = await receiver.waitForLine(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const base = /http:\/\/127\.0\.0\.1:\d+/.exec(listening)?.[0] ?? '';

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);

    const url = signDeliveryUrl(base, { shop: 'demo', event: 'order_confirm' }, SECRET);
    const cli = join(REPO_ROOT, 'apps/cli/dist/cli.js');
    const sent = await runProcess(
      process.execPath,
      [cli, 'trigger', 'order_confirm', '--to', url, '--seed', 'deploy', '--json'],
      {
        cwd: scratch,
        env: { PATH: process.env.PATH, NO_COLOR: '1', SRHOOKS_CONFIG_DIR: join(scratch, 'cli') },
      },
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ ok: true, response: { status: 200 } });

    const events = await fetch(`${base}/admin/api/events?shop=demo`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(events.status).toBe(200);
    const body = (await events.json()) as { ok: boolean; items: { shop: string; event: string }[] };
    expect(body.items).toEqual([expect.objectContaining({ shop: 'demo', event: 'order_confirm' })]);

    // The operations guide's online backup, taken while the receiver runs, holds the delivery.
    const backup = join(scratch, 'backup.db');
    const taken = await runProcess(
      process.execPath,
      ['-e', ONLINE_BACKUP, join(scratch, 'data', 'srhooks.db'), backup],
      {
        cwd: folder,
      },
    );
    expect(taken.stdout.trim(), taken.stderr).toBe('ok');
    const count = await runProcess(process.execPath, ['-e', COUNT_DELIVERIES, backup], { cwd: folder });
    expect(count.stdout.trim(), count.stderr).toBe('1');

    expect(await receiver.stop('SIGTERM')).toBe(0);
    expect(receiver.stdout()).toContain('receiver stopped');
  });
});
