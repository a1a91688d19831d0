/**
 * What the connection cap is for, with a real process and a real open-file limit: `node dist/main.js`
 * (rebuilt first when src/ is newer) under `ulimit -n 256`, started while its PostgreSQL store cannot be
 * reached, so each delivery is written into the spool (a new file, and its folder for the fsync). A
 * delivery is on its way (all but its last bytes sent) when 400 idle connections arrive:
 *
 * - with the default cap (1000, at most half the open-file limit: 128 here) the connections beyond it are
 *   closed unanswered, the delivery is spooled and answered 200, and so is the next one;
 * - with the cap set out of the way (SRHOOKS_MAX_CONNECTIONS=1000000) the same flood takes every
 *   descriptor, and the spool cannot open the delivery's file: 503, the delivery lost (ShopRenter does not
 *   resend) — the reason for the cap, shown so this test cannot pass without exhausting descriptors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain, RECEIVER_ROOT } from '../test-support/built-main.js';
import { deliveryBody } from '../test-support/delivery-fixtures.js';

const SECRET = 'open-files-cap-secret-0123456789';
const OPEN_FILES = 256;
const FLOOD = 400;

let main = '';
beforeAll(() => {
  main = ensureBuiltMain();
}, 120_000);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

interface Started {
  readonly port: number;
  /** The receiver's process id (bash execs node: the child's own). */
  readonly pid: number;
  readonly lines: Array<Record<string, unknown>>;
  readonly spool: string;
}

/** The built receiver under `ulimit -n 256`, its store unreachable, listening with the spool only. */
async function start(extraEnv: Record<string, string>): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-open-files-'));
  const spool = join(dir, 'spool');
  const child: ChildProcess = spawn(
    'bash',
    ['-c', `ulimit -n ${OPEN_FILES} && exec "$0" "$1"`, process.execPath, main],
    {
      cwd: RECEIVER_ROOT,
      env: {
        PATH: process.env.PATH,
        SRHOOKS_SECRETS: SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        // nothing listens on port 1: the store is unreachable, the receiver spools
        DATABASE_URL: 'postgres://srhooks@127.0.0.1:1/srhooks',
        SRHOOKS_SPOOL_DIR: spool,
        LOG_LEVEL: 'info',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`the receiver did not listen: ${stderr}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`the receiver exited ${code}: ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const text of complete) {
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        const listening = /listening anyway on 127\.0\.0\.1:(\d+)/.exec(String(line.msg));
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      }
    });
  });
  if (child.pid === undefined) throw new Error('the receiver has no process id');
  return { port, pid: child.pid, lines, spool };
}

/** How many descriptors the process holds open (Linux: its /proc entries). */
const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

function deliveryRequest(): Buffer {
  const { contentType, body } = deliveryBody('order_confirm');
  const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: receiver.example\r\nUser-Agent: ShopRenter\r\nConnection: close\r\n` +
    `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A connection and the status of the answer it gets before it closes (0: none). */
function open(port: number): { socket: Socket; connected: Promise<void>; status: Promise<number> } {
  const socket = connect({ port, host: '127.0.0.1' });
  let answer = '';
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  cleanups.push(() => socket.destroy());
  return {
    socket,
    connected: new Promise((resolve) => socket.once('connect', () => resolve())),
    status: new Promise((resolve) =>
      socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0))),
    ),
  };
}

/**
 * 400 idle connections, once the receiver has taken or closed what it will of them: neither how many it
 * closed nor how many descriptors it holds changed for 1 s (at most 30 s). Its descriptors, not only what
 * it closed: without a cap it closes none, and under load it takes connections off the kernel's backlog
 * slowly (a flood still in the backlog holds none of its descriptors).
 */
async function flood(port: number, pid: number): Promise<{ sockets: Socket[]; closed: () => number }> {
  let closed = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < FLOOD; i++) {
    const { socket } = open(port);
    socket.once('close', () => {
      closed += 1;
    });
    sockets.push(socket);
  }
  const state = () => `${closed} ${openDescriptors(pid)}`;
  let seen = '';
  for (let i = 0; i < 30 && seen !== state(); i++) {
    seen = state();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { sockets, closed: () => closed };
}

/** A delivery all but whose last bytes are sent, then the flood, then its last bytes: its answer. */
async function deliveryDuringFlood(
  receiver: Started,
): Promise<{ status: number; closedByReceiver: number; descriptors: number }> {
  const { port, pid } = receiver;
  const request = deliveryRequest();
  const delivery = open(port);
  await delivery.connected;
  delivery.socket.write(request.subarray(0, request.length - 50));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { sockets, closed } = await flood(port, pid);
  const descriptors = openDescriptors(pid);
  delivery.socket.write(request.subarray(request.length - 50));
  const status = await delivery.status;
  const closedByReceiver = closed();
  for (const socket of sockets) socket.destroy();
  return { status, closedByReceiver, descriptors };
}

const spooled = (spool: string) => readdirSync(spool).filter((name) => name.endsWith('.delivery')).length;

describe.skipIf(process.platform !== 'linux')(
  'a flood of idle connections under a 256 open-file limit',
  () => {
    it('with the default cap (128 here) a delivery in flight is spooled, and so is the next one', async () => {
      const receiver = await start({});
      const { status, closedByReceiver } = await deliveryDuringFlood(receiver);
      expect(status).toBe(200);
      // 127 of the flood were taken besides the delivery's connection: the cap of 128
      expect(closedByReceiver).toBe(FLOOD - 127);
      // the next delivery, once the receiver has seen the flood's connections close (until then it may be
      // dropped unanswered: sent again, as nothing of it was read)
      let next = 0;
      for (let i = 0; i < 50 && next === 0; i++) {
        const connection = open(receiver.port);
        await connection.connected;
        connection.socket.write(deliveryRequest());
        next = await connection.status;
        if (next === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(next).toBe(200);
      expect(spooled(receiver.spool)).toBe(2);
      expect(
        receiver.lines.filter((line) => String(line.msg).startsWith('connection limit reached')),
      ).toEqual([expect.objectContaining({ level: 40, connections: { max: 128 } })]);
    });

    it('without an effective cap the same flood leaves the spool no descriptor: the delivery in flight is answered 503', async () => {
      const receiver = await start({ SRHOOKS_MAX_CONNECTIONS: '1000000' });
      const { status, descriptors } = await deliveryDuringFlood(receiver);
      // the flood took every descriptor (less one: libuv keeps one in reserve to shed connections with)
      expect(descriptors).toBeGreaterThanOrEqual(OPEN_FILES - 1);
      expect(status).toBe(503);
      expect(spooled(receiver.spool)).toBe(0);
      // said at start: the cap is over half the open-file limit
      expect(
        receiver.lines.filter((line) =>
          String(line.msg).startsWith('maxConnections (SRHOOKS_MAX_CONNECTIONS)'),
        ),
      ).toHaveLength(1);
    });
  },
);
