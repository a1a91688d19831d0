/** Runs one of `bench/*.mjs` in a child process with extra environment, for the tests that keep them working. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const receiverDir = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runBenchScript(script: string, env: Record<string, string>): Promise<BenchScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(receiverDir, 'bench', script)], {
      cwd: receiverDir,
      env: { ...process.env, ...env },
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
}

/** The JSON object a benchmark prints as its last line. */
export function lastJsonLine<T = Record<string, unknown>>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;
}
