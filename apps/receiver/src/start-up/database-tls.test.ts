/**
 * DATABASE_URL's sslmode means what it means to libpq (QA: node-postgres read prefer and require as
 * verify-full): the receiver started as an operator starts it (runReceiver with the process's env) against
 * the real PostgreSQL, which takes no TLS, and against a TLS front to it with a self-signed certificate
 * (answers the SSLRequest with 'S', ends TLS, passes the bytes on to the same server):
 * - disable connects unencrypted; prefer connects unencrypted to the server without TLS (libpq falls back)
 *   and with TLS to the front; require connects with TLS to the front without checking its certificate,
 *   and is refused by the server without TLS in one line that says what to change;
 * - verify-full is refused by the front's self-signed certificate with words naming sslrootcert, and
 *   connects when sslrootcert names the certificate; verify-ca without sslrootcert is refused at once.
 * A refused start creates no schema. A start during an outage (spool on) decides prefer once the server
 * answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReceiver } from '../run-receiver.js';
import { FakeProcess } from '../test-support/fake-process.js';
import { TEST_DATABASE_URL, testSchemas, withTestDatabase } from '../test-support/postgres-schema.js';
import { selfSignedCertificate } from '../test-support/self-signed-certificate.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';

const newSchema = testSchemas('tls');
const server = new URL(TEST_DATABASE_URL);
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

let dir = '';
let caFile = '';
let front: { port: number; connections: { tls: number; plain: number }; close(): Promise<void> };

/**
 * A PostgreSQL front that takes TLS (its own self-signed certificate for 127.0.0.1) and passes every
 * connection on, unencrypted, to the test server; counts the connections made with and without TLS.
 */
async function tlsFront(key: string, cert: string): Promise<typeof front> {
  const connections = { tls: 0, plain: 0 };
  const sockets = new Set<Socket>();
  const pass = (client: Socket | TLSSocket, first: Buffer | null) => {
    const upstream = createConnection(Number(server.port || 5432), server.hostname);
    sockets.add(upstream);
    if (first !== null) upstream.write(first);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const listener: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (first) => {
      socket.pause();
      if (first.equals(SSL_REQUEST)) {
        connections.tls += 1;
        socket.write('S');
        pass(new TLSSocket(socket, { isServer: true, key, cert }), null);
      } else {
        connections.plain += 1;
        pass(socket, first);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-database-tls-'));
  const { key, cert } = selfSignedCertificate();
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert);
  front = await tlsFront(key, cert);
}, 60_000);
afterAll(async () => {
  await front?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The test database's URL at `port` (the server's own by default) with `query`. */
function databaseUrl(query: string, port: number | string = server.port || '5432'): string {
  const url = new URL(TEST_DATABASE_URL);
  url.port = String(port);
  url.search = query;
  return url.toString();
}

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await withTestDatabase((client) =>
    client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]),
  );
  return rows.length > 0;
}

/**
 * Starts the receiver on `url` in a schema of its own: 'started' (and stopped again) or the one line it
 * was refused with; whether its schema exists afterwards.
 */
async function start(url: string): Promise<{ outcome: string; schemaCreated: boolean }> {
  const schema = newSchema();
  const proc = new FakeProcess(
    {
      SRHOOKS_SECRETS: 'database-tls-secret-0123456789',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: url,
      SRHOOKS_DB_SCHEMA: schema,
    },
    dir,
  );
  let outcome: string;
  try {
    const running = await runReceiver(proc, { processing: { enabled: false } });
    if (running === null) {
      outcome = proc.stderrText.join('').trim();
    } else {
      proc.emit('SIGTERM', 'SIGTERM');
      await running.stopped;
      outcome = 'started';
    }
  } catch (error) {
    outcome = error instanceof Error ? error.message : String(error);
  }
  return { outcome, schemaCreated: await schemaExists(schema) };
}

describe("DATABASE_URL's sslmode, as libpq reads it", () => {
  describe('a server without TLS (the test server)', () => {
    it('sslmode=disable connects', async () => {
      expect(await start(databaseUrl('?sslmode=disable'))).toEqual({
        outcome: 'started',
        schemaCreated: true,
      });
    });

    it('sslmode=prefer connects, unencrypted (libpq falls back when the server takes no TLS)', async () => {
      expect(await start(databaseUrl('?sslmode=prefer'))).toEqual({
        outcome: 'started',
        schemaCreated: true,
      });
    });

    it('sslmode=require and verify-full are refused in one line saying what to change, creating nothing', async () => {
      for (const mode of ['require', 'verify-full']) {
        const { outcome, schemaCreated } = await start(databaseUrl(`?sslmode=${mode}`));
        expect(outcome).toBe(
          `PostgreSQL at ${server.hostname}:${server.port || '5432'} does not take TLS connections, and DATABASE_URL (${databaseUrl('').replace(/\?$/, '')}) asks for TLS (sslmode=${mode}): turn TLS on in the server (ssl = on in postgresql.conf), or set sslmode=prefer in DATABASE_URL (TLS when the server offers it, else unencrypted) or sslmode=disable (unencrypted).`,
        );
        expect(schemaCreated).toBe(false);
      }
    });
  });

  describe('a server with TLS and a self-signed certificate (the TLS front)', () => {
    it('sslmode=prefer connects with TLS (every connection)', async () => {
      const before = { ...front.connections };
      expect(await start(databaseUrl('?sslmode=prefer', front.port))).toEqual({
        outcome: 'started',
        schemaCreated: true,
      });
      expect(front.connections.tls).toBeGreaterThan(before.tls);
      expect(front.connections.plain).toBe(before.plain);
    });

    it('sslmode=require connects with TLS, its certificate not checked', async () => {
      const before = { ...front.connections };
      expect(await start(databaseUrl('?sslmode=require', front.port))).toEqual({
        outcome: 'started',
        schemaCreated: true,
      });
      expect(front.connections.tls).toBeGreaterThan(before.tls);
      expect(front.connections.plain).toBe(before.plain);
    });

    it('sslmode=verify-full is refused for the certificate, naming sslrootcert; with sslrootcert it connects', async () => {
      const refused = await start(databaseUrl('?sslmode=verify-full', front.port));
      expect(refused.outcome).toContain(
        `PostgreSQL's TLS certificate at 127.0.0.1:${front.port} was not accepted (self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT) with sslmode=verify-full in DATABASE_URL`,
      );
      expect(refused.outcome).toContain('sslrootcert=/path/to/ca.pem');
      expect(refused.schemaCreated).toBe(false);
      expect(await start(databaseUrl(`?sslmode=verify-full&sslrootcert=${caFile}`, front.port))).toEqual({
        outcome: 'started',
        schemaCreated: true,
      });
      // verify-ca: the CA only (as libpq); it connects with the same CA
      expect(await start(databaseUrl(`?sslmode=verify-ca&sslrootcert=${caFile}`, front.port))).toEqual({
        outcome: 'started',
        schemaCreated: true,
      });
    });
  });

  it('sslmode=prefer while the server is unreachable at start (spool on): decided once it answers, the full receiver takes over', async () => {
    const proxy = new TcpProxy(Number(server.port || '5432'));
    await proxy.start();
    await proxy.stop(); // its port refuses connections: the store is unreachable
    const schema = newSchema();
    const proc = new FakeProcess(
      {
        SRHOOKS_SECRETS: 'database-tls-secret-0123456789',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl('?sslmode=prefer', proxy.port),
        SRHOOKS_DB_SCHEMA: schema,
        SRHOOKS_SPOOL_DIR: join(dir, `spool-${schema}`),
      },
      dir,
    );
    const running = await runReceiver(
      proc,
      { processing: { enabled: false }, spool: { retryMs: 50, maxRetryMs: 100 } },
      { storeRetry: { firstMs: 100, maxMs: 200 } },
    );
    if (running === null) throw new Error(`not started: ${proc.stderrText.join('')}`);
    try {
      expect(await schemaExists(schema)).toBe(false);
      await proxy.start();
      const full = await Promise.race([
        running.full,
        new Promise<'not taken over'>((resolve) => setTimeout(() => resolve('not taken over'), 20_000)),
      ]);
      expect(full).not.toBe('not taken over');
      expect(full).not.toBeNull();
      expect(await schemaExists(schema)).toBe(true);
    } finally {
      proc.emit('SIGTERM', 'SIGTERM');
      await running.stopped;
      await proxy.stop();
    }
  }, 40_000);

  it('sslmode=verify-ca without sslrootcert is refused as configuration, before any connection', async () => {
    const { outcome, schemaCreated } = await start(databaseUrl('?sslmode=verify-ca'));
    expect(outcome).toContain(
      'DATABASE_URL: sslmode=verify-ca checks the server certificate against a CA of your own: add sslrootcert=/path/to/ca.pem',
    );
    expect(schemaCreated).toBe(false);
  });
});
