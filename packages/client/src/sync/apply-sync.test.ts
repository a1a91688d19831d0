import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookSpec } from '../resources/webhook-input.js';
import { countingFetch, receiverUrl, startTestSandbox, type TestSandbox } from '../test-support/sandbox.js';
import { applySync } from './apply-sync.js';
import { planSync } from './plan-sync.js';

const EVENTS = [
  'order_confirm',
  'order_status_change',
  'abandoned_cart',
  'newsletter_subscribe',
  'newsletter_unsubscribe',
] as const;

function desiredList(count: number, offset = 0): WebhookSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    const event = EVENTS[n % EVENTS.length] ?? 'order_confirm';
    return {
      event,
      url: receiverUrl(n, event),
      label: `sub ${n}`,
      ...(n % 3 === 0
        ? {
            fields: event.startsWith('newsletter')
              ? ['subscriber_email', 'subscriber_id']
              : ['order_innerId', 'order_email'],
          }
        : {}),
      ...(n % 7 === 0 ? { delay: { value: 1 + (n % 4), unit: 'hour' as const } } : {}),
      ...(n % 4 === 0 ? { type: 'xml' as const } : {}),
    };
  });
}

let t: TestSandbox;

beforeAll(async () => {
  // The documented 3 requests/second limit stays on: syncing goes through batch, so it is cheap.
  t = await startTestSandbox({ rateLimit: { perSecond: 3 } });
});

afterAll(async () => {
  await t.close();
});

describe('declarative sync against the sandbox', () => {
  it('creates 50 from empty, applies a changed list, re-runs as a no-op, and prunes only when asked', async () => {
    const counter = countingFetch();
    const client = t.client({ fetch: counter.fetch });
    const steps: string[] = [];

    // 1. 50 desired subscriptions, shop empty: one list + one batch.
    const desired = desiredList(50);
    const first = await client.sync(desired, { onStep: (step) => steps.push(step.action) });
    expect(first.ok).toBe(true);
    expect(first.summary).toEqual({ created: 50, updated: 0, deleted: 0, unchanged: 0, kept: 0, failed: 0 });
    expect(steps.filter((s) => s === 'create')).toHaveLength(50);
    expect(first.steps.every((s) => s.applied && s.status === 201 && typeof s.id === 'string')).toBe(true);
    expect(counter.apiRequests()).toBe(2);
    const afterFirst = await client.webhooks.all();
    expect(afterFirst).toHaveLength(50);
    const sample = afterFirst.find((w) => w.label === 'sub 21');
    expect(sample).toMatchObject({
      event: 'order_status_change',
      webHookParameters: [
        {
          type: 'json',
          url: receiverUrl(21, 'order_status_change'),
          fields: ['order_innerId', 'order_email'],
        },
      ],
      webHookDelay: [{ delay: 2, delayUnit: 'hour' }],
    });

    // 2. A changed list: 5 relabelled, 3 disabled, 2 with other fields, 10 dropped, 5 new.
    const changed = desiredList(45, 0).map((spec, i) => {
      if (i < 5) return { ...spec, label: `renamed ${i}` };
      if (i < 8) return { ...spec, enabled: false };
      if (i === 10 || i === 11)
        return {
          ...spec,
          fields: [spec.event.startsWith('newsletter') ? 'subscriber_phone' : 'order_phone'],
        };
      return spec;
    });
    changed.splice(40, 5);
    changed.push(...desiredList(5, 100));
    const plan = planSync(changed, afterFirst);
    expect([plan.create.length, plan.update.length, plan.unchanged.length, plan.delete.length]).toEqual([
      5, 10, 30, 10,
    ]);
    expect(plan.update.find((u) => u.desired.label === 'renamed 0')?.changes).toEqual([
      { property: 'label', from: 'sub 0', to: 'renamed 0' },
    ]);

    const requestsBefore = counter.apiRequests();
    const second = await applySync(plan, { client });
    expect(second.summary).toEqual({
      created: 5,
      updated: 10,
      deleted: 0,
      unchanged: 30,
      kept: 10,
      failed: 0,
    });
    expect(counter.apiRequests() - requestsBefore).toBe(2); // re-list (refresh) + one batch
    const afterSecond = await client.webhooks.all();
    expect(afterSecond).toHaveLength(55);
    expect(
      afterSecond
        .filter((w) => !w.enabled)
        .map((w) => w.label)
        .sort(),
    ).toEqual(['sub 5', 'sub 6', 'sub 7']);
    expect(afterSecond.filter((w) => w.label.startsWith('renamed'))).toHaveLength(5);

    // 3. The same plan again and the same desired list again: nothing changes, no batch is sent.
    const beforeRerun = counter.apiRequests();
    const again = await applySync(plan, { client });
    expect(again.summary).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: 45, kept: 10, failed: 0 });
    const rerun = await client.sync(changed);
    expect(rerun.summary).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: 45, kept: 10, failed: 0 });
    expect(counter.apiRequests() - beforeRerun).toBe(2); // two lists, no batch
    expect(await client.webhooks.all()).toEqual(afterSecond);

    // 4. Prune: dry run first changes nothing, then the 10 extras are deleted.
    const dry = await client.sync(changed, { prune: true, dryRun: true });
    expect(dry.steps.filter((s) => s.action === 'delete' && !s.applied)).toHaveLength(10);
    expect(await client.webhooks.all()).toHaveLength(55);
    const pruned = await client.sync(changed, { prune: true });
    expect(pruned.summary).toEqual({
      created: 0,
      updated: 0,
      deleted: 10,
      unchanged: 45,
      kept: 0,
      failed: 0,
    });
    const final = await client.webhooks.all();
    expect(final).toHaveLength(45);
    expect(planSync(changed, final).unchanged).toHaveLength(45);

    const counts = t.sandbox.requestCount('demo');
    expect(counts.byStatus[429] ?? 0).toBe(0);
  });

  it('reports inner failures per step instead of trusting the outer 200', async () => {
    const client = t.client();
    const existing = await client.webhooks.create({
      event: 'abandoned_cart',
      url: receiverUrl('gone', 'abandoned_cart'),
    });
    const plan = planSync(
      [{ event: existing.event, url: existing.webHookParameters[0]?.url ?? '', label: 'will fail' }],
      [existing],
    );
    // Delete it behind the plan's back, then apply without refreshing: the PUT targets a gone id.
    await client.webhooks.delete(existing.id);
    const report = await applySync(plan, { client, refresh: false });
    expect(report.ok).toBe(false);
    expect(report.summary.failed).toBe(1);
    const failed = report.steps.find((s) => !s.ok);
    expect(failed?.action).toBe('update');
    expect(failed?.status).toBe(404);
    expect(failed?.error?.code).toBe('not_found');
  });

  describe('a URL change (secret rotation) with prune: create first, delete after', () => {
    const mine = (url: string | undefined, test: string) =>
      url?.includes(`/hooks/demo/newsletter_update_subscriber/rot-${test}-`) ?? false;
    const rotationUrl = (name: string) =>
      `https://hooks.example.com/hooks/demo/newsletter_update_subscriber/rot-${name}`;

    /** A real fetch that records the inner methods of every batch it sends, in order. */
    /**
     * Records each batch's inner methods. With `refuseCreates`, each inner POST goes out with a delay the
     * sandbox refuses (40005, assumptions A24) — the client itself refuses one before sending — so the
     * shop answers that create 400 as it may any create.
     */
    function recordingFetch(options: { refuseCreates?: boolean } = {}) {
      const batches: string[][] = [];
      const fetch = async (request: Request) => {
        if (new URL(request.url).pathname.endsWith('/batch')) {
          const body = (await request.clone().json()) as {
            data: { requests: { method: string; data?: Record<string, unknown> }[] };
          };
          batches.push(body.data.requests.map((inner) => inner.method));
          if (options.refuseCreates) {
            for (const inner of body.data.requests) {
              if (inner.method === 'POST')
                inner.data = { ...inner.data, webHookDelay: [{ delay: '40000', delayUnit: 'day' }] };
            }
            return globalThis.fetch(new Request(request, { body: JSON.stringify(body) }));
          }
        }
        return globalThis.fetch(request);
      };
      return { fetch, batches };
    }

    async function current(client: ReturnType<TestSandbox['client']>, test: string) {
      return (await client.webhooks.all()).filter((w) => mine(w.webHookParameters[0]?.url, test));
    }

    it('sends the create before the delete, so the event is never without a subscription', async () => {
      const recorder = recordingFetch();
      const client = t.client({ fetch: recorder.fetch });
      const old = await client.webhooks.create({
        event: 'newsletter_update_subscriber',
        url: rotationUrl('a-old'),
      });
      const plan = planSync(
        [{ event: 'newsletter_update_subscriber', url: rotationUrl('a-new') }],
        await current(client, 'a'),
      );
      const report = await applySync(plan, { client, prune: true, refresh: false });
      expect(report.ok).toBe(true);
      expect(report.summary).toMatchObject({ created: 1, deleted: 1, failed: 0 });
      expect(report.steps.map((step) => step.action)).toEqual(['create', 'delete']);
      // The create went out (and was answered) before the delete was sent.
      expect(recorder.batches).toEqual([['POST'], ['DELETE']]);
      const after = await current(client, 'a');
      expect(after.map((w) => w.webHookParameters[0]?.url)).toEqual([rotationUrl('a-new')]);
      expect(after.some((w) => w.id === old.id)).toBe(false);
      await client.webhooks.delete(after[0]?.id ?? '');
    });

    it('a create the shop refuses leaves the old subscription in place (an extra, not a gap)', async () => {
      const recorder = recordingFetch({ refuseCreates: true });
      const client = t.client({ fetch: recorder.fetch });
      const old = await client.webhooks.create({
        event: 'newsletter_update_subscriber',
        url: rotationUrl('b-old'),
      });
      const stray = await client.webhooks.create({
        event: 'newsletter_update_subscriber',
        url: rotationUrl('b-old'),
      });
      const plan = planSync(
        [{ event: 'newsletter_update_subscriber', url: rotationUrl('b-new') }],
        await current(client, 'b'),
      );
      expect(plan.delete.map((step) => step.reason).sort()).toEqual(['duplicate', 'not_desired']);
      const report = await applySync(plan, { client, prune: true, refresh: false });
      expect(report.ok).toBe(false);
      const create = report.steps.find((step) => step.action === 'create');
      expect(create).toMatchObject({ ok: false, applied: true, status: 400 });
      const skipped = report.steps.find((step) => step.action === 'delete' && step.reason === 'not_desired');
      expect(skipped).toMatchObject({ id: expect.any(String), ok: false, applied: false });
      expect(skipped?.error?.code).toBe('delete_skipped');
      expect(skipped?.error?.message).toMatch(/not deleted.*newsletter_update_subscriber.*run sync again/);
      // The duplicate of the kept one is still removed: that leaves no gap.
      const duplicate = report.steps.find((step) => step.action === 'delete' && step.reason === 'duplicate');
      expect(duplicate).toMatchObject({ ok: true, applied: true });
      expect(recorder.batches).toEqual([['POST'], ['DELETE']]);
      const after = await current(client, 'b');
      expect(after).toHaveLength(1);
      expect([old.id, stray.id]).toContain(after[0]?.id);
      expect(after[0]?.webHookParameters[0]?.url).toBe(rotationUrl('b-old'));
      await client.webhooks.delete(after[0]?.id ?? '');
    });
  });
});
