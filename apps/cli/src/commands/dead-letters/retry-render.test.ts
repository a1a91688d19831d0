/**
 * `dead-letters retry` says when dead letters were left because their shop uninstalled the app (the
 * receiver's `uninstalledShops` count): "no dead letters to retry" alone would read as "none left".
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
  pausedHandlers: [],
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
