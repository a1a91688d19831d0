import { afterEach, describe, expect, it } from 'vitest';
import { type AppModeFixture, startAppModeFixture } from './test-support/app-mode-fixture.js';

// App mode turned on by its variables alone (SRHOOKS_APP_ID, SRHOOKS_APP_CLIENT_ID, …) has no `events` or
// `webhooks`: every install then succeeds with no subscription, and no order ever arrives. That may be
// meant (an app that only bills through the Payment API), so it is said once at start-up, not refused.
let fixture: AppModeFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const warnings = (lines: string[], code = 'app_no_subscriptions') =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.code === code);

describe('app mode without subscriptions', () => {
  it('warns once at start-up that installed shops get no webhooks, naming the keys to set', async () => {
    fixture = await startAppModeFixture({ shops: ['alpha'], app: { events: [], webhooks: [] } });
    const found = warnings(fixture.logLines);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 40 });
    expect(String(found[0]?.msg)).toContain('app.events');
    expect(String(found[0]?.msg)).toContain('app.webhooks');
    // and that is what an install then does: the shop is installed with no subscription
    const report = await fixture.sandbox.apps.install('55', 'alpha');
    expect(report.install.status).toBe(302);
    expect(fixture.sandbox.sandbox.shop('alpha').data.webhooks).toHaveLength(0);
  });

  it('says nothing when the app has events', async () => {
    fixture = await startAppModeFixture({ shops: ['alpha'] });
    expect(warnings(fixture.logLines)).toHaveLength(0);
    expect(warnings(fixture.logLines, 'app_no_handlers')).toHaveLength(0);
  });

  it('warns once at start-up when the app has no handlers: its events would be stored, never processed', async () => {
    fixture = await startAppModeFixture({ shops: ['alpha'], app: { handlers: [] } });
    const found = warnings(fixture.logLines, 'app_no_handlers');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 40 });
    expect(String(found[0]?.msg)).toContain('app.handlers');
  });
});
