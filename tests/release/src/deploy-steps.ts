/**
 * How a deployable folder of an app (receiver, sandbox) is made, in one place: the deploy test runs
 * these steps, and each app's Dockerfile must run the same ones (dockerfile-steps.test.ts).
 *
 * 1. install the app and the workspace packages it depends on (`pnpm install --frozen-lockfile`);
 * 2. build them (`pnpm --filter <app>... run build`);
 * 3. `pnpm --filter <app> deploy --prod <dir>`: the app's `dist/`, its manifest, and a
 *    node_modules with its production dependencies only, workspace packages copied in (not
 *    linked), so the folder runs anywhere with `node dist/main.js`.
 *
 * The tests run inside a workspace that is already installed and built (turbo builds every
 * package before any test), so they run step 3 only; the Dockerfile runs all three.
 */

export interface DeployableApp {
  readonly name: string;
  /** Folder inside the repository. */
  readonly path: string;
  /** The image's command, as the Dockerfile's CMD array. */
  readonly command: readonly string[];
}

export const DEPLOYABLE_APPS: readonly DeployableApp[] = [
  {
    name: '@srhooks/receiver',
    path: 'apps/receiver',
    // the `start` script of apps/receiver/package.json (see the receiver's docs/operations.md, Memory, for the flags)
    command: ['node', '--max-semi-space-size=4', '--heap-growing-percent=50', 'dist/main.js'],
  },
  {
    name: '@srhooks/sandbox',
    path: 'apps/sandbox',
    command: ['node', 'dist/main.js', '--data', '/data/sandbox.json'],
  },
];

/** pnpm arguments of each step for `app`, deploying into `target`. */
export function deploySteps(
  app: DeployableApp,
  target: string,
): { install: string[]; build: string[]; deploy: string[] } {
  return {
    install: ['install', '--frozen-lockfile', '--filter', `${app.name}...`],
    build: ['--filter', `${app.name}...`, 'run', 'build'],
    deploy: ['--filter', app.name, 'deploy', '--prod', target],
  };
}
