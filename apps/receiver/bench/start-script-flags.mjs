/**
 * The node flags of the receiver's `start` script (package.json), e.g. `--max-semi-space-size=8`.
 * The benchmark starts every server with them, so it measures the receiver as it runs in production;
 * src/start-script.test.ts checks that this node accepts them.
 */
import { readFileSync } from 'node:fs';

export function startScriptNodeFlags() {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const match = /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/main\.js$/.exec(scripts.start.trim());
  if (!match) throw new Error(`package.json "start" is not "node [--flags] dist/main.js": ${scripts.start}`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}
