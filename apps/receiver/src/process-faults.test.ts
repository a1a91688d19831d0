/**
 * A module handler's mistakes outside its own promise, in a real receiver process (`node dist/main.js`,
 * rebuilt first when src/ is newer): a rejection nobody awaits (`Promise.reject(…)` started and not
 * awaited) used to end the process with Node's stack trace on stderr, quoting the customer's address
 * and e-mail — and the job ran again after its lease, so the receiver crashed again after every
 * restart. Now the receiver logs one line (its code and where it happened, not its text) and goes on.
 * An exception thrown in a timer still ends the process (Node cannot resume safely), but through one
 * log line that quotes nothing of the order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain } from './test-support/built-main.js';
import { deliveryBody } from './test-support/delivery-fixtures.js';

const SECRET = 'process-faults-secret-0123456789';
/** What the captured order_confirm delivery says about its customer (fixtures/…/order_confirm.json). */
const PERSONAL = ['test.peter@example.com', 'Test utca 5'];

let main = '';
let dir = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  main = ensureBuiltMain();
  dir = mkdtempSync(join(tmpdir(), 'srhooks-process-faults-'));
}, 120_000);
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts a receiver whose one module handler is `source`, and waits until it listens. */
async function startWithHandler(name: string, source: string): Promise<Started> {
  const folder = join(dir, name);
  const handlerFile = join(dir, `${name}.mjs`);
  writeFileSync(handlerFile, source);
  writeFileSync(
    join(dir, `${name}.config.json`),
    JSON.stringify({
      handlers: { erp: { type: 'module', path: handlerFile, retry: { delays: [] } } },
      shops: [{ name: 'demo', events: ['order_confirm'], handlers: ['erp'] }],
    }),
  );
  const child = spawn(process.execPath, [main], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      SRHOOKS_SECRETS: SECRET,
      SRHOOKS_CONFIG: join(dir, `${name}.config.json`),
      SRHOOKS_DB: join(folder, 'srhooks.db'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(Number(match[1]));
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the receiver exited before listening:\n${output}`));
      }
    }, 20);
  });
  return { child, port, output: () => output, exited };
}

async function deliver(port: number): Promise<void> {
  const { contentType, body } = deliveryBody('order_confirm');
  const answer = await fetch(
    `http://127.0.0.1:${port}${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET)}`,
    { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } },
  );
  expect(answer.status).toBe(200);
}

async function waitFor(check: () => boolean, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a module handler that leaves an error to the process', () => {
  it('a rejection nobody awaits is logged by code and place, without its text, and the receiver goes on', async () => {
    const receiver = await startWithHandler(
      'floating',
      `export default { order_confirm: async (event) => {
  Promise.reject(new Error('ERP refused ' + event.order.email + ' at ' + event.order.shippingAddress1));
} };\n`,
    );
    await deliver(receiver.port);
    await waitFor(
      () => receiver.output().includes('unhandled_rejection') || receiver.child.exitCode !== null,
      'the unhandled rejection',
      receiver.output,
    );
    // still serving: the next delivery is stored and answered
    expect(receiver.child.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${receiver.port}/healthz`);
    expect(health.status).toBe(200);
    const line = receiver
      .output()
      .split('\n')
      .find((text) => text.includes('unhandled_rejection'));
    expect(line).toBeDefined();
    const logged = JSON.parse(line ?? '{}') as { level: number; error: { type: string; at: string } };
    expect(logged.level).toBe(50);
    expect(logged.error.type).toBe('Error');
    expect(logged.error.at).toContain('floating.mjs:2');
    for (const text of PERSONAL) expect(receiver.output()).not.toContain(text);
    receiver.child.kill('SIGTERM');
    expect(await receiver.exited).toBe(0);
  });

  it('an exception thrown in a timer ends the process with exit code 1 and one line that quotes nothing', async () => {
    const receiver = await startWithHandler(
      'thrown-later',
      `export default { order_confirm: async (event) => {
  setTimeout(() => { throw new TypeError('no ERP customer for ' + event.order.email + ', ' + event.order.shippingAddress1); }, 1);
} };\n`,
    );
    await deliver(receiver.port);
    expect(await receiver.exited).toBe(1);
    const line = receiver
      .output()
      .split('\n')
      .find((text) => text.includes('uncaught_exception'));
    expect(line).toBeDefined();
    const logged = JSON.parse(line ?? '{}') as { level: number; error: { type: string; at: string } };
    expect(logged.level).toBe(60);
    expect(logged.error.type).toBe('TypeError');
    expect(logged.error.at).toContain('thrown-later.mjs:2');
    for (const text of PERSONAL) expect(receiver.output()).not.toContain(text);
  });
});
