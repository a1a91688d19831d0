/**
 * Builds the receiver's and the sandbox's images from their Dockerfiles and runs them — the
 * opt-in `pnpm --filter @srhooks/release-tests test:images` (minutes of work and an engine the
 * default test machine lacks, so not part of `npm test`; dockerfile-steps.test.ts is).
 *
 * Engine: buildah (`--isolation chroot`, `vfs` storage) and podman with runc, as root without a
 * daemon (`apt-get install -y buildah podman runc debootstrap`). Base image: SRHOOKS_NODE_IMAGE, else
 * node:20-slim from Docker Hub, else — where Docker Hub cannot be reached — a local stand-in for it
 * (images/stand-in-node-image.sh). Two settings make podman run here (docs/container-images.md):
 * no default ulimits (the machine refuses setrlimit) and runc (crun refuses hybrid cgroups).
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYABLE_APPS } from '../src/deploy-steps.js';
import { cleanEnv, type ProcessResult, runOrThrow, runProcess } from '../src/run-process.js';
import { REPO_ROOT } from '../src/workspace.js';

const RUN_ID = `${process.pid}-${randomBytes(3).toString('hex')}`;
const STAND_IN = 'localhost/srhooks-stand-in-node:20-slim';
const CONTAINERS_CONF = join(tmpdir(), `srhooks-containers-${RUN_ID}.conf`);
const ENV = cleanEnv({ CONTAINERS_CONF });
const BUILDAH = ['buildah', '--storage-driver', 'vfs'];
const PODMAN = ['podman', '--storage-driver', 'vfs', '--runtime', 'runc'];
const SECRET = 'image-check-secret-0123456789';
const ADMIN_TOKEN = 'image-check-admin-token-0123456789';

let base: string;
const made: { images: string[]; containers: string[]; volumes: string[] } = {
  images: [],
  containers: [],
  volumes: [],
};

function engine(command: string[], args: string[], timeoutMs = 120_000): Promise<ProcessResult> {
  const [bin = '', ...rest] = command;
  return runProcess(bin, [...rest, ...args], { cwd: REPO_ROOT, env: ENV, timeoutMs });
}

async function engineOrThrow(command: string[], args: string[], timeoutMs = 120_000): Promise<ProcessResult> {
  const result = await engine(command, args, timeoutMs);
  if (result.code !== 0)
    throw new Error(`${command.join(' ')} ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result;
}

async function waitForReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`${url} not ready within ${timeoutMs} ms (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  for (const tool of ['buildah', 'podman', 'runc', 'debootstrap']) {
    const found = await runProcess('sh', ['-c', `command -v ${tool}`], { cwd: REPO_ROOT });
    if (found.code !== 0)
      throw new Error(`${tool} is missing: apt-get install -y buildah podman runc debootstrap`);
  }
  writeFileSync(CONTAINERS_CONF, '[containers]\ndefault_ulimits = []\n');
  if (process.env.SRHOOKS_NODE_IMAGE) {
    base = process.env.SRHOOKS_NODE_IMAGE;
  } else {
    const pulled = await engine(BUILDAH, ['pull', 'docker.io/library/node:20-slim'], 120_000);
    if (pulled.code === 0) base = 'docker.io/library/node:20-slim';
    else {
      process.stdout.write(
        `node:20-slim cannot be pulled (${pulled.stderr.trim().split('\n').at(-1)}); using ${STAND_IN}\n`,
      );
      await runOrThrow(join(REPO_ROOT, 'tests/release/images/stand-in-node-image.sh'), [STAND_IN], {
        cwd: REPO_ROOT,
        timeoutMs: 600_000,
      });
      base = STAND_IN;
    }
  }
}, 900_000);

afterAll(async () => {
  for (const container of made.containers) await engine(PODMAN, ['rm', '-f', container]);
  for (const volume of made.volumes) await engine(PODMAN, ['volume', 'rm', '-f', volume]);
  for (const image of made.images) await engine(BUILDAH, ['rmi', '-f', image]);
  rmSync(CONTAINERS_CONF, { force: true });
});

describe.each(DEPLOYABLE_APPS.map((app) => [app.name, app] as const))('%s image', (_name, app) => {
  const short = app.name.replace('@srhooks/', '');
  const image = `localhost/srhooks-${short}:check-${RUN_ID}`;
  let config: {
    User: string;
    WorkingDir: string;
    Cmd: string[];
    Volumes: Record<string, object>;
    Healthcheck?: { Test: string[] };
  };

  beforeAll(async () => {
    await engineOrThrow(
      BUILDAH,
      [
        'bud',
        '--isolation',
        'chroot',
        '--format',
        'docker',
        '--layers=false',
        '--build-arg',
        `NODE_IMAGE=${base}`,
        '-f',
        `${app.path}/Dockerfile`,
        '-t',
        image,
        '.',
      ],
      1_500_000,
    );
    made.images.push(image);
    const inspected = await engineOrThrow(BUILDAH, ['inspect', '--type', 'image', image]);
    config = (JSON.parse(inspected.stdout) as { Docker: { config: typeof config } }).Docker.config;
  }, 1_600_000);

  it('is configured as the Dockerfile says: non-root, /app, /data volume, HEALTHCHECK on /readyz, the command', () => {
    expect(config.User).toBe('node');
    expect(config.WorkingDir).toBe('/app');
    expect(Object.keys(config.Volumes)).toEqual(['/data']);
    expect(config.Healthcheck?.Test.join(' ')).toContain('/readyz');
    expect(config.Cmd).toEqual(app.command);
  });

  it('runs: ready, healthy, serves its purpose, and stops gracefully on SIGTERM', async () => {
    const port = await freePort();
    const container = `srhooks-${short}-${RUN_ID}`;
    const volume = `srhooks-${short}-data-${RUN_ID}`;
    made.containers.push(container);
    made.volumes.push(volume);
    await engineOrThrow(PODMAN, [
      'run',
      '-d',
      '--name',
      container,
      '--network',
      'host',
      '-v',
      `${volume}:/data`,
      '-e',
      `PORT=${port}`,
      '-e',
      `SRHOOKS_SECRETS=${SECRET}`,
      '-e',
      `SRHOOKS_ADMIN_TOKEN=${ADMIN_TOKEN}`,
      image,
    ]);
    const origin = `http://127.0.0.1:${port}`;
    await waitForReady(`${origin}/readyz`);
    const health = await engine(PODMAN, ['healthcheck', 'run', container]);
    expect(health.code, health.stdout + health.stderr).toBe(0);
    const user = await engineOrThrow(PODMAN, ['exec', container, 'id', '-u']);
    expect(user.stdout.trim()).toBe('1000');

    if (app.name === '@srhooks/receiver') {
      const url = signDeliveryUrl(origin, { shop: 'demo', event: 'order_confirm' }, SECRET);
      const sent = await runProcess(
        process.execPath,
        [join(REPO_ROOT, 'apps/cli/dist/cli.js'), 'trigger', 'order_confirm', '--to', url, '--json'],
        {
          cwd: REPO_ROOT,
          env: {
            PATH: process.env.PATH,
            NO_COLOR: '1',
            SRHOOKS_CONFIG_DIR: join(tmpdir(), `srhooks-img-${RUN_ID}`),
          },
        },
      );
      expect(sent.code, sent.stderr).toBe(0);
      const events = await fetch(`${origin}/admin/api/events`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(((await events.json()) as { items: unknown[] }).items).toHaveLength(1);
      const files = await engineOrThrow(PODMAN, ['exec', container, 'ls', '/data']);
      expect(files.stdout).toContain('srhooks.db');
    } else {
      const shops = await fetch(`${origin}/_sandbox/shops`);
      expect(await shops.json()).toMatchObject({ shops: [expect.objectContaining({ name: 'demo' })] });
    }

    await engineOrThrow(PODMAN, ['stop', '--time', '15', container]);
    const state = await engineOrThrow(PODMAN, ['inspect', container, '--format', '{{.State.ExitCode}}']);
    expect(state.stdout.trim()).toBe('0');
    const logs = await engineOrThrow(PODMAN, ['logs', container]);
    expect(`${logs.stdout}${logs.stderr}`).toContain(
      app.name === '@srhooks/receiver' ? 'receiver stopped' : 'sandbox stopping',
    );
  });
});
