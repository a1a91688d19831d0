/**
 * Each app's Dockerfile makes its image from exactly the steps the deploy test proves
 * (deploy-steps.ts): install, build, `pnpm deploy --prod`, then Node 20 slim with the deploy folder
 * and nothing else, run as the non-root `node` user, with the /data volume, a HEALTHCHECK on
 * /readyz and the app's own command (the receiver's `start` script), SIGTERM as the stop signal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOYABLE_APPS, deploySteps } from './deploy-steps.js';
import { readDockerfile, runCommand } from './dockerfile.js';
import { pnpmCommand, REPO_ROOT, readManifest } from './workspace.js';

const DEPLOY_DIR = '/deploy';

describe.each(DEPLOYABLE_APPS.map((app) => [app.name, app] as const))('%s Dockerfile', (_name, app) => {
  const dockerfile = readDockerfile(join(REPO_ROOT, app.path, 'Dockerfile'));
  const [build, runtime] = dockerfile.stages;

  it('has two stages on node:20-slim (the base a build argument, so a test can stand one in)', () => {
    expect(dockerfile.preamble).toEqual([{ keyword: 'ARG', args: 'NODE_IMAGE=node:20-slim' }]);
    expect(dockerfile.stages.map((stage) => stage.from)).toEqual([
      `\${NODE_IMAGE} AS build`,
      `\${NODE_IMAGE}`,
    ]);
  });

  it("builds with the deploy test's steps, in order: install, build, deploy --prod", () => {
    const [command, prefix] = pnpmCommand();
    const pnpm = [command, ...prefix].join(' ');
    const steps = deploySteps(app, DEPLOY_DIR);
    const pnpmRuns = (build?.instructions ?? [])
      .filter((instruction) => instruction.keyword === 'RUN')
      .map(runCommand)
      .filter((run) => run.includes('pnpm'));
    expect(pnpmRuns).toEqual(
      [steps.install, steps.build, steps.deploy].map((args) => `${pnpm} ${args.join(' ')}`),
    );
    expect(build?.instructions.filter((instruction) => instruction.keyword === 'COPY')).toEqual([
      { keyword: 'COPY', args: '. .' },
    ]);
  });

  it('ships the deploy folder only, as the non-root node user, with /data, a /readyz HEALTHCHECK and SIGTERM', () => {
    const of = (keyword: string) =>
      (runtime?.instructions ?? [])
        .filter((instruction) => instruction.keyword === keyword)
        .map((i) => i.args);
    expect(of('COPY')).toEqual([`--from=build ${DEPLOY_DIR} /app`]);
    expect(of('WORKDIR')).toEqual(['/app']);
    expect(of('USER')).toEqual(['node']);
    expect(of('VOLUME')).toEqual(['/data']);
    expect(of('STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(of('HEALTHCHECK')).toHaveLength(1);
    expect(of('HEALTHCHECK')[0]).toMatch(
      /^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \[/,
    );
    expect(of('HEALTHCHECK')[0]).toContain("'/readyz'");
    expect(of('ENV').join(' ')).toContain('HOST=0.0.0.0');
    // USER comes after the only RUN (which makes /data the node user's): the app never runs as root.
    const keywords = (runtime?.instructions ?? []).map((instruction) => instruction.keyword);
    expect(keywords.lastIndexOf('RUN')).toBeLessThan(keywords.indexOf('USER'));
  });

  it("starts the app with its own command (the receiver: its package's start script)", () => {
    const cmd = (runtime?.instructions ?? []).filter((instruction) => instruction.keyword === 'CMD');
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0]?.args ?? '[]')).toEqual(app.command);
    const script = readManifest(join(REPO_ROOT, app.path)).scripts?.start ?? '';
    // leading NAME=value assignments of the start script are ENV instructions of the image
    const assignments =
      script
        .match(/^(?:[A-Z_]+=\S+ )*/)?.[0]
        .trim()
        .split(' ')
        .filter(Boolean) ?? [];
    const start = script.slice(script.indexOf('node'));
    const env = (runtime?.instructions ?? [])
      .filter((instruction) => instruction.keyword === 'ENV')
      .map((instruction) => instruction.args);
    for (const assignment of assignments)
      expect(
        env.some((args) => args.split(/[\s\\]+/).includes(assignment)),
        assignment,
      ).toBe(true);
    if (app.name === '@srhooks/receiver') expect(app.command.join(' ')).toBe(start);
    else expect(app.command.slice(0, 2).join(' ')).toBe(start);
  });
});

/** The `docker run` recipes of the receiver's docs/operations.md (a command may continue over `\`-ended lines). */
function readmeDockerRuns(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'apps/receiver/docs/operations.md'), 'utf8');
  const start = readme.indexOf('\n## Container image\n');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0)
    throw new Error('apps/receiver/docs/operations.md has no "## Container image" section');
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => (block[1] ?? '').replace(/\\\n\s*/g, ' ').split('\n'))
    .filter((line) => /^docker run\b/.test(line.trim()));
}

/** The root README's `docker run` commands of the receiver image. */
function rootReadmeReceiverRuns(): string[] {
  return readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => /^docker run\b/.test(line.trim()) && /\bsrhooks-receiver\s*$/.test(line.trim()));
}

describe("the receiver docs' container recipe", () => {
  it('restarts the container when the receiver exits (a crash, the store unreachable at start)', () => {
    // The receiver exits 1 on purpose after an uncaught exception and when its store is unreachable at
    // start (docs/monitoring.md, configuration.md): without a restart policy a detached container stayed
    // stopped for good — every delivery refused — where the systemd unit has Restart=on-failure.
    const runs = [...readmeDockerRuns(), ...rootReadmeReceiverRuns()];
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) expect(run).toMatch(/\s--restart[= ]unless-stopped\s/);
  });

  it('trusts as proxy an address the container actually sees the proxy come from', () => {
    const runs = readmeDockerRuns();
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      const trust = /SRHOOKS_TRUST_PROXY=(\S+)/.exec(run)?.[1];
      if (trust === undefined) continue;
      const hostNetwork = /--network[= ]host\b/.test(run);
      // Published ports (bridge networking): a proxy on the host reaches the container through the
      // bridge, so the receiver sees the bridge gateway's address, never its own loopback.
      if (!hostNetwork) {
        expect(run, 'a bridge-networked container never sees 127.0.0.1 as its peer').not.toMatch(
          /SRHOOKS_TRUST_PROXY=(127\.0\.0\.1|::1|localhost|loopback)\b/,
        );
        // Only what reaches the published port is trusted, so publish it on loopback only.
        expect(run).toMatch(/-p 127\.0\.0\.1:\d+:\d+/);
      } else {
        expect(run).not.toMatch(/\s-p\s/);
      }
    }
  });
});
