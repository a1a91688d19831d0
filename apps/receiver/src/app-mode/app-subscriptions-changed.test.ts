/**
 * The app's subscriptions changed in the configuration (`app.events` / `app.webhooks`: a new version of the
 * app wants another event, or other fields) and the receiver restarted, over real HTTP against the sandbox:
 * the shops installed before get the new subscriptions too — re-registered at start-up like a secret
 * rotation — not only shops installed from then on. Before, they kept the subscriptions of their install for
 * good: an event added never arrived from them, one removed went on arriving, nothing said so.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { type AppModeFixture, eventually, startAppModeFixture } from './test-support/app-mode-fixture.js';

describe('app mode: the app subscriptions changed in the configuration', () => {
  let f: AppModeFixture;
  let restarted: FastifyInstance | undefined;
  let lines: string[];
  beforeEach(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
    lines = [];
    await f.sandbox.apps.install('55', 'alpha');
  });
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
    await f?.close();
  });

  const hooksOn = () => f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? [];
  const eventsOn = () =>
    hooksOn()
      .map((hook) => hook.event as string)
      .sort();
  const logged = (code: string) =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.code === code);

  /** Stops the running receiver and starts one on the same SQLite file with `app` changed. */
  async function restartWith(app: Partial<NonNullable<ReceiverConfig['app']>>): Promise<void> {
    await (restarted ?? f.receiver).close();
    lines = [];
    const current = f.config.app as NonNullable<ReceiverConfig['app']>;
    restarted = await buildReceiver(
      { ...f.config, app: { ...current, ...app } },
      {
        defaultMetrics: false,
        processing: { logWrite: () => {} },
        logDestination: { write: (line: string) => void lines.push(line) },
      },
    );
    await restarted.listen({ port: f.config.port, host: '127.0.0.1' });
  }

  it('an event added: the shop installed before gets its subscription; one removed: deleted', async () => {
    expect(eventsOn()).toEqual(['order_confirm', 'order_status_change']);

    await restartWith({ events: ['order_confirm', 'order_status_change', 'newsletter_subscribe'] });
    await eventually(async () =>
      eventsOn().join() === 'newsletter_subscribe,order_confirm,order_status_change' ? true : undefined,
    );
    await eventually(async () => {
      const record = await restarted?.appShops?.get('alpha');
      return record?.status === 'installed' && record.subscriptions.length === 3 ? true : undefined;
    });
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 1, changed: 1 });

    await restartWith({ events: ['order_confirm'] });
    await eventually(async () => (eventsOn().join() === 'order_confirm' ? true : undefined));

    // Unchanged at the next restart: no shop re-registered.
    await restartWith({ events: ['order_confirm'] });
    await eventually(async () => (logged('app_secret_check').length > 0 ? true : undefined));
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 0, changed: 0 });
  });

  it("a subscription's fields changed in app.webhooks: the shop's subscription is updated", async () => {
    await restartWith({
      events: ['order_status_change'],
      webhooks: [{ event: 'order_confirm', fields: ['order_innerId', 'order_email'] }],
    });
    await eventually(async () => {
      const confirm = hooksOn().find((hook) => hook.event === 'order_confirm');
      const fields = confirm?.webHookParameters[0]?.fields ?? [];
      return fields.includes('order_email') && hooksOn().length === 2 ? true : undefined;
    });
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 1, changed: 1 });
  });
});
