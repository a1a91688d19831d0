/**
 * The admin API tests' shared receiver (admin-api-*.test.ts): started in `beforeAll` with three stored
 * order deliveries (`ids.kovacs`, `ids.nagy` on shop `demo`, `ids.other` on `other-shop`), one
 * quarantined broken body (`ids.broken`) and the Kovács order's event (`ids.kovacsEvent`); closed in
 * `afterAll`. Call `adminApiFixture()` at the top of a `describe`.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { TestReceiver } from '../../test-support/test-receiver.js';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from './admin-test-receiver.js';

export interface Json {
  [key: string]: unknown;
}

export interface AdminApiFixture {
  /** The running receiver (set once `beforeAll` ran). */
  readonly receiver: TestReceiver;
  /** Ids of what `beforeAll` stored. */
  readonly ids: Record<string, string>;
  /** A request to `/admin/api{path}` with the admin token. */
  api(path: string, init?: RequestInit): Promise<{ status: number; body: Json; headers: Headers }>;
  /** Plays the worker: claims every runnable job and completes it; returns their event ids. */
  runJobsOnce(): Promise<string[]>;
  /** The first event of a delivery. */
  eventOf(deliveryId: string): Promise<string>;
}

export function adminApiFixture(): AdminApiFixture {
  let receiver: TestReceiver | undefined;
  const ids: Record<string, string> = {};

  const fixture: AdminApiFixture = {
    get receiver(): TestReceiver {
      if (receiver === undefined) throw new Error('the admin API fixture is used before its beforeAll ran');
      return receiver;
    },
    ids,
    async api(path, init = {}) {
      const response = await fetch(`${fixture.receiver.baseUrl}/admin/api${path}`, {
        ...init,
        headers: { ...bearer(), ...(init.headers as Record<string, string> | undefined) },
      });
      return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
    },
    async runJobsOnce() {
      const store = fixture.receiver.app.store;
      const jobs = await store.claimJobs({ workerId: 'test-worker', limit: 50, leaseMs: 60_000 });
      for (const job of jobs) await store.completeJob(job.id, { attempt: job.attempt, statusCode: 200 });
      return jobs.map((job) => job.eventId);
    },
    async eventOf(deliveryId) {
      const { body } = await fixture.api(`/deliveries/${deliveryId}`);
      const events = (body.delivery as { events: Array<{ id: string }> }).events;
      return events[0]?.id ?? '';
    },
  };

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const posted = [
      [
        'kovacs',
        SHOP,
        order(1, { innerId: '1001', firstname: 'Éva', lastname: 'Kovács', totalGross: 12500 }),
      ],
      ['nagy', SHOP, order(2, { innerId: '1002', firstname: 'Győző', lastname: 'Nagy', totalGross: 990 })],
      ['other', 'other-shop', order(3, { innerId: '2001', firstname: 'Anna', lastname: 'Szabó' })],
    ] as const;
    for (const [key, shop, item] of posted) {
      const result = await postDelivery(receiver, orderDelivery([item]), shop);
      expect(result.status).toBe(200);
      ids[key] = result.body.deliveryId;
    }
    const broken = await fetch(`${receiver.baseUrl}${receiver.path(SHOP, 'order_confirm')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"orders": {"order": [{"innerId": ',
    });
    expect(broken.status).toBe(400);
    ids.broken = ((await broken.json()) as { deliveryId: string }).deliveryId;
    ids.kovacsEvent = (await receiver.app.store.getDelivery(ids.kovacs ?? ''))?.events[0]?.id ?? '';
  });

  afterAll(async () => {
    await receiver?.close();
  });

  return fixture;
}
