/**
 * `bench/recovery-bench.mjs` (part of `pnpm bench`) still runs against the current receiver: a small
 * run recovers every order and prints its JSON result line. Nothing here checks its speed (that is
 * what the benchmark reports); it failed once on a change to what a recovery pass accepts, unnoticed
 * because benchmarks do not run in CI.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const receiverDir = fileURLToPath(new URL('..', import.meta.url));

describe('bench/recovery-bench.mjs', () => {
  it('recovers every order of a small shop and prints its JSON result', { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(receiverDir, 'bench', 'recovery-bench.mjs')], {
        cwd: receiverDir,
        env: { ...process.env, BENCH_RECOVERY_ORDERS: '12' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    });
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(result).toMatchObject({ bench: 'receiver-recovery', orders: 12, recovered: 12, status429: 0 });
  });
});
