/**
 * A receiver stopped (SIGTERM → app.close()) while its worker finishes a running job, with PostgreSQL
 * shared by several receivers behind a load balancer (a rolling restart): from the moment it starts
 * closing it accepts no new connection, so the balancer's connect fails and it sends the delivery to
 * another receiver — instead of a connection accepted only to be answered 503 `shutting_down` for the
 * whole drain (ShopRenter does not resend a refused delivery). The job still finishes and its outcome is
 * committed before the store closes; the other receiver stores what this one no longer takes.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { PgStore } from '../store/postgres/pg-store.js';
import { deliveryBody } from '../test-support/delivery-fixtures.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { waitFor } from './test-support/wait-for.js';

const nextSchema = testSchemas('rcv_drain');
const secret = `whsec_${randomBytes(32).toString('base64')}`;

/** A forward target that holds every answer until released. */
async function holdingTarget(): Promise<{
  url: string;
  hits: number;
  release(): void;
  close(): Promise<void>;
}> {
  const waiting: (() => void)[] = [];
  let released = false;
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.hits += 1;
      const answer = () => res.writeHead(200).end('ok');
      if (released) answer();
      else waiting.push(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get hits() {
      return state.hits;
    },
    release() {
      released = true;
      for (const answer of waiting.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POST the captured order_confirm on a new connection (as a balancer opening one): status, or the connect error's code. */
function deliverOnNewConnection(receiver: TestReceiver): Promise<{ status?: number; error?: string }> {
  const { contentType, body } = deliveryBody('order_confirm');
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: receiver.port,
        method: 'POST',
        path: receiver.path('demo', 'order_confirm'),
        agent: false,
        headers: { 'content-type': contentType, 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

describe('shutdown while the worker drains a running job (PostgreSQL, several receivers)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('refuses new connections at once (the balancer sends them elsewhere) and still commits the running job', async () => {
    const schema = nextSchema();
    const target = await holdingTarget();
    cleanups.push(() => target.close());
    const config: Partial<ReceiverConfigInput> = {
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      shutdownTimeoutMs: 20_000,
      handlers: { fwd: { type: 'forward', url: target.url, secret, allowPrivateTargets: true } },
      shops: [{ name: 'demo', handlers: ['fwd'] }],
    };
    const stopping = await startTestReceiver(config, { processing: {} });
    cleanups.push(() => stopping.close());
    // The other receiver on the same store ingests only (its worker off), so the job stays the first one's.
    const other = await startTestReceiver(config);
    cleanups.push(() => other.close());

    const first = await deliverOnNewConnection(stopping);
    expect(first.status).toBe(200);
    await waitFor(async () => target.hits === 1, 'the job running on the first receiver');

    const closed = stopping.app.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // While its worker waits for the held answer: a new connection is refused, not answered 503.
    const during = await deliverOnNewConnection(stopping);
    expect(during).toEqual({ error: 'ECONNREFUSED' });
    // What a balancer then does: the same delivery to the other receiver is stored.
    expect((await deliverOnNewConnection(other)).status).toBe(200);

    target.release();
    await closed;

    const store = new PgStore({ url: TEST_DATABASE_URL, schema });
    cleanups.push(() => store.close());
    const events = await store.listEvents({});
    const statuses = await Promise.all(
      events.items.map(async (event) => (await store.getEvent(event.id))?.jobs.map((job) => job.status)),
    );
    // The drained job's outcome was committed before the store closed; the second delivery of the same
    // order is a duplicate (no job).
    expect(statuses.flat()).toContain('succeeded');
    expect(target.hits).toBe(1);
  });
});
