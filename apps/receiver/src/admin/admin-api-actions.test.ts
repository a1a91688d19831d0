import { describe, expect, it } from 'vitest';
import { type AdminApiFixture, adminApiFixture } from './test-support/admin-api-fixture.js';
import {
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
} from './test-support/admin-test-receiver.js';

/** Acting through the admin API: replays, releases, re-processing quarantined deliveries, handler states. */
describe('admin API: replay, re-process and handlers', () => {
  const fixture: AdminApiFixture = adminApiFixture();
  const { ids, api, runJobsOnce, eventOf } = fixture;

  describe('replay', () => {
    it('replays an event: its job runs again and a new attempt is recorded', async () => {
      const posted = await postDelivery(fixture.receiver, orderDelivery([order(9, { innerId: '9009' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      expect(await runJobsOnce()).toContain(eventId);
      const before = (await api(`/events/${eventId}`)).body.event as {
        status: string;
        jobs: Array<{ status: string; attemptLog: unknown[] }>;
      };
      expect(before.status).toBe('succeeded');
      expect(before.jobs[0]?.attemptLog).toHaveLength(1);

      const replay = await api(`/events/${eventId}/replay`, { method: 'POST' });
      expect(replay.status).toBe(200);
      const jobs = replay.body.jobs as Array<{ handler: string; status: string }>;
      expect(jobs).toEqual([expect.objectContaining({ handler: 'log', status: 'pending' })]);
      expect(await runJobsOnce()).toEqual([eventId]);

      const after = (await api(`/events/${eventId}`)).body.event as {
        status: string;
        jobs: Array<{ status: string; attemptLog: Array<{ attempt: number; outcome: string }> }>;
      };
      expect(after.status).toBe('succeeded');
      expect(after.jobs[0]?.attemptLog.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
        [1, 'succeeded'],
        [2, 'succeeded'],
      ]);
    });

    it('replays one handler with ?handler= and refuses unknown handlers naming the field', async () => {
      const posted = await postDelivery(fixture.receiver, orderDelivery([order(10, { innerId: '1010' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      await runJobsOnce();
      const replay = await api(`/events/${eventId}/replay?handler=log`, { method: 'POST' });
      expect(replay.status).toBe(200);
      expect((replay.body.jobs as Array<{ handler: string }>).map((job) => job.handler)).toEqual(['log']);
      const unknown = await api(`/events/${eventId}/replay?handler=erp`, { method: 'POST' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', in: 'query', field: 'handler' });
      const badName = await api(`/events/${eventId}/replay?handler=${encodeURIComponent('../x')}`, {
        method: 'POST',
      });
      expect(badName.status).toBe(400);
      expect(badName.body.error).toMatchObject({ field: 'handler' });
      await runJobsOnce();
    });

    it('refuses to replay a duplicate (409 naming the original)', async () => {
      const item = order(11, { innerId: '1111' });
      const first = await postDelivery(fixture.receiver, orderDelivery([item]));
      const second = await postDelivery(fixture.receiver, orderDelivery([item]));
      expect(second.body.duplicates).toBe(1);
      const original = await eventOf(first.body.deliveryId);
      const duplicate = await eventOf(second.body.deliveryId);
      const replay = await api(`/events/${duplicate}/replay`, { method: 'POST' });
      expect(replay.status).toBe(409);
      expect(replay.body.error).toMatchObject({ code: 'duplicate_event', duplicateOf: original });
      await runJobsOnce();
    });

    it('lists dead letters and replays those in a time window', async () => {
      const posted = await postDelivery(fixture.receiver, orderDelivery([order(12, { innerId: '1212' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      const [job] = await fixture.receiver.app.store.claimJobs({
        workerId: 'test-worker',
        limit: 10,
        leaseMs: 60_000,
      });
      expect(job?.eventId).toBe(eventId);
      const deadAt = new Date();
      await fixture.receiver.app.store.failJob(job?.id ?? '', {
        attempt: job?.attempt ?? 0,
        error: 'HTTP 400 from target',
        statusCode: 400,
        deadLetter: true,
        now: deadAt,
      });

      const list = await api('/dead-letters');
      const items = list.body.items as Array<{
        job: { id: string; lastError: string };
        event: { id: string; orderNumber: string };
      }>;
      expect(items.map((item) => [item.job.id, item.event.orderNumber, item.job.lastError])).toEqual([
        [job?.id, '1212', 'HTTP 400 from target'],
      ]);

      const before = new Date(deadAt.getTime() - 60_000).toISOString();
      const outside = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: before }),
      });
      expect(outside.body).toMatchObject({ ok: true, replayed: 0 });

      const bad = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'last week' }),
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ field: 'from', in: 'body' });

      // A handler that is not configured is refused, not answered "replayed: 0".
      const unknown = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handler: 'nope' }),
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_handler', in: 'body', field: 'handler' });
      expect((await api('/dead-letters')).body.items).toHaveLength(1);

      const inside = await api('/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          from: before,
          to: new Date(deadAt.getTime() + 60_000).toISOString(),
          handler: 'log',
        }),
      });
      expect(inside.body).toMatchObject({ ok: true, replayed: 1 });
      expect((inside.body.jobs as Array<{ id: string; status: string }>)[0]).toMatchObject({
        id: job?.id,
        status: 'pending',
      });
      expect((await api('/dead-letters')).body.items).toEqual([]);
      expect(await runJobsOnce()).toEqual([eventId]);
    });

    it('releases a held event, and refuses to release one that is not held', async () => {
      const posted = await postDelivery(fixture.receiver, orderDelivery([order(13, { innerId: '1313' })]));
      const eventId = await eventOf(posted.body.deliveryId);
      await fixture.receiver.app.store.setEventVerification(eventId, {
        status: 'mismatched',
        detail: 'gross total differs',
      });
      const held = (await api(`/events/${eventId}`)).body.event as { held: boolean; status: string };
      expect(held).toMatchObject({ held: true, status: 'held' });
      expect(
        await fixture.receiver.app.store.claimJobs({ workerId: 'test-worker', limit: 50, leaseMs: 60_000 }),
      ).toEqual([]);

      const release = await api(`/events/${eventId}/release`, { method: 'POST' });
      expect(release.status).toBe(200);
      expect(((await api(`/events/${eventId}`)).body.event as { held: boolean }).held).toBe(false);
      expect(await runJobsOnce()).toEqual([eventId]);

      const again = await api(`/events/${eventId}/release`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'not_held' });
    });
  });

  describe('re-processing quarantined deliveries', () => {
    it('decodes a quarantined delivery again and stores its events and jobs', async () => {
      // A delivery quarantined by an earlier decoder that failed on it; today's decoder reads it.
      const deliveryId = await quarantineOrderDelivery(
        fixture.receiver,
        order(14, { innerId: '1414', firstname: 'Zsófia', lastname: 'Kiss' }),
      );
      const result = await api(`/deliveries/${deliveryId}/reprocess`, { method: 'POST' });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ ok: true, deliveryId, duplicates: 0 });
      expect(result.body.events).toHaveLength(1);

      const delivery = (await api(`/deliveries/${deliveryId}`)).body.delivery as {
        status: string;
        reprocessedAt: string | null;
        events: Array<{ orderNumber: string; customerName: string }>;
      };
      expect(delivery.status).toBe('reprocessed');
      expect(delivery.reprocessedAt).not.toBeNull();
      expect(delivery.events.map((event) => [event.orderNumber, event.customerName])).toEqual([
        ['1414', 'Kiss Zsófia'],
      ]);
      const event = (await api(`/events/${await eventOf(deliveryId)}`)).body.event as {
        jobs: Array<{ handler: string; status: string }>;
      };
      expect(event.jobs.map((job) => [job.handler, job.status])).toEqual([['log', 'pending']]);

      const again = await api(`/deliveries/${deliveryId}/reprocess`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'not_quarantined' });
    });

    it('leaves a still-undecodable delivery quarantined (422 with the decode error)', async () => {
      const result = await api(`/deliveries/${ids.broken}/reprocess`, { method: 'POST' });
      expect(result.status).toBe(422);
      const error = result.body.error as { code: string; message: string; decodeError: { code: string } };
      expect(error.code).toBe('still_undecodable');
      expect(error.decodeError.code).toMatch(/json/);
      expect(((await api(`/deliveries/${ids.broken}`)).body.delivery as { status: string }).status).toBe(
        'quarantined',
      );
    });
  });

  describe('handlers', () => {
    it('lists configured handlers and re-enables a disabled one', async () => {
      await fixture.receiver.app.store.disableHandler('log', { reason: 'target answered 410 Gone' });
      const disabled = await api('/handlers');
      expect(disabled.body.items).toEqual([
        expect.objectContaining({
          name: 'log',
          type: 'log',
          disabled: true,
          reason: 'target answered 410 Gone',
        }),
      ]);
      const enable = await api('/handlers/log/enable', { method: 'POST' });
      expect(enable.status).toBe(200);
      expect(((await api('/handlers')).body.items as Array<{ disabled: boolean }>)[0]?.disabled).toBe(false);
      const unknown = await api('/handlers/erp/enable', { method: 'POST' });
      expect(unknown.status).toBe(404);
    });

    it("disables a handler as an operator's, says when it already was, and enable undoes it", async () => {
      const disable = await api('/handlers/log/disable', { method: 'POST' });
      expect(disable.status).toBe(200);
      expect(disable.body).toMatchObject({
        ok: true,
        handler: 'log',
        alreadyDisabled: false,
        disabledBy: 'operator',
        reason: expect.stringContaining('disabled by an operator'),
      });
      const listed = await api('/handlers');
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          name: 'log',
          disabled: true,
          disabledBy: 'operator',
          reason: expect.stringContaining('disabled by an operator'),
        }),
      ]);
      const again = await api('/handlers/log/disable', { method: 'POST' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ alreadyDisabled: true, disabledBy: 'operator' });
      expect(again.body.changedAt).toBe(disable.body.changedAt);

      expect((await api('/handlers/log/enable', { method: 'POST' })).status).toBe(200);
      expect((await api('/handlers')).body.items).toEqual([
        expect.objectContaining({ name: 'log', disabled: false, disabledBy: null, reason: null }),
      ]);

      // Disabled by its target (410): an operator's disable leaves that state and its reason alone.
      await fixture.receiver.app.store.disableHandler('log', { reason: 'HTTP 410 Gone from erp.example' });
      const overTarget = await api('/handlers/log/disable', { method: 'POST' });
      expect(overTarget.body).toMatchObject({
        alreadyDisabled: true,
        disabledBy: 'target',
        reason: 'HTTP 410 Gone from erp.example',
      });
      expect((await api('/handlers/log/enable', { method: 'POST' })).status).toBe(200);

      const unknown = await api('/handlers/erp/disable', { method: 'POST' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ code: 'unknown_handler' });
      expect(
        (await fixture.receiver.app.store.listHandlerStates()).find((state) => state.handler === 'erp'),
      ).toBe(undefined);
    });
  });
});
