/**
 * Runs before every test file (vitest `setupFiles`). The files share one worker and its module
 * cache (`isolate: false`), so state that belongs to one file is emptied here: `seenOutput` is
 * "every output seen by a test file", which the files' never-printed-a-secret checks read.
 */
import { beforeAll } from 'vitest';
import { seenOutput } from './run-cli.js';

beforeAll(() => {
  seenOutput.length = 0;
});
