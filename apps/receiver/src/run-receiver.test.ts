// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is literal config text (an environment reference) in these tests
/**
 * The process lifecycle with an injected process: configuration errors exit 1 with the message,
 * a started receiver stores deliveries, SIGTERM closes it gracefully (store closed, no forced
 * exit), and a second signal exits at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListenError, runReceiver } from './run-receiver.js';
import { StoreUnavailableError } from './store/store.js';
import { deliveryBody } from './test-support/delivery-fixtures.js';
import { FakeProcess } from './test-support/fake-process.js';

const SECRET = 'run-receiver-secret-0123456789';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-run-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SRHOOKS_SECRETS: SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    SRHOOKS_DB: join(dir, 'srhooks.db'),
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

describe('runReceiver', () => {
  it('stops with exit code 1 and the message naming the key when the configuration is invalid', async () => {
    const proc = new FakeProcess({ PORT: 'eighty' }, dir);
    expect(await runReceiver(proc)).toBeNull();
    expect(proc.exitCode).toBe(1);
    const message = proc.stderrText.join('');
    expect(message).toContain('PORT: must be a port number from 0 to 65535 (0: any free port), got "eighty"');
    expect(message).toContain('secrets: set at least one secret (SRHOOKS_SECRETS');
  });

  it('stops with exit code 1 naming the handler and the value when a NATS server is no NATS URL', async () => {
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({
        handlers: { bus: { type: 'nats', servers: ['nats://127.0.0.1:4222', 'nats:4222:x'] } },
      }),
    );
    const proc = new FakeProcess(env(), dir);
    expect(await runReceiver(proc, { processing: { enabled: false } })).toBeNull();
    expect(proc.exitCode).toBe(1);
    expect(proc.stderrText.join('')).toContain('handlers.bus.servers[1]');
    expect(proc.stderrText.join('')).toContain(
      'handler "bus": "nats:4222:x" is not a NATS server; write nats://host:port',
    );
  });

  it.runIf(process.platform === 'linux')(
    'fails to start with one line naming the directory when SRHOOKS_DB is under /proc (mkdir fails with ENOENT there)',
    async () => {
      // Node's recursive mkdir retried this forever at 100 % CPU: the receiver never exited nor listened.
      const proc = new FakeProcess(env({ SRHOOKS_DB: '/proc/srhooks-nope/x.db' }), dir);
      const started = runReceiver(proc, { processing: { enabled: false } });
      await expect(started).rejects.toBeInstanceOf(StoreUnavailableError);
      // main.ts prints this message after "srhooks receiver failed to start: " and exits with 1.
      const message = await started.catch((error: Error) => error.message);
      expect(message).not.toContain('\n');
      expect(message).toContain(
        'cannot create the directory /proc/srhooks-nope for the SQLite file /proc/srhooks-nope/x.db: ENOENT',
      );
      expect(message).toContain('SRHOOKS_DB');
    },
  );

  it('fails to start with one line naming PORT when the port is taken, and HOST when it is no address here', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const inUse = await runReceiver(new FakeProcess(env({ PORT: String(port) }), dir), {
        processing: { enabled: false },
      }).catch((error: Error) => error);
      expect(inUse).toBeInstanceOf(ListenError);
      expect((inUse as Error).message).not.toContain('\n');
      expect((inUse as Error).message).toContain(
        `cannot listen on 127.0.0.1:${port}: the port is already in use`,
      );
      expect((inUse as Error).message).toContain('set PORT to a free port');
    } finally {
      taken.close();
    }
    const badHost = await runReceiver(new FakeProcess(env({ HOST: 'no-such-host.invalid' }), dir), {
      processing: { enabled: false },
    }).catch((error: Error) => error);
    expect(badHost).toBeInstanceOf(ListenError);
    expect((badHost as Error).message).toContain(
      'HOST "no-such-host.invalid" is not an address of this machine',
    );
  });

  describe("handler settings' ${VAR}s: the configuration check reads the environment the handlers resolve from", () => {
    const hook = {
      handlers: {
        erp: { type: 'forward', url: 'https://erp.example.com/hooks', secret: '${ERP_SECRET}' },
      },
      shops: [{ name: 'demo', handlers: ['erp'] }],
    };
    const ERP_SECRET = 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==';

    it('starts when processing.env (embedded use) holds the variable this process lacks', async () => {
      writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify(hook));
      const proc = new FakeProcess(env(), dir);
      const running = await runReceiver(proc, { processing: { env: { ERP_SECRET } } });
      expect(proc.stderrText.join('')).toBe('');
      if (!running) throw new Error('receiver did not start');
      proc.emit('SIGTERM', 'SIGTERM');
      await running.stopped;
    });

    it('lists the variable with the configuration problems (exit 1) when processing.env lacks it', async () => {
      writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify(hook));
      const proc = new FakeProcess(env({ ERP_SECRET }), dir);
      expect(await runReceiver(proc, { processing: { env: {} } })).toBeNull();
      expect(proc.exitCode).toBe(1);
      expect(proc.stderrText.join('')).toMatch(
        /^Invalid receiver configuration; fix these keys and start again:\n {2}- handlers\.erp\.secret \(in [^)]*\): refers to \$\{ERP_SECRET\}, but the environment variable ERP_SECRET is not set/,
      );
    });

    it('reads the injected process environment, not this test process', async () => {
      writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify(hook));
      const proc = new FakeProcess(env({ ERP_SECRET }), dir);
      const running = await runReceiver(proc);
      expect(proc.stderrText.join('')).toBe('');
      if (!running) throw new Error('receiver did not start');
      proc.emit('SIGTERM', 'SIGTERM');
      await running.stopped;
    });
  });

  it('serves deliveries, then shuts down gracefully on SIGTERM', async () => {
    const proc = new FakeProcess(env(), dir);
    const running = await runReceiver(proc, { processing: { enabled: false } });
    if (!running) throw new Error('receiver did not start');
    const address = running.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { contentType, body } = deliveryBody('order_confirm');
    const response = await fetch(
      `http://127.0.0.1:${port}${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET)}`,
      {
        method: 'POST',
        body: new Uint8Array(body),
        headers: { 'content-type': contentType },
      },
    );
    expect(response.status).toBe(200);

    proc.emit('SIGTERM', 'SIGTERM');
    await running.stopped;
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    await expect(running.app.store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('exits at once with 130 on a second signal', async () => {
    const proc = new FakeProcess(env(), dir);
    const running = await runReceiver(proc, { processing: { enabled: false } });
    if (!running) throw new Error('receiver did not start');
    proc.emit('SIGINT', 'SIGINT');
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([130]);
    await running.stopped;
  });
});
