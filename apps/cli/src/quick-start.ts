import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';

/**
 * Start-up of the commands that end after a few requests. Node's `fetch` (undici) parses HTTP with llhttp
 * compiled to WebAssembly, and at the first request V8 compiles that module with its optimising tier
 * (TurboFan) besides the baseline one (Liftoff): about 0.15 s of CPU on a 2-core machine, and about as much
 * wall time, since the process waits for that compile before it exits — a third of what `events list`
 * against a receiver costs in all (apps/cli/bench/command-cpu-bench.mjs, `events list (answered)`). Such a
 * command keeps the baseline code (`--liftoff-only`: a request's few hundred bytes parse as fast either
 * way). The commands that run until stopped (the servers `listen`, `sandbox` and `demo`, and `events
 * tail`'s stream) keep V8's default: over hours the optimised parser pays for its compile.
 *
 * Called before the command's action (commander's preAction hook), so before its first request; a V8 flag
 * set after the module was compiled would change nothing.
 */
export function preferQuickStart(action: Command): void {
  if (runsUntilStopped(action)) return;
  setFlagsFromString('--liftoff-only');
}

/** The commands that run until stopped: `listen`, `sandbox` (not its subcommands), `demo`, `events tail`. */
export function runsUntilStopped(action: Command): boolean {
  const path = commandPath(action);
  return ['listen', 'sandbox', 'demo', 'events tail'].includes(path);
}

/** `events tail` for the action `tail` under `events` (the program's own name left out). */
function commandPath(action: Command): string {
  const names: string[] = [];
  for (let command: Command | null = action; command?.parent; command = command.parent)
    names.unshift(command.name());
  return names.join(' ');
}
