/**
 * The environment and node flags of the receiver's `start` script (package.json), e.g.
 * `MALLOC_ARENA_MAX=2` and `--max-semi-space-size=4`. The benchmark starts every server with them, so
 * it measures the receiver as it runs in production; src/start-script.test.ts checks that this node
 * accepts the flags.
 */
import { readFileSync } from 'node:fs';

const START = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/main\.js$/;

function startScript() {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const match = START.exec(scripts.start.trim());
  if (!match) {
    throw new Error(
      `package.json "start" is not "[VAR=value …] node [--flags] dist/main.js": ${scripts.start}`,
    );
  }
  return { env: match[1].trim(), flags: match[2].trim() };
}

export function startScriptNodeFlags() {
  return startScript().flags.split(/\s+/).filter(Boolean);
}

/** The variables the start script sets, e.g. `{MALLOC_ARENA_MAX: '2'}`. */
export function startScriptEnv() {
  const env = {};
  for (const assignment of startScript().env.split(/\s+/).filter(Boolean)) {
    const equals = assignment.indexOf('=');
    env[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  }
  return env;
}
