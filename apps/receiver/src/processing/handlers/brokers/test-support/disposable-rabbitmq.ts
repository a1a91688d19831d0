/**
 * A RabbitMQ server of one test file's own: `rabbitmq-server` (installed with the machine's RabbitMQ)
 * started on free loopback ports, under a node name, data, log and Erlang cookie of its own in a
 * temporary folder, with the settings the test needs (a small `max_message_size`, …). The machine's
 * shared RabbitMQ is never touched: tests that need a broker in a state they must not put the shared
 * one in (a memory alarm, another message size limit) use this one, and change it at run time with
 * `rabbitmqctl -n <its node>` (`ctl`). Starting takes some seconds (10–20 on a loaded 2-core machine):
 * one per file, in `beforeAll`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { spawnUntilReady } from './spawn-until-ready.js';

const run = promisify(execFile);
/**
 * Where rabbitmq-server and rabbitmqctl are: Debian's own scripts (its /usr/sbin ones switch to the
 * rabbitmq user when run as root, who cannot use the test's folder), else the first on the PATH.
 */
function rabbitmqBin(): string {
  const dirs = ['/usr/lib/rabbitmq/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  const found = dirs.find((dir) => existsSync(join(dir, 'rabbitmq-server')));
  if (!found)
    throw new Error(
      'rabbitmq-server is not installed (not in /usr/lib/rabbitmq/bin nor on the PATH): these tests start a RabbitMQ of their own; install it (apt install rabbitmq-server)',
    );
  return found;
}
const STARTED = /Server startup complete/;
const ERL_QUIET_SCHEDULERS = '+sbwt none +sbwtdcpu none +sbwtdio none';

export interface DisposableRabbitMq {
  readonly port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>` (guest may log in over loopback). */
  readonly url: string;
  /** Runs `rabbitmqctl -n <this node> …args`; resolves to its output. */
  ctl(...args: string[]): Promise<string>;
  /** Stops the server (its process group) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts one; `config` lines are added to its rabbitmq.conf (`max_message_size = 4096`). Fails with
 * the server's last output when it exits or does not start within `timeoutMs`.
 */
export async function startDisposableRabbitMq(
  config: string[] = [],
  timeoutMs = 90_000,
): Promise<DisposableRabbitMq> {
  const bin = rabbitmqBin();
  const server = join(bin, 'rabbitmq-server');
  const dir = await mkdtemp(join(tmpdir(), 'srhooks-rabbitmq-'));
  const [port, distPort] = [await freePort(), await freePort()];
  const node = `srhooks_test_${process.pid}_${port}@localhost`;
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  // an empty env file: the machine's rabbitmq-env.conf names the shared node
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [`listeners.tcp.default = 127.0.0.1:${port}`, 'loopback_users.guest = true', ...config, ''].join('\n'),
  );
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_LOGS: '-',
    // no busy-waiting schedulers (the server's, and each rabbitmqctl's VM): on a machine the other tests
    // keep busy, spinning Erlang schedulers spend the server's share of the CPU on nothing
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: ERL_QUIET_SCHEDULERS,
    RABBITMQ_CTL_ERL_ARGS: ERL_QUIET_SCHEDULERS,
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const { stop } = await spawnUntilReady({
    name: 'rabbitmq-server',
    command: server,
    dir,
    env,
    ready: STARTED,
    timeoutMs,
    group: { graceMs: 15_000 },
  });
  return {
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    async ctl(...args) {
      const { stdout } = await run(join(bin, 'rabbitmqctl'), ['-n', node, ...args], {
        cwd: dir,
        env,
      });
      return stdout;
    },
    stop,
  };
}
