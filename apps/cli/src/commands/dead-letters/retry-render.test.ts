/**
 * `dead-letters retry` says when dead letters were left because their shop uninstalled the app (the
 * receiver's `uninstalledShops` count): "no dead letters to retry" alone would read as "none left". And
 * how a disabled handler's replayed jobs run, by who disabled it (the receiver's `{handler, disabledBy}`).
 */
import { describe, expect, it } from 'vitest';
import { createStyle } from '../../output/style.js';
import { type RetryDeadLettersResult, retryDeadLettersCommand } from './retry.js';

const result = (changes: Partial<RetryDeadLettersResult>): RetryDeadLettersResult => ({
  receiver: 'http://127.0.0.1:3000',
  revealed: false,
  replayed: 0,
  jobs: [],
  disabledHandlers: [],
  notReplayed: [],
  uninstalledShops: 0,
  ...changes,
});

const render = (changes: Partial<RetryDeadLettersResult>) =>
  retryDeadLettersCommand.render?.(result(changes), createStyle(false));

describe('dead-letters retry: dead letters of shops that uninstalled the app', () => {
  it('says they were left and when they can be retried', () => {
    expect(render({ uninstalledShops: 2 })).toBe(
      '✔ no dead letters that can run now to retry\n' +
        '! 2 dead letters of shops that uninstalled the app left as they are: their jobs would be cancelled again at once; retry after the app is installed on the shop again (srhooks dead-letters list shows them)',
    );
  });

  it('says nothing of them when there are none', () => {
    expect(render({ replayed: 1 })).toBe('✔ 1 dead letter queued to run again');
  });
});

describe('dead-letters retry: replayed jobs of disabled handlers', () => {
  it('says how each disabled handler of the replayed jobs is enabled again, by who disabled it', () => {
    expect(
      render({
        replayed: 2,
        disabledHandlers: [
          { handler: 'erp', disabledBy: 'target' },
          { handler: 'crm', disabledBy: 'operator' },
        ],
      }),
    ).toBe(
      '✔ 2 dead letters queued to run again\n' +
        '! erp is disabled: its jobs wait until you fix its target and run srhooks handlers enable erp (srhooks handlers list says why)\n' +
        '! crm is disabled by an operator: its jobs wait until srhooks handlers enable crm',
    );
  });
});
