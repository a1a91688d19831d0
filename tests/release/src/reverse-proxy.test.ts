/**
 * The receiver docs' "Behind a reverse proxy with TLS" (docs/operations.md) works as written: its nginx and Caddy
 * configurations are read from the docs (so the test breaks when the docs drift), pointed at a
 * self-signed certificate and free ports of this run, and run with Debian's nginx and caddy in front
 * of the built receiver. Through each proxy, over TLS:
 * - a delivery sent as the shop sends it (`Expect: 100-continue`, `Connection: close`) is stored;
 * - a 5 MB authentic delivery reaches the receiver and is quarantined raw as `too_large` (the proxy
 *   must not refuse it: ShopRenter never resends, FACTS.md §4);
 * - the admin login sets a `Secure` cookie (the receiver sees https through X-Forwarded-Proto);
 * - `/metrics` is not served to the outside.
 * Needs `nginx` and `caddy` on PATH (`.ci/run` installs Debian's nginx-light and caddy); outside CI a
 * machine without them skips with that reason, in CI it fails.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDelivery, sampleOrder, signDeliveryPath } from '@srhooks/contracts';
import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProcess, startProcess } from './run-process.js';
import { REPO_ROOT } from './workspace.js';

const SECRET = 'reverse-proxy-check-secret-0123456789';
const ADMIN_TOKEN = 'reverse-proxy-check-admin-token-0123';
const HOST = 'hooks.example.com';
const SHOP = 'proxied';

/** The receiver's operations guide, where the proxy configurations are. */
const OPERATIONS = 'apps/receiver/docs/operations.md';

/** The fenced code block of `language` in the operations guide's section headed `heading`. */
export function readmeBlock(readme: string, heading: string, language: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${OPERATIONS} has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``).exec(section)?.[1];
  if (block === undefined) throw new Error(`no \`\`\`${language} block under "## ${heading}"`);
  return block;
}

/** `text` with `from` replaced by `to`; throws when the docs no longer hold `from`. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`the docs' configuration no longer contains ${String(from)}:\n${text}`);
  return text.replace(from, to);
}

function which(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to the proxy on 127.0.0.1:`port` for {@link HOST}, trusting only our certificate. */
function httpsRequest(
  port: number,
  ca: string,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    expectContinue?: boolean;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `${HOST}:${port}`, ...options.headers };
    if (options.body) headers['content-length'] = String(options.body.length);
    if (options.expectContinue) headers.expect = '100-continue';
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, ca, servername: HOST },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer from the proxy for ${path}`)));
    req.on('error', reject);
    // once: a proxy may pass the receiver's own `100 Continue` on after sending its own
    if (options.body && options.expectContinue) req.once('continue', () => req.end(options.body));
    else req.end(options.body);
  });
}

async function waitForTls(port: number, ca: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await httpsRequest(port, ca, '/healthz');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the proxy on ${port} never answered over TLS: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const inCi = Boolean(process.env.CI);
const missing = ['nginx', 'caddy', 'openssl'].filter((command) => !which(command));
if (inCi && missing.length > 0) {
  throw new Error(
    `${missing.join(', ')} not on PATH: the reverse-proxy check needs Debian's nginx-light, caddy and openssl (.ci/run installs them)`,
  );
}

describe.skipIf(missing.length > 0)(
  'the reverse-proxy configurations of docs/operations.md in front of the receiver',
  () => {
    const readme = readFileSync(join(REPO_ROOT, OPERATIONS), 'utf8');
    let scratch = '';
    let cert = '';
    let key = '';
    let ca = '';
    let receiver: RunningProcess | undefined;
    let receiverPort = 0;
    const proxies: RunningProcess[] = [];
    const ports = { nginx: 0, caddy: 0 };

    beforeAll(async () => {
      scratch = realpathSync(mkdtempSync(join(tmpdir(), 'srhooks-proxy-')));
      chmodSync(scratch, 0o755); // nginx's workers (another user when run as root) write body buffers here
      cert = join(scratch, 'cert.pem');
      key = join(scratch, 'key.pem');
      const made = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${HOST}`,
        '-addext',
        `subjectAltName=DNS:${HOST}`,
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
      chmodSync(key, 0o644);
      ca = readFileSync(cert, 'utf8');

      ports.nginx = await freePort();
      ports.caddy = await freePort();
      receiver = startProcess(process.execPath, [join(REPO_ROOT, 'apps/receiver/dist/main.js')], {
        cwd: scratch,
        env: {
          PATH: process.env.PATH,
          HOST: '127.0.0.1',
          // Any free port, read back from its start line: a port picked before the start could be taken
          // meanwhile by another suite's server (EADDRINUSE seen in CI); the proxies are configured after.
          PORT: '0',
          SRHOOKS_SECRETS: SECRET,
          SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
          SRHOOKS_DB: join(scratch, 'srhooks.db'),
          SRHOOKS_TRUST_PROXY: '127.0.0.1',
        },
      });
      const listening = await receiver.waitForLine(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
      receiverPort = Number(/127\.0\.0\.1:(\d+)/.exec(listening)?.[1]);
      expect(receiverPort).toBeGreaterThan(0);

      // nginx: the docs' server block, inside a minimal http block with everything in the scratch folder.
      let server = readmeBlock(readme, 'Behind a reverse proxy with TLS', 'nginx');
      server = replaceOnce(server, /listen 443 ssl;/, `listen 127.0.0.1:${ports.nginx} ssl;`);
      server = replaceOnce(server, /\/etc\/letsencrypt\/live\/hooks\.example\.com\/fullchain\.pem/, cert);
      server = replaceOnce(server, /\/etc\/letsencrypt\/live\/hooks\.example\.com\/privkey\.pem/, key);
      server = replaceOnce(server, /http:\/\/127\.0\.0\.1:3000/g, `http://127.0.0.1:${receiverPort}`);
      const nginxDir = join(scratch, 'nginx');
      mkdirSync(nginxDir, { mode: 0o755 });
      const temp = (name: string) => `${name}_temp_path ${join(nginxDir, name)};`;
      writeFileSync(
        join(nginxDir, 'nginx.conf'),
        [
          `pid ${join(nginxDir, 'nginx.pid')};`,
          `error_log ${join(nginxDir, 'error.log')} warn;`,
          'worker_processes 1;',
          'events { worker_connections 64; }',
          'http {',
          `  access_log ${join(nginxDir, 'access.log')};`,
          `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
          server,
          '}',
        ].join('\n'),
      );
      proxies.push(
        startProcess('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], {
          cwd: nginxDir,
        }),
      );

      // Caddy: the docs' site block with our certificate, on loopback, no admin endpoint, no ACME.
      let site = readmeBlock(readme, 'Behind a reverse proxy with TLS', 'caddyfile');
      site = replaceOnce(
        site,
        /^hooks\.example\.com \{/m,
        `${HOST}:${ports.caddy} {\n\tbind 127.0.0.1\n\ttls ${cert} ${key}`,
      );
      site = replaceOnce(site, /127\.0\.0\.1:3000/g, `127.0.0.1:${receiverPort}`);
      const caddyDir = join(scratch, 'caddy');
      mkdirSync(caddyDir);
      const global = `{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system ${join(caddyDir, 'data')}\n}\n`;
      writeFileSync(join(caddyDir, 'Caddyfile'), `${global}${site}\n`);
      proxies.push(
        startProcess('caddy', ['run', '--config', join(caddyDir, 'Caddyfile'), '--adapter', 'caddyfile'], {
          cwd: caddyDir,
          env: { PATH: process.env.PATH, HOME: caddyDir, XDG_DATA_HOME: caddyDir, XDG_CONFIG_HOME: caddyDir },
        }),
      );
      try {
        await waitForTls(ports.nginx, ca);
        await waitForTls(ports.caddy, ca);
      } catch (error) {
        const logs = proxies.map((proxy) => proxy.stderr()).join('\n');
        const errorLog = join(nginxDir, 'error.log');
        throw new Error(`${error}\n${logs}\n${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`);
      }
    });

    afterAll(async () => {
      for (const proxy of proxies) await proxy.stop('SIGTERM');
      await receiver?.stop('SIGTERM');
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    const deliveryFor = (innerId: number, comment: string) =>
      encodeDelivery(
        'order_confirm',
        {
          orders: {
            order: [{ ...sampleOrder(innerId), innerId: String(innerId), storeName: SHOP, comment }],
          },
        },
        { format: 'json' },
      );

    describe.each(['nginx', 'caddy'] as const)('%s', (proxy) => {
      const base = proxy === 'nginx' ? 1000 : 2000;
      const path = signDeliveryPath({ shop: SHOP, event: 'order_confirm' }, SECRET);

      it('passes a delivery sent as the shop sends it (Expect: 100-continue, Connection: close) and it is stored', async () => {
        const { body, contentType } = deliveryFor(base + 1, 'ring twice');
        const answer = await httpsRequest(ports[proxy], ca, path, {
          method: 'POST',
          headers: { 'content-type': contentType, connection: 'close' },
          body,
          expectContinue: true,
        });
        expect(answer.status, answer.body).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ ok: true });
        const events = await fetch(`http://127.0.0.1:${receiverPort}/admin/api/events?shop=${SHOP}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const { items } = (await events.json()) as { items: { subjectId: string }[] };
        expect(items.map((item) => item.subjectId)).toContain(String(base + 1));
      });

      it('lets a 5 MB authentic delivery through to the receiver, which quarantines it raw as too_large', async () => {
        const { body, contentType } = deliveryFor(base + 2, 'x'.repeat(5 * 1024 * 1024));
        const answer = await httpsRequest(ports[proxy], ca, path, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
          expectContinue: true,
        });
        expect(answer.status, answer.body.slice(0, 300)).toBe(400);
        const json = JSON.parse(answer.body) as { error: { code: string }; deliveryId: string };
        expect(json.error.code).toBe('too_large');
        const stored = await fetch(
          `http://127.0.0.1:${receiverPort}/admin/api/deliveries/${json.deliveryId}`,
          {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          },
        );
        expect(stored.status).toBe(200);
        expect(await stored.json()).toMatchObject({
          delivery: { status: 'quarantined', decodeError: { code: 'too_large' } },
        });
      });

      it('tells the receiver the request came over https: the admin login cookie is Secure', async () => {
        const origin = `https://${HOST}:${ports[proxy]}`;
        const answer = await httpsRequest(ports[proxy], ca, '/ui/login', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: Buffer.from(new URLSearchParams({ token: ADMIN_TOKEN, next: '/ui' }).toString()),
        });
        expect(answer.status, answer.body.slice(0, 300)).toBe(303);
        expect(String(answer.headers['set-cookie'])).toMatch(/;\s*Secure/i);
      });

      it('does not serve /metrics to the outside', async () => {
        const answer = await httpsRequest(ports[proxy], ca, '/metrics');
        expect([403, 404]).toContain(answer.status);
        expect(answer.body).not.toContain('srhooks_');
        // the receiver itself still serves it on its own port
        expect((await fetch(`http://127.0.0.1:${receiverPort}/metrics`)).status).toBe(200);
      });
    });
  },
);

describe("the docs' proxies' body limits", () => {
  const readme = readFileSync(join(REPO_ROOT, OPERATIONS), 'utf8');
  // The receiver's default SRHOOKS_BODY_HARD_LIMIT (apps/receiver/src/config/config-schema.ts).
  const hardLimit = Number(
    /DEFAULT_BODY_HARD_LIMIT = ([\d* ]+);/
      .exec(readFileSync(join(REPO_ROOT, 'apps/receiver/src/config/config-schema.ts'), 'utf8'))?.[1]
      ?.split('*')
      .reduce((product, factor) => product * Number(factor.trim()), 1),
  );

  it('let exactly the receiver hard limit through (Caddy: MB = 10^6, MiB = 2^20; nginx: m = 2^20)', () => {
    expect(hardLimit).toBe(64 * 1024 * 1024);
    const caddy = /max_size (\d+)(MiB|MB|KiB|KB|GiB|GB)\b/.exec(
      readmeBlock(readme, 'Behind a reverse proxy with TLS', 'caddyfile'),
    );
    const caddyUnits: Record<string, number> = {
      KB: 1e3,
      MB: 1e6,
      GB: 1e9,
      KiB: 2 ** 10,
      MiB: 2 ** 20,
      GiB: 2 ** 30,
    };
    expect(caddy).not.toBeNull();
    expect(Number(caddy?.[1]) * (caddyUnits[caddy?.[2] ?? ''] ?? 0)).toBe(hardLimit);
    const nginx = /client_max_body_size (\d+)([kmg])\b/.exec(
      readmeBlock(readme, 'Behind a reverse proxy with TLS', 'nginx'),
    );
    const nginxUnits: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };
    expect(Number(nginx?.[1]) * (nginxUnits[nginx?.[2] ?? ''] ?? 0)).toBe(hardLimit);
  });
});
