import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startScriptEnv, startScriptNodeFlags } from '../bench/start-script-flags.mjs';

describe('the start script', () => {
  it('passes node flags this node accepts (a removed V8 flag would stop the receiver from starting)', () => {
    const flags = startScriptNodeFlags();
    expect(flags).toContain('--max-semi-space-size=4');
    const output = execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write("started")'], {
      encoding: 'utf8',
    });
    expect(output).toBe('started');
  });

  it('limits glibc malloc to 2 arenas and maps buffers of 128 KiB and more on their own (freed memory goes back)', () => {
    expect(startScriptEnv()).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
  });

  it('refuses an unknown flag, so the check above can fail', () => {
    expect(() =>
      execFileSync(process.execPath, ['--no-such-v8-flag-srhooks', '-e', '0'], { stdio: 'pipe' }),
    ).toThrow();
  });
});
