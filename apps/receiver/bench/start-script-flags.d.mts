/** The node flags of the receiver's `start` script (package.json). */
export function startScriptNodeFlags(): string[];
/** The environment variables the `start` script sets, e.g. `{MALLOC_ARENA_MAX: '2'}`. */
export function startScriptEnv(): Record<string, string>;
