/**
 * Runs before every test file (vitest `setupFiles`). The files share one worker and its module
 * cache (`isolate: false`), so state that belongs to one file is emptied here: `seenOutput` is
 * "every output seen by a test file", which the files' never-printed-a-secret checks read.
 *
 * After each file, no output it saw may hold a mark of the CLI's own colour codes (leaked-marks.ts).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { outputWithLeakedMark } from './leaked-marks.js';
import { seenOutput } from './run-cli.js';

beforeAll(() => {
  seenOutput.length = 0;
});

afterAll(() => {
  expect(outputWithLeakedMark(seenOutput), 'a colour mark reached the output unconverted').toBeUndefined();
});
